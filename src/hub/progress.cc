#include "hub/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "util/log.h"
#include "util/utf8.h"

namespace hfserve::hub {
namespace {

constexpr auto kTerminalPeriod = std::chrono::milliseconds(200);
constexpr int kBarWidth = 24;

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

bool stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
}

int terminal_width() {
  struct winsize size {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return std::max<int>(size.ws_col, 20);
  }
  return 80;
}

// Columns `text` takes, never fewer than a terminal uses: code points from U+1100 up count
// two (East Asian wide characters start there), so a line measured by this never wraps.
int columns(std::string_view text) {
  int width = 0;
  for (std::size_t pos = 0; pos < text.size();) width += utf8::decode(text, pos) >= 0x1100 ? 2 : 1;
  return width;
}

// The longest prefix of `text` that fits in `width` columns.
std::string_view fit_prefix(std::string_view text, int width) {
  std::size_t pos = 0;
  int used = 0;
  while (pos < text.size()) {
    std::size_t next = pos;
    const int cp_width = utf8::decode(text, next) >= 0x1100 ? 2 : 1;
    if (used + cp_width > width) break;
    used += cp_width;
    pos = next;
  }
  return text.substr(0, pos);
}

// `text` in exactly `width` columns: padded, or "..." and its end (a file name's end says
// most: the shard number, the quantisation).
std::string fit_column(std::string_view text, int width) {
  std::string out;
  const int text_width = columns(text);
  if (text_width <= width) {
    out = text;
    out.append(static_cast<std::size_t>(width - text_width), ' ');
    return out;
  }
  std::size_t start = text.size();
  int used = 3;
  while (start > 0) {
    std::size_t begin = start - 1;
    while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
    const int cp_width = columns(text.substr(begin, start - begin));
    if (used + cp_width > width) break;
    used += cp_width;
    start = begin;
  }
  out = "...";
  out += text.substr(start);
  out.append(static_cast<std::size_t>(std::max(0, width - used)), ' ');
  return out;
}

int percent_of(std::int64_t done, std::int64_t size) {
  if (size <= 0) return 100;
  return static_cast<int>(std::clamp<std::int64_t>(100 * done / size, 0, 100));
}

// One line of the terminal block: a file (indented under the total) or the total.
struct Row {
  std::string_view label;
  bool indent;
  int percent;
  std::string stats;  // "42% 1.2 MiB/3.0 MiB" and a tail
};

Row make_row(std::string_view label, bool indent, std::int64_t done, std::int64_t size,
             std::string_view tail) {
  const int percent = percent_of(done, size);
  return {label, indent, percent,
          fmt::format("{:3}% {}/{}{}", percent, human_bytes(done), human_bytes(size), tail)};
}

// The rows as "  name  [#####     ] 42% 1.2 MiB/3.0 MiB tail" lines, each ending with
// erase-to-end-of-line and a newline. Every row gets the same name and bar widths, so the
// columns line up; the names give way to the numbers (down to 12 columns) and the bar
// comes only when there is room. A line never reaches the last column, where some
// terminals wrap early, so the block's height is its number of rows.
std::string render_rows(const std::vector<Row>& rows, int width) {
  int longest = 0;
  int stats_width = 0;
  for (const Row& row : rows) {
    longest = std::max(longest, columns(row.label) - (row.indent ? 0 : 2));
    stats_width = std::max(stats_width, static_cast<int>(row.stats.size()));
  }
  const int label_width = std::clamp(width - 5 - stats_width, std::min(longest, 12),
                                     std::min(longest, std::max(12, width / 3)));
  const int room = width - 5 - label_width - stats_width;
  const int bar = room >= 7 ? std::min(kBarWidth, room - 3) : 0;
  std::string out;
  for (const Row& row : rows) {
    std::string line = row.indent ? "  " + fit_column(row.label, label_width)
                                  : fit_column(row.label, label_width + 2);
    line += "  ";
    if (bar > 0) {
      const int filled = bar * row.percent / 100;
      line += '[';
      line.append(static_cast<std::size_t>(filled), '#');
      line.append(static_cast<std::size_t>(bar - filled), ' ');
      line += "] ";
    }
    line += row.stats;
    out += fit_prefix(line, width - 1);
    out += "\x1b[K\n";
  }
  return out;
}

std::string rate_and_eta(double rate, std::int64_t left) {
  return fmt::format(" {}/s ETA {}", human_bytes(static_cast<std::int64_t>(rate)),
                     human_duration(rate > 0 ? static_cast<double>(left) / rate : -1));
}

}  // namespace

std::string human_bytes(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string human_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--";
  const auto whole = static_cast<std::int64_t>(std::llround(seconds));
  if (whole < 60) return fmt::format("{}s", whole);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
}

PullProgress::PullProgress(std::string what, std::vector<ProgressFile> files,
                           const ProgressOptions& options)
    : what_(std::move(what)),
      files_(std::make_unique<File[]>(files.size())),
      file_count_(files.size()),
      quiet_(options.quiet),
      terminal_(stderr_is_terminal()),
      period_(terminal_ ? kTerminalPeriod : options.log_period),
      start_(Clock::now()) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    total_ += files[i].size;
    total_at_start_ += files[i].on_disk;
    files_[i].bytes = files[i].on_disk;
    files_[i].info = std::move(files[i]);
  }
  if (!quiet_) reporter_ = std::jthread([this](std::stop_token stop) { run_reporter(stop); });
}

