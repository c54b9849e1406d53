// TaskHistory: the durable record of what the server did, one Span per row of the SQLite
// table `task_history` (Spice's columns; docs/task-history.md). Queryable while the server
// runs, with the sqlite3 CLI or query().
//
// Recording never slows or fails a request: record() only queues the span; one background
// thread writes queued spans in batches. When the queue is full, or the file cannot be
// written (disk full, locked by another process), spans are dropped, counted in dropped()
// and logged, and the request goes on. Thread-safe: any thread may call any method.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/span.h"

namespace hfserve::telemetry {

struct TaskHistoryOptions {
  std::string path;              // the SQLite file; its folder is created if missing
  std::size_t max_queue = 4096;  // spans waiting to be written before new ones drop
  std::chrono::seconds max_age{std::chrono::hours(8)};  // older rows are deleted
  std::size_t max_rows = 100000;                        // only the newest rows are kept
  std::chrono::milliseconds busy_timeout{200};          // how long a write waits for a lock
};

struct TaskHistoryQuery {
  std::optional<Span::Clock::time_point> since;  // start_time >= since
  std::optional<std::string> model;              // labels.model
  std::optional<std::string> status;             // labels.status
  std::optional<std::string> task;
  std::size_t limit = 100;  // newest first
};

class TaskHistory {
 public:
  // Opens or creates the file and its table. Throws Error naming the path when it cannot
  // (the caller decides whether to run without history).
  explicit TaskHistory(TaskHistoryOptions options);
  // Writes what is queued, then stops the writer.
  ~TaskHistory();
  TaskHistory(const TaskHistory&) = delete;
  TaskHistory& operator=(const TaskHistory&) = delete;

  // Queues the span for writing; never blocks on the disk.
  void record(Span span);
  // Returns once every span recorded before the call is written or dropped.
  void flush();
  // Deletes rows past max_age and beyond max_rows now (the writer also does it hourly).
  void prune();
  // The matching rows, newest first. Throws Error(kUnavailable) when the file cannot be read.
  std::vector<Span> query(const TaskHistoryQuery& query) const;

  std::uint64_t written() const { return written_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }
  const std::string& path() const { return options_.path; }

 private:
  void writer_loop();
  bool write_batch(const std::vector<Span>& batch);
  void drop(std::size_t count, const std::string& reason);

  TaskHistoryOptions options_;
  sqlite3* db_ = nullptr;  // used by the writer thread only (and the constructor)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Span> queue_;
  std::uint64_t enqueued_ = 0;   // spans ever queued
  std::uint64_t completed_ = 0;  // spans ever written or dropped after queueing
  bool prune_requested_ = false;
  bool stopping_ = false;

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace hfserve::telemetry
