// Turns a Hub error answer into an hfserve::Error that says what to do, telling the cases
// apart by status and X-Error-Code the way huggingface_hub does (RepoNotFound,
// RevisionNotFound, EntryNotFound, GatedRepo, and 401 "Invalid credentials in
// Authorization header" for a refused token). Pure; thread-safe. Never quotes the token.
#pragma once

#include <string>

#include "hub/http_client.h"
#include "util/error.h"

namespace hfserve::hub {

struct HubErrorContext {
  std::string endpoint;  // for the licence URL of a gated repo
  std::string repo_id;
  std::string revision;
  std::string file;  // empty for API calls
  bool token_sent = false;
};

Error hub_error_from_response(const HttpResponse& response, const HubErrorContext& context);

}  // namespace hfserve::hub