PullProgress::~PullProgress() = default;

void PullProgress::start(std::size_t index) {
  files_[index].started_ns.store(now_ns(), std::memory_order_relaxed);
  files_[index].state.store(FileState::kActive, std::memory_order_release);
}

void PullProgress::set_bytes(std::size_t index, std::int64_t bytes) {
  files_[index].bytes.store(bytes, std::memory_order_relaxed);
}

void PullProgress::end(std::size_t index, bool ok) {
  files_[index].state.store(ok ? FileState::kDone : FileState::kFailed, std::memory_order_release);
}

void PullProgress::finish() {
  if (quiet_) return;
  reporter_.request_stop();
  if (reporter_.joinable()) reporter_.join();
  report(true);
}

void PullProgress::run_reporter(std::stop_token stop) {
  // Nothing notifies this condition variable: it only waits for the period or the stop.
  std::condition_variable_any wake;
  std::mutex wait_mutex;
  std::unique_lock lock(wait_mutex);
  while (!stop.stop_requested()) {
    wake.wait_for(lock, stop, period_, [] { return false; });
    if (stop.stop_requested()) return;
    try {
      report(false);
    } catch (...) {  // progress output is never worth a crash: the next tick tries again
    }
  }
}

void PullProgress::report(bool final_report) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = final_report;
  if (terminal_) {
    draw_terminal(final_report);
  } else {
    log_line(final_report);
  }
}

void PullProgress::draw_terminal(bool final_report) {
  const double now = static_cast<double>(now_ns());
  std::vector<Row> rows;
  std::int64_t done = 0;
  // Files that ended since the last frame get their last line, which then scrolls up
  // out of the live block.
  for (std::size_t i = 0; i < file_count_; ++i) {
    File& file = files_[i];
    const std::int64_t bytes = file.bytes.load(std::memory_order_relaxed);
    done += bytes;
    const FileState state = file.state.load(std::memory_order_acquire);
    if ((state == FileState::kDone || state == FileState::kFailed) && !file.reported_end) {
      file.reported_end = true;
      rows.push_back(make_row(file.info.name, true, bytes, file.info.size,
                              state == FileState::kDone ? " done" : " failed"));
    }
  }
  const std::size_t ended = rows.size();
  for (std::size_t i = 0; i < file_count_; ++i) {
    File& file = files_[i];
    if (file.state.load(std::memory_order_acquire) != FileState::kActive) continue;
    const std::int64_t bytes = file.bytes.load(std::memory_order_relaxed);
    const double seconds =
        (now - static_cast<double>(file.started_ns.load(std::memory_order_relaxed))) / 1e9;
    const double rate =
        seconds > 0
            ? static_cast<double>(std::max<std::int64_t>(0, bytes - file.info.on_disk)) / seconds
            : 0;
    rows.push_back(make_row(file.info.name, true, bytes, file.info.size,
                            rate_and_eta(rate, file.info.size - bytes)));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate =
      seconds > 0 ? static_cast<double>(std::max<std::int64_t>(0, done - total_at_start_)) / seconds
                  : 0;
  rows.push_back(make_row(what_, false, done, total_,
                          final_report ? fmt::format(" in {}", human_duration(seconds))
                                       : rate_and_eta(rate, total_ - done)));

  // Back to the top of the block drawn last time; every line is cleared to its end and
  // whatever a taller block left below is erased, so no old text survives.
  std::string frame;
  if (lines_drawn_ > 0) frame += fmt::format("\r\x1b[{}A", lines_drawn_);
  frame += render_rows(rows, terminal_width());
  frame += "\x1b[J";
  lines_drawn_ = final_report ? 0 : static_cast<int>(rows.size() - ended);
  std::fwrite(frame.data(), 1, frame.size(), stderr);
  std::fflush(stderr);
}

void PullProgress::log_line(bool final_report) {
  std::int64_t done = 0;
  std::string in_flight;
  for (std::size_t i = 0; i < file_count_; ++i) {
    const File& file = files_[i];
    const std::int64_t bytes = file.bytes.load(std::memory_order_relaxed);
    done += bytes;
    if (file.state.load(std::memory_order_acquire) != FileState::kActive) continue;
    in_flight +=
        fmt::format("{}{} {}% of {}", in_flight.empty() ? "; in flight: " : ", ", file.info.name,
                    percent_of(bytes, file.info.size), human_bytes(file.info.size));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const std::int64_t fetched = std::max<std::int64_t>(0, done - total_at_start_);
  if (final_report) {
    log::info("{}: downloaded {} in {:.1f}s ({} files)", what_, human_bytes(fetched), seconds,
              file_count_);
    return;
  }
  const double rate = seconds > 0 ? static_cast<double>(fetched) / seconds : 0;
  log::info("{}: {}% ({} of {}), {}/s, ETA {}{}", what_, percent_of(done, total_),
            human_bytes(done), human_bytes(total_), human_bytes(static_cast<std::int64_t>(rate)),
            human_duration(rate > 0 ? static_cast<double>(total_ - done) / rate : -1), in_flight);
}

}  // namespace hfserve::hub
