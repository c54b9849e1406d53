#include "hub/hub_api.h"

#include <nlohmann/json.hpp>

#include "hub/http_client.h"
#include "hub/hub_errors.h"
#include "hub/model_ref.h"
#include "util/error.h"

namespace hfserve::hub {
namespace {

// Far above any real file (1 PiB), and small enough for every byte count in int64_t.
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 50;

bool is_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

[[noreturn]] void bad_answer(const std::string& repo_id, const std::string& what) {
  throw Error(ErrorCode::kUnavailable,
              "the Hub's revision answer for " + repo_id + " is not valid: " + what);
}

}  // namespace

RepoRevision parse_revision_info(std::string_view json, const std::string& repo_id) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& error) {  // syntax, or a number out of range
    bad_answer(repo_id, std::string("JSON error: ") + error.what());
  }
  if (!root.is_object()) bad_answer(repo_id, "not a JSON object");
  RepoRevision revision;
  auto sha = root.find("sha");
  if (sha == root.end() || !sha->is_string() || !is_hex(sha->get<std::string>(), 40)) {
    bad_answer(repo_id, "'sha' is not a 40-hex commit");
  }
  revision.commit = sha->get<std::string>();
  auto siblings = root.find("siblings");
  if (siblings == root.end() || !siblings->is_array()) {
    bad_answer(repo_id, "'siblings' is missing or not a list");
  }
  for (std::size_t i = 0; i < siblings->size(); ++i) {
    const nlohmann::json& entry = (*siblings)[i];
    const std::string where = "siblings[" + std::to_string(i) + "]";
    if (!entry.is_object()) bad_answer(repo_id, where + " is not an object");
    Sibling sibling;
    auto name = entry.find("rfilename");
    if (name == entry.end() || !name->is_string()) {
      bad_answer(repo_id, where + ".rfilename is missing or not a string");
    }
    sibling.path = name->get<std::string>();
    try {
      check_repo_file_path(sibling.path);
    } catch (const Error& error) {
      throw Error(ErrorCode::kInvalidArgument, "the Hub lists a file of " + repo_id +
                                                   " that hfserve refuses: " + error.message());
    }
    auto blob = entry.find("blobId");
    if (blob == entry.end() || !blob->is_string() || !is_hex(blob->get<std::string>(), 40)) {
      bad_answer(repo_id, where + ".blobId of '" + sibling.path + "' is not a 40-hex id");
    }
    sibling.blob_id = blob->get<std::string>();
    auto size = entry.find("size");
    if (size == entry.end() || !size->is_number_unsigned() ||
        size->get<std::uint64_t>() > kMaxFileBytes) {
      bad_answer(repo_id, where + ".size of '" + sibling.path + "' is not a byte count");
    }
    sibling.size = size->get<std::int64_t>();
    auto lfs = entry.find("lfs");
    if (lfs != entry.end() && !lfs->is_null()) {
      auto lfs_sha = lfs->is_object() ? lfs->find("sha256") : lfs->end();
      if (!lfs->is_object() || lfs_sha == lfs->end() || !lfs_sha->is_string() ||
          !is_hex(lfs_sha->get<std::string>(), 64)) {
        bad_answer(repo_id, where + ".lfs.sha256 of '" + sibling.path + "' is not 64 hex");
      }
      sibling.lfs_sha256 = lfs_sha->get<std::string>();
      auto lfs_size = lfs->find("size");
      if (lfs_size != lfs->end()) {
        if (!lfs_size->is_number_unsigned() || lfs_size->get<std::uint64_t>() > kMaxFileBytes) {
          bad_answer(repo_id, where + ".lfs.size of '" + sibling.path + "' is not a byte count");
        }
        sibling.size = lfs_size->get<std::int64_t>();
      }
    }
    revision.siblings.push_back(std::move(sibling));
  }
  return revision;
}

RepoRevision fetch_revision(const HubClientOptions& options, const std::string& repo_id,
                            const std::string& revision) {
  HttpRequest request;
  request.url = options.endpoint + "/api/models/" + repo_id + "/revision/" +
                url_encode_segment(revision) + "?blobs=true";
  request.token = options.token;
  request.token_origin = url_origin(options.endpoint);
  request.low_speed_time_s = options.low_speed_time_s;
  HubErrorContext context{options.endpoint, repo_id, revision, "", options.token != nullptr};
  RepoRevision result;
  run_with_retries(options.retry, "resolving " + repo_id + "@" + revision, [&](int) {
    const HttpResponse response = http_fetch(request);
    AttemptResult attempt;
    if (!response.transport_error.empty()) {
      attempt.failure = response.transport_error;
      return attempt;
    }
    if (is_transient_status(response.status)) {
      attempt.failure = "HTTP " + std::to_string(response.status);
      attempt.retry_after = parse_retry_after(response.header("retry-after"));
      return attempt;
    }
    if (response.status != 200) throw hub_error_from_response(response, context);
    result = parse_revision_info(response.body, repo_id);
    attempt.ok = true;
    return attempt;
  });
  return result;
}

}  // namespace hfserve::hub
