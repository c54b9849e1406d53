// Downloads one file of a repository into the cache's blobs/ folder, the only way a blob
// gets there: into blobs/<hash>.incomplete (resumed with Range after an interruption or a
// kill; a 200 answer to a Range request restarts it), verified (size, then SHA-256 for
// LFS files or the git blob SHA-1 for the others), then renamed to blobs/<hash>.
// Transient failures (connection errors, stalls, 408/429/5xx, truncated or corrupt
// bodies) are retried per RetryPolicy. A per-blob lock file (the path huggingface_hub
// locks, with flock as its filelock does) keeps two processes from writing one blob.
// Thread-safe for different blobs; the lock serialises the same blob.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hub/hub_api.h"
#include "hub/hub_cache.h"

namespace hfserve::hub {

struct BlobJob {
  std::string repo_id;
  std::string commit;
  Sibling file;
};

// Called from the downloading thread with the bytes of the file on disk whenever they change
// (down to 0 when the file restarts).
using BytesOnDisk = std::function<void(std::int64_t)>;

// Returns when blobs/<file.blob_name()> holds the verified file, with the number of bytes
// this call received (0 when another process had finished the blob). Throws the Errors of
// hub_errors.h for Hub refusals and Error(kUnavailable) when the retries ran out.
std::int64_t download_blob(const HubClientOptions& client, const HubCache& cache,
                           const BlobJob& job, const BytesOnDisk& on_bytes);

// Bytes already in blobs/<blob>.incomplete (0 when none).
std::int64_t incomplete_bytes(const HubCache& cache, const std::string& repo_id,
                              const std::string& blob);

}  // namespace hfserve::hub
