// Progress of a pull, for people: on a terminal one live line for the total (bytes, rate,
// ETA), redrawn at most 5 times a second; off a terminal a log line every 5 seconds;
// nothing when quiet. Download threads call add() concurrently; it is thread-safe and
// cheap when nothing is due.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace hfserve::hub {

class PullProgress {
 public:
  // `total` bytes to download for `what` (e.g. "org/name").
  PullProgress(std::string what, std::int64_t total, bool quiet);
  // `delta` may be negative when a file restarts from its first byte.
  void add(std::int64_t delta);
  // Prints the final line (terminal) or a summary log line.
  void finish();

 private:
  void report(bool final_report);

  std::string what_;
  std::int64_t total_;
  bool quiet_;
  bool terminal_;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;  // guards next_report_ and the output
  std::chrono::steady_clock::time_point next_report_;
};

// "1.5 MiB", "312 B": byte counts for people.
std::string human_bytes(std::int64_t bytes);

}  // namespace hfserve::hub
