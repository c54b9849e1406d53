// The digests the Hub names its files by: SHA-256 for LFS files (the `lfs.sha256` of the
// revision API and the blob name in the cache) and the git blob SHA-1 for the others
// (SHA-1 of "blob <size>\0" + content, the `blobId`/ETag). Used to verify a download
// before it becomes visible. OpenSSL's implementations; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace hfserve::hub {

// A digest fed piece by piece while a file downloads, so the bytes are hashed as they
// arrive instead of being read back afterwards. One thread at a time.
class StreamingDigest {
 public:
  // `git_blob_size` >= 0 makes it the git blob SHA-1 of a file of that many bytes; -1
  // makes it SHA-256.
  explicit StreamingDigest(std::int64_t git_blob_size = -1);
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest&) = delete;
  StreamingDigest& operator=(const StreamingDigest&) = delete;

  void reset();  // back to the digest of no bytes
  void update(std::string_view bytes);
  // Feeds the first `bytes` bytes of `path` (a partial download being resumed). Throws
  // Error(kInternal) naming the file when they cannot be read.
  void update_from_file(const std::filesystem::path& path, std::int64_t bytes);
  // Lowercase hex of the digest of everything fed since the last reset.
  std::string hex();

 private:
  struct State;
  std::int64_t git_blob_size_;
  std::unique_ptr<State> state_;
};

// Lowercase hex digests of a whole file. Throw Error(kInternal) naming the file when it
// cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);
std::string git_blob_sha1_file_hex(const std::filesystem::path& path);

}  // namespace hfserve::hub
