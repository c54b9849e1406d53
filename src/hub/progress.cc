#include "hub/progress.h"

#include <unistd.h>

#include <cstdio>

#include "util/log.h"

namespace hfserve::hub {
namespace {

constexpr auto kTerminalPeriod = std::chrono::milliseconds(200);
constexpr auto kLogPeriod = std::chrono::seconds(5);

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

PullProgress::PullProgress(std::string what, std::int64_t total, bool quiet)
    : what_(std::move(what)),
      total_(total),
      quiet_(quiet),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      next_report_(start_ + (terminal_ ? kTerminalPeriod : kLogPeriod)) {}

void PullProgress::add(std::int64_t delta) {
  done_.fetch_add(delta, std::memory_order_relaxed);
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now < next_report_) return;
  next_report_ = now + (terminal_ ? kTerminalPeriod : kLogPeriod);
  report(false);
}

void PullProgress::finish() {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  report(true);
}

void PullProgress::report(bool final_report) {
  const std::int64_t done = done_.load(std::memory_order_relaxed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  const int percent = total_ > 0 ? static_cast<int>(100 * done / total_) : 100;
  if (terminal_) {
    constexpr int kWidth = 30;
    std::string bar(kWidth * percent / 100, '#');
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r%s [%s] %3d%% %s / %s  %s/s  ETA %.0fs%s", what_.c_str(), bar.c_str(),
                 percent, human_bytes(done).c_str(), human_bytes(total_).c_str(),
                 human_bytes(static_cast<std::int64_t>(rate)).c_str(), eta,
                 final_report ? "\n" : "   ");
    std::fflush(stderr);
  } else if (final_report) {
    log::info("{}: downloaded {} in {:.1f}s", what_, human_bytes(done), seconds);
  } else {
    log::info("{}: {}% ({} of {}), {}/s, ETA {:.0f}s", what_, percent, human_bytes(done),
              human_bytes(total_), human_bytes(static_cast<std::int64_t>(rate)), eta);
  }
}

}  // namespace hfserve::hub
