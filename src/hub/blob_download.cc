#include "hub/blob_download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

#include "hub/file_digest.h"
#include "hub/hub_errors.h"
#include "hub/model_ref.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::hub {
namespace fs = std::filesystem;
namespace {

// Holds an exclusive flock on a lock file for its lifetime.
class BlobLock {
 public:
  explicit BlobLock(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(ErrorCode::kInternal, "cannot open the lock file " + path.string());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw Error(ErrorCode::kInternal, "cannot lock " + path.string());
      }
    }
  }
  ~BlobLock() { ::close(fd_); }  // closing releases the flock
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

std::int64_t file_bytes(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

void truncate_file(const fs::path& path) {
  std::error_code error;
  fs::resize_file(path, 0, error);
}

// Makes the verified file durable before it gets its final name.
void sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::int64_t incomplete_bytes(const HubCache& cache, const std::string& repo_id,
                              const std::string& blob) {
  return file_bytes(cache.blob_path(repo_id, blob).string() + ".incomplete");
}

std::int64_t download_blob(const HubClientOptions& client, const HubCache& cache,
                           const BlobJob& job, const BytesOnDisk& on_bytes) {
  const Sibling& file = job.file;
  const fs::path blob = cache.blob_path(job.repo_id, file.blob_name());
  std::error_code error;
  if (fs::is_regular_file(blob, error)) return 0;
  fs::create_directories(blob.parent_path());
  BlobLock lock(cache.lock_path(job.repo_id, file.blob_name()));
  if (fs::is_regular_file(blob, error)) return 0;  // another process finished it meanwhile

  const fs::path incomplete = blob.string() + ".incomplete";
  HttpRequest request;
  request.url = client.endpoint + "/" + job.repo_id + "/resolve/" + job.commit + "/" +
                url_encode_path(file.path);
  request.token = client.token;
  request.token_origin = url_origin(client.endpoint);
  request.low_speed_time_s = client.low_speed_time_s;
  const HubErrorContext context{client.endpoint, job.repo_id, job.commit, file.path,
                                client.token != nullptr};
  const std::string what = "downloading " + file.path + " of " + job.repo_id;

  // Hashed as the bytes arrive; a resumed file's first part is read back once.
  StreamingDigest digest(file.is_lfs() ? -1 : file.size);
  std::int64_t received = 0;
  run_with_retries(client.retry, what, [&](int) {
    AttemptResult attempt;
    std::int64_t offset = file_bytes(incomplete);
    if (offset > file.size) {
      truncate_file(incomplete);
      offset = 0;
    }
    on_bytes(offset);
    digest.reset();
    if (offset > 0) digest.update_from_file(incomplete, offset);
    if (offset < file.size || !fs::exists(incomplete, error)) {
      std::unique_ptr<std::FILE, FileCloser> out(std::fopen(incomplete.c_str(), "ab"));
      if (!out) throw Error(ErrorCode::kInternal, "cannot write " + incomplete.string());
      request.headers = {{"Accept-Encoding", "identity"}};
      if (offset > 0)
        request.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-");
      std::int64_t written = offset;
      bool started = false;
      bool too_long = false;
      request.sink = [&](const HttpResponse& head, std::string_view chunk) {
        if (!started) {
          started = true;
          if (head.status == 200 && written > 0) {
            // The server ignored the Range: the body starts at byte 0.
            std::fflush(out.get());
            if (::ftruncate(::fileno(out.get()), 0) != 0) return false;
            written = 0;
            on_bytes(0);
            digest.reset();
          }
        }
        if (written + static_cast<std::int64_t>(chunk.size()) > file.size) {
          too_long = true;
          return false;
        }
        if (std::fwrite(chunk.data(), 1, chunk.size(), out.get()) != chunk.size()) return false;
        digest.update(chunk);
        written += static_cast<std::int64_t>(chunk.size());
        received += static_cast<std::int64_t>(chunk.size());
        on_bytes(written);
        return true;
      };
      const HttpResponse response = http_fetch(request);
      if (std::fflush(out.get()) != 0) {
        throw Error(ErrorCode::kResourceExhausted,
                    "cannot write " + incomplete.string() + " (disk full?)");
      }
      out.reset();
      if (too_long) {
        truncate_file(incomplete);
        on_bytes(0);
        attempt.failure =
            "the body is longer than the " + std::to_string(file.size) + " bytes the Hub listed";
        return attempt;
      }
      if (response.status == 416) {
        truncate_file(incomplete);
        on_bytes(0);
        attempt.failure = "the server refused to resume (HTTP 416)";
        return attempt;
      }
      if (!response.transport_error.empty()) {
        attempt.failure = response.transport_error + " after " + std::to_string(written) + " of " +
                          std::to_string(file.size) + " bytes";
        return attempt;
      }
      if (is_transient_status(response.status)) {
        attempt.failure = "HTTP " + std::to_string(response.status);
        attempt.retry_after = parse_retry_after(response.header("retry-after"));
        return attempt;
      }
      if (response.status < 200 || response.status >= 300) {
        throw hub_error_from_response(response, context);
      }
    }
    const std::int64_t have = file_bytes(incomplete);
    if (have < file.size) {
      attempt.failure = "the body ended after " + std::to_string(have) + " of " +
                        std::to_string(file.size) + " bytes";
      return attempt;  // resumed from here by the next attempt
    }
    const std::string actual = digest.hex();
    if (actual != file.blob_name()) {
      fs::remove(incomplete, error);
      on_bytes(0);
      attempt.failure = std::string(file.is_lfs() ? "sha256" : "git blob sha1") +
                        " mismatch: expected " + file.blob_name() + ", got " + actual;
      return attempt;
    }
    sync_file(incomplete);
    fs::rename(incomplete, blob);
    attempt.ok = true;
    return attempt;
  });
  return received;
}

}  // namespace hfserve::hub
