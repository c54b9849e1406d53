#include "telemetry/task_history.h"

#include <filesystem>
#include <utility>

#include "util/error.h"
#include "util/log.h"

namespace hfserve::telemetry {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS task_history (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL PRIMARY KEY,
  parent_span_id TEXT,
  task TEXT NOT NULL,
  input TEXT NOT NULL,
  captured_output TEXT,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  execution_duration_ms REAL NOT NULL,
  error_message TEXT,
  labels TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS task_history_start_time ON task_history (start_time);
)sql";

constexpr auto kPruneInterval = std::chrono::hours(1);
constexpr std::size_t kMaxBatch = 256;
constexpr std::size_t kMaxQueryLimit = 10000;

// Owns one prepared statement; finalised on every path out of a scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) {
      throw Error(ErrorCode::kInternal,
                  std::string("task history: cannot prepare statement: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const { return statement_; }
  void bind_text(int index, const std::string& text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void bind_optional(int index, const std::optional<std::string>& text) {
    if (text) {
      bind_text(index, *text);
    } else {
      sqlite3_bind_null(statement_, index);
    }
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text ? std::string(text, sqlite3_column_bytes(statement, column)) : std::string();
}

std::optional<std::string> column_optional(sqlite3_stmt* statement, int column) {
  if (sqlite3_column_type(statement, column) == SQLITE_NULL) return std::nullopt;
  return column_text(statement, column);
}

bool exec(sqlite3* db, const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  if (error) *error = message ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  return false;
}

sqlite3* open_database(const std::string& path, int flags, std::chrono::milliseconds busy) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string reason = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw Error(ErrorCode::kUnavailable,
                "cannot open the task history '" + path + "': " + reason +
                    " (choose another file with --task_history PATH, or --task_history off)");
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy.count()));
  return db;
}

}  // namespace

TaskHistory::TaskHistory(TaskHistoryOptions options) : options_(std::move(options)) {
  std::filesystem::path parent = std::filesystem::path(options_.path).parent_path();
  std::error_code ignored;
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  db_ = open_database(options_.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      options_.busy_timeout);
  std::string error;
  // WAL lets readers (the sqlite3 CLI, query()) run while the writer writes.
  if (!exec(db_, "PRAGMA journal_mode=WAL;", &error) || !exec(db_, kSchema, &error)) {
    sqlite3_close(db_);
    throw Error(ErrorCode::kUnavailable,
                "cannot create the task history table in '" + options_.path + "': " + error);
  }
  writer_ = std::thread([this] { writer_loop(); });
}

TaskHistory::~TaskHistory() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  sqlite3_close(db_);
}

void TaskHistory::record(Span span) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() < options_.max_queue && !stopping_) {
      queue_.push_back(std::move(span));
      ++enqueued_;
      wake_.notify_one();
      return;
    }
  }
  drop(1, "the write queue is full");
}

void TaskHistory::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::uint64_t target = enqueued_;
  idle_.wait(lock, [&] { return completed_ >= target; });
}

void TaskHistory::prune() {
  std::unique_lock<std::mutex> lock(mutex_);
  prune_requested_ = true;
  wake_.notify_one();
  idle_.wait(lock, [&] { return !prune_requested_; });
}

void TaskHistory::drop(std::size_t count, const std::string& reason) {
  std::uint64_t before = dropped_.fetch_add(count);
  // The first drop and then one in a thousand: a full disk must not flood the log.
  if (before == 0 || before / 1000 != (before + count) / 1000) {
    log::warn("task history '{}': dropped {} span(s) so far: {}", options_.path, before + count,
              reason);
  }
}

