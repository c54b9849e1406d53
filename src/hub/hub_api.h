// The Hub's revision API: `GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true`
// resolves a branch, tag or PR ref to a commit and lists the files (siblings) with their
// sizes, git blob ids and LFS SHA-256s. The answer is untrusted: every file name, hash and
// size is checked here, before anything uses it for a path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/retry.h"
#include "hub/token.h"

namespace hfserve::hub {

struct Sibling {
  std::string path;        // checked with check_repo_file_path
  std::int64_t size = 0;   // bytes of the real file (the LFS object for LFS files)
  std::string blob_id;     // git blob SHA-1, 40 hex
  std::string lfs_sha256;  // 64 hex for LFS files, else empty

  bool is_lfs() const { return !lfs_sha256.empty(); }
  // Its name under blobs/ in the cache, as huggingface_hub names it: the SHA-256 for LFS
  // files, the git blob id for the others.
  const std::string& blob_name() const { return is_lfs() ? lfs_sha256 : blob_id; }
};

struct RepoRevision {
  std::string commit;  // 40 hex
  std::vector<Sibling> siblings;
};

// Parses and checks the JSON of the revision API. Throws Error(kUnavailable) naming the
// repository and the bad field for an answer that is not what the Hub sends, and
// Error(kInvalidArgument) for a file name that could escape the cache.
RepoRevision parse_revision_info(std::string_view json, const std::string& repo_id);

struct HubClientOptions {
  std::string endpoint;          // HubSettings::endpoint
  const Token* token = nullptr;  // not owned; may be null
  RetryPolicy retry;
  long low_speed_time_s = 30;
};

// Resolves `revision` of `repo_id` with retries; Hub errors become the Errors of
// hub_errors.h. Thread-safe.
RepoRevision fetch_revision(const HubClientOptions& options, const std::string& repo_id,
                            const std::string& revision);

}  // namespace hfserve::hub
