#include "hub/hub_errors.h"

namespace hfserve::hub {

Error hub_error_from_response(const HttpResponse& response, const HubErrorContext& context) {
  const std::string code = response.header("x-error-code");
  const std::string message = response.header("x-error-message");
  const std::string& repo = context.repo_id;
  const long status = response.status;
  if (code == "GatedRepo") {
    return Error(ErrorCode::kForbidden,
                 "model " + repo + " is gated: accept the licence at " + context.endpoint + "/" +
                     repo + ", then retry with a token that has read access" +
                     (context.token_sent ? "" : " (no token was sent: set HF_TOKEN or hf_token)"));
  }
  if (code == "RevisionNotFound") {
    return Error(ErrorCode::kNotFound, "revision '" + context.revision +
                                           "' does not exist in model " + repo +
                                           ": check the branch, tag or commit");
  }
  if (code == "EntryNotFound") {
    return Error(ErrorCode::kNotFound, "file '" + context.file + "' does not exist in model " +
                                           repo + " at revision " + context.revision);
  }
  if (status == 401 && context.token_sent &&
      message == "Invalid credentials in Authorization header") {
    return Error(ErrorCode::kUnauthorized,
                 "the token was refused by the Hub for model " + repo +
                     ": check HF_TOKEN / hf_token (it may be expired or revoked)");
  }
  if (code == "RepoNotFound" || status == 401) {
    if (!context.token_sent) {
      return Error(ErrorCode::kUnauthorized,
                   "repository " + repo +
                       " not found, or private/gated and no token was sent: set HF_TOKEN or "
                       "hf_token");
    }
    return Error(ErrorCode::kNotFound,
                 "repository " + repo + " not found, or the token sent has no access to it");
  }
  if (status == 403) {
    return Error(ErrorCode::kForbidden, "the Hub refused access to model " + repo +
                                            " (HTTP 403): use a token with read access to it");
  }
  if (status == 404) {
    return Error(
        ErrorCode::kNotFound,
        "the Hub has no " +
            (context.file.empty() ? "model " + repo : "file '" + context.file + "' in " + repo) +
            " (HTTP 404)");
  }
  return Error(ErrorCode::kUnavailable,
               "the Hub answered HTTP " + std::to_string(status) + " for model " + repo);
}

}  // namespace hfserve::hub
