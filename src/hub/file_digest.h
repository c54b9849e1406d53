// The digests the Hub names its files by: SHA-256 for LFS files (the `lfs.sha256` of the
// revision API and the blob name in the cache) and the git blob SHA-1 for the others
// (SHA-1 of "blob <size>\0" + content, the `blobId`/ETag). Used to verify a download
// before it becomes visible. OpenSSL's implementations; thread-safe.
#pragma once

#include <filesystem>
#include <string>

namespace hfserve::hub {

// Lowercase hex digests of a whole file. Throw Error(kInternal) naming the file when it
// cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);
std::string git_blob_sha1_file_hex(const std::filesystem::path& path);

}  // namespace hfserve::hub