void TaskHistory::writer_loop() {
  auto last_prune = std::chrono::steady_clock::now() - kPruneInterval;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || prune_requested_ || !queue_.empty(); });
    std::vector<Span> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    bool prune_now =
        prune_requested_ || std::chrono::steady_clock::now() - last_prune >= kPruneInterval;
    lock.unlock();

    if (!batch.empty() && !write_batch(batch)) {
      drop(batch.size(), std::string("cannot write: ") + sqlite3_errmsg(db_));
    } else {
      written_.fetch_add(batch.size());
    }
    if (prune_now) {
      std::string cutoff = format_utc(Span::Clock::now() - options_.max_age);
      Statement by_age(db_, "DELETE FROM task_history WHERE start_time < ?1");
      by_age.bind_text(1, cutoff);
      Statement by_count(db_,
                         "DELETE FROM task_history WHERE span_id IN (SELECT span_id FROM "
                         "task_history ORDER BY start_time DESC LIMIT -1 OFFSET ?1)");
      sqlite3_bind_int64(by_count.get(), 1, static_cast<sqlite3_int64>(options_.max_rows));
      if (sqlite3_step(by_age.get()) != SQLITE_DONE ||
          sqlite3_step(by_count.get()) != SQLITE_DONE) {
        log::warn("task history '{}': retention failed: {}", options_.path, sqlite3_errmsg(db_));
      }
      last_prune = std::chrono::steady_clock::now();
    }

    lock.lock();
    completed_ += batch.size();
    if (prune_now) prune_requested_ = false;
    idle_.notify_all();
    if (stopping_ && queue_.empty()) return;
  }
}

bool TaskHistory::write_batch(const std::vector<Span>& batch) {
  if (!exec(db_, "BEGIN IMMEDIATE;", nullptr)) return false;
  Statement insert(db_,
                   "INSERT OR REPLACE INTO task_history (trace_id, span_id, parent_span_id, "
                   "task, input, captured_output, start_time, end_time, execution_duration_ms, "
                   "error_message, labels) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  for (const Span& span : batch) {
    insert.bind_text(1, span.trace_id);
    insert.bind_text(2, span.span_id);
    insert.bind_optional(
        3, span.parent_span_id.empty() ? std::nullopt : std::optional(span.parent_span_id));
    insert.bind_text(4, span.task);
    insert.bind_text(5, span.input);
    insert.bind_optional(6, span.captured_output);
    insert.bind_text(7, format_utc(span.start_time));
    insert.bind_text(8, format_utc(span.end_time));
    sqlite3_bind_double(insert.get(), 9, span.execution_duration_ms());
    insert.bind_optional(10, span.error_message);
    insert.bind_text(11, span.labels.dump());
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
      exec(db_, "ROLLBACK;", nullptr);
      return false;
    }
    sqlite3_reset(insert.get());
  }
  if (!exec(db_, "COMMIT;", nullptr)) {
    exec(db_, "ROLLBACK;", nullptr);
    return false;
  }
  return true;
}

std::vector<Span> TaskHistory::query(const TaskHistoryQuery& query) const {
  sqlite3* db = open_database(options_.path, SQLITE_OPEN_READONLY, options_.busy_timeout);
  std::vector<Span> rows;
  try {
    Statement select(db,
                     "SELECT trace_id, span_id, parent_span_id, task, input, captured_output, "
                     "start_time, end_time, error_message, labels FROM task_history WHERE "
                     "(?1 IS NULL OR start_time >= ?1) AND "
                     "(?2 IS NULL OR json_extract(labels, '$.model') = ?2) AND "
                     "(?3 IS NULL OR json_extract(labels, '$.status') = ?3) AND "
                     "(?4 IS NULL OR task = ?4) ORDER BY start_time DESC LIMIT ?5");
    select.bind_optional(1, query.since ? std::optional(format_utc(*query.since)) : std::nullopt);
    select.bind_optional(2, query.model);
    select.bind_optional(3, query.status);
    select.bind_optional(4, query.task);
    sqlite3_bind_int64(select.get(), 5,
                       static_cast<sqlite3_int64>(std::min(query.limit, kMaxQueryLimit)));
    int step;
    while ((step = sqlite3_step(select.get())) == SQLITE_ROW) {
      Span span;
      span.trace_id = column_text(select.get(), 0);
      span.span_id = column_text(select.get(), 1);
      span.parent_span_id = column_optional(select.get(), 2).value_or("");
      span.task = column_text(select.get(), 3);
      span.input = column_text(select.get(), 4);
      span.captured_output = column_optional(select.get(), 5);
      span.start_time = parse_utc(column_text(select.get(), 6));
      span.end_time = parse_utc(column_text(select.get(), 7));
      span.error_message = column_optional(select.get(), 8);
      span.labels = nlohmann::json::parse(column_text(select.get(), 9), nullptr, false);
      rows.push_back(std::move(span));
    }
    if (step != SQLITE_DONE) {
      throw Error(ErrorCode::kUnavailable,
                  "cannot read the task history '" + options_.path + "': " + sqlite3_errmsg(db));
    }
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  return rows;
}

}  // namespace hfserve::telemetry
