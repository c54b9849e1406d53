// Progress of a pull, for people.
// - On a terminal (stderr is a TTY and TERM is not "dumb"): a live block at the bottom of
//   the screen, one line per file being downloaded and one for the total (bar, percent,
//   bytes, rate, ETA), redrawn in place with ANSI cursor movement at most 5 times a second.
//   A file that ends leaves one line above the block (done, or how far it got), so the
//   screen ends with a line per file and the total.
// - Off a terminal: a log line every `log_period` with the total and the files in flight,
//   and a summary at the end; no escape codes.
// - Nothing at all when quiet.
// Download threads report through start/set_bytes/end, which only store into atomics; a
// reporter thread that PullProgress owns does all the output, so a download never waits on
// stderr. Lines never exceed the terminal's width, so that wrapping cannot break the redraw.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hfserve::hub {

// A file a pull will download.
struct ProgressFile {
  std::string name;          // its path in the repository
  std::int64_t size = 0;     // bytes
  std::int64_t on_disk = 0;  // bytes already there (a resumed *.incomplete)
};

struct ProgressOptions {
  bool quiet = false;
  std::chrono::milliseconds log_period{5000};  // off a terminal
};

class PullProgress {
 public:
  // `what` names the pull (e.g. "org/name"); `files` are the downloads, in the order of
  // the indices the other calls take.
  PullProgress(std::string what, std::vector<ProgressFile> files, const ProgressOptions& options);
  ~PullProgress();  // stops the reporter; a failed pull leaves the last frame as it was
  PullProgress(const PullProgress&) = delete;
  PullProgress& operator=(const PullProgress&) = delete;

  // Any thread, for file `index`: its transfer begins (it gets a live line), `bytes` of it
  // are on disk now (may go down when a file restarts), it ended verified (`ok`) or not.
  void start(std::size_t index);
  void set_bytes(std::size_t index, std::int64_t bytes);
  void end(std::size_t index, bool ok);

  // The last report: the files' final lines and the total (terminal) or a summary log
  // line. Call once, after every download ended.
  void finish();

 private:
  enum class FileState { kQueued, kActive, kDone, kFailed };
  struct File {
    ProgressFile info;
    std::atomic<std::int64_t> bytes{0};
    std::atomic<FileState> state{FileState::kQueued};
    std::atomic<std::int64_t> started_ns{0};  // steady_clock, when start() was called
    bool reported_end = false;                // its last line was drawn; under mutex_
  };

  void run_reporter(std::stop_token stop);
  void report(bool final_report);
  void draw_terminal(bool final_report);
  void log_line(bool final_report);

  std::string what_;
  std::unique_ptr<File[]> files_;
  std::size_t file_count_;
  std::int64_t total_ = 0;
  std::int64_t total_at_start_ = 0;
  bool quiet_;
  bool terminal_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;       // serialises reports
  int lines_drawn_ = 0;    // height of the live block on screen (terminal); under mutex_
  bool finished_ = false;  // under mutex_
  std::jthread reporter_;  // last: it starts after everything above is ready
};

// "1.5 MiB", "312 B": byte counts for people.
std::string human_bytes(std::int64_t bytes);

// "42s", "3m05s", "2h07m", "--" when unknown (negative): durations for people.
std::string human_duration(double seconds);

}  // namespace hfserve::hub
