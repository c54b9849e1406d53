#include "hub/file_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "util/error.h"

namespace hfserve::hub {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
struct DigestFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string to_hex(const unsigned char* digest, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// Digests `prefix` followed by the file's bytes.
std::string digest_file(const EVP_MD* md, const std::filesystem::path& path,
                        const std::string& prefix) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw Error(ErrorCode::kInternal, "cannot read " + path.string() + " to verify it");
  std::unique_ptr<EVP_MD_CTX, DigestFree> context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), md, nullptr) != 1) {
    throw Error(ErrorCode::kInternal, "OpenSSL could not start a digest");
  }
  EVP_DigestUpdate(context.get(), prefix.data(), prefix.size());
  std::vector<unsigned char> buffer(1 << 20);
  while (true) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0) EVP_DigestUpdate(context.get(), buffer.data(), n);
    if (n < buffer.size()) break;
  }
  if (std::ferror(file.get())) {
    throw Error(ErrorCode::kInternal, "read error on " + path.string() + " while verifying it");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  return to_hex(digest, length);
}

}  // namespace

struct StreamingDigest::State {
  std::unique_ptr<EVP_MD_CTX, DigestFree> context{EVP_MD_CTX_new()};
};

StreamingDigest::StreamingDigest(std::int64_t git_blob_size)
    : git_blob_size_(git_blob_size), state_(std::make_unique<State>()) {
  reset();
}

StreamingDigest::~StreamingDigest() = default;

void StreamingDigest::reset() {
  const EVP_MD* md = git_blob_size_ >= 0 ? EVP_sha1() : EVP_sha256();
  if (!state_->context || EVP_DigestInit_ex(state_->context.get(), md, nullptr) != 1) {
    throw Error(ErrorCode::kInternal, "OpenSSL could not start a digest");
  }
  if (git_blob_size_ >= 0) {
    std::string header = "blob " + std::to_string(git_blob_size_);
    header.push_back('\0');
    update(header);
  }
}

void StreamingDigest::update(std::string_view bytes) {
  EVP_DigestUpdate(state_->context.get(), bytes.data(), bytes.size());
}

void StreamingDigest::update_from_file(const std::filesystem::path& path, std::int64_t bytes) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw Error(ErrorCode::kInternal, "cannot read " + path.string() + " to resume it");
  std::vector<char> buffer(1 << 20);
  while (bytes > 0) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::int64_t>(bytes, static_cast<std::int64_t>(buffer.size())));
    const std::size_t n = std::fread(buffer.data(), 1, want, file.get());
    if (n != want) throw Error(ErrorCode::kInternal, "short read of " + path.string());
    update(std::string_view(buffer.data(), n));
    bytes -= static_cast<std::int64_t>(n);
  }
}

std::string StreamingDigest::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context.get(), digest, &length);
  std::string result = to_hex(digest, length);
  reset();
  return result;
}

std::string sha256_file_hex(const std::filesystem::path& path) {
  return digest_file(EVP_sha256(), path, "");
}

std::string git_blob_sha1_file_hex(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw Error(ErrorCode::kInternal, "cannot stat " + path.string() + " to verify it");
  std::string header = "blob " + std::to_string(size);
  header.push_back('\0');
  return digest_file(EVP_sha1(), path, header);
}

}  // namespace hfserve::hub
