// The task history read back by an independent reader: the sqlite3 command-line shell.
#include "telemetry/task_history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/error.h"

namespace hfserve::telemetry {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string sqlite3_cli(const std::string& path, const std::string& sql) {
  std::string command = "sqlite3 -batch -noheader -separator '|' '" + path + "' \"" + sql + "\"";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) out.append(buffer.data(), n);
  return out;
}

Span make_span(const std::string& model, const std::string& status, int seconds_ago) {
  Span span;
  span.trace_id = new_trace_id();
  span.span_id = new_span_id();
  span.task = kTaskAiCompletion;
  span.input = "hello from " + model;
  span.captured_output = "hi";
  span.start_time = Span::Clock::now() - std::chrono::seconds(seconds_ago);
  span.end_time = span.start_time + 1500us;
  span.labels = {{"model", model}, {"status", status}, {"prompt_tokens", 3}};
  return span;
}

class TaskHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hfserve_task_history_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    path_ = (dir_ / "nested" / "history.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

TEST_F(TaskHistoryTest, TableHasSpicesColumns) {
  TaskHistory history({.path = path_});
  EXPECT_EQ(
      sqlite3_cli(path_, "SELECT group_concat(name, ',') FROM pragma_table_info('task_history')"),
      "trace_id,span_id,parent_span_id,task,input,captured_output,start_time,end_time,"
      "execution_duration_ms,error_message,labels\n");
}

TEST_F(TaskHistoryTest, SpansFromManyThreadsAreAllWritten) {
  TaskHistory history({.path = path_});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) history.record(make_span("m" + std::to_string(t), "ok", 0));
    });
  }
  for (auto& thread : threads) thread.join();
  history.flush();
  EXPECT_EQ(history.written(), 2000u);
  EXPECT_EQ(history.dropped(), 0u);
  EXPECT_EQ(sqlite3_cli(path_, "SELECT count(*), count(DISTINCT span_id) FROM task_history"),
            "2000|2000\n");
  EXPECT_EQ(sqlite3_cli(path_,
                        "SELECT count(*) FROM task_history WHERE "
                        "json_extract(labels, '$.model') = 'm3'"),
            "250\n");
}

TEST_F(TaskHistoryTest, RowReadsBackAsRecorded) {
  TaskHistory history({.path = path_});
  Span span = make_span("qwen", "error", 0);
  span.parent_span_id = new_span_id();
  span.error_message = "prompt too long: 9000 tokens > 8192";
  span.captured_output.reset();
  history.record(span);
  history.flush();
  EXPECT_EQ(sqlite3_cli(path_,
                        "SELECT trace_id, span_id, parent_span_id, task, input, "
                        "captured_output IS NULL, error_message, "
                        "execution_duration_ms, json_extract(labels, '$.prompt_tokens'), "
                        "start_time FROM task_history"),
            span.trace_id + "|" + span.span_id + "|" + span.parent_span_id +
                "|ai_completion|hello from qwen|1|" + *span.error_message + "|1.5|3|" +
                format_utc(span.start_time) + "\n");
  // SQLite's own date functions understand the stored times.
  EXPECT_EQ(
      sqlite3_cli(path_, "SELECT julianday(end_time) > julianday(start_time) FROM task_history"),
      "1\n");
}

TEST_F(TaskHistoryTest, QueryFiltersNewestFirst) {
  TaskHistory history({.path = path_});
  history.record(make_span("a", "ok", 30));
  history.record(make_span("a", "error", 20));
  history.record(make_span("b", "ok", 10));
  history.record(make_span("a", "ok", 5));
  history.flush();

  auto models = [](const std::vector<Span>& rows) {
    std::string out;
    for (const Span& row : rows) out += row.labels["model"].get<std::string>();
    return out;
  };
  EXPECT_EQ(models(history.query({})), "abaa");
  EXPECT_EQ(models(history.query({.model = "a"})), "aaa");
  EXPECT_EQ(models(history.query({.model = "a", .status = "ok"})), "aa");
  EXPECT_EQ(models(history.query({.since = Span::Clock::now() - 15s})), "ab");
  EXPECT_EQ(models(history.query({.limit = 1})), "a");
  EXPECT_EQ(history.query({.task = "health"}).size(), 0u);
}

// Another process holding the write lock must cost dropped spans, never a blocked caller.
TEST_F(TaskHistoryTest, LockedFileDropsAndRecovers) {
  TaskHistory history({.path = path_, .max_queue = 4, .busy_timeout = 50ms});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE;", nullptr, nullptr, nullptr), SQLITE_OK);
  for (int i = 0; i < 50; ++i) history.record(make_span("m", "ok", 0));
  history.flush();
  EXPECT_EQ(history.dropped(), 50u - history.written());
  EXPECT_GT(history.dropped(), 0u);
  ASSERT_EQ(sqlite3_exec(other, "COMMIT;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  std::uint64_t written_before = history.written();
  history.record(make_span("m", "ok", 0));
  history.flush();
  EXPECT_EQ(history.written(), written_before + 1);
}

TEST_F(TaskHistoryTest, RetentionKeepsTheNewestRowsWithinAge) {
  TaskHistory history({.path = path_, .max_age = 1h, .max_rows = 3});
  history.record(make_span("old", "ok", 7200));
  for (int i = 0; i < 5; ++i) history.record(make_span("m" + std::to_string(i), "ok", 100 - i));
  history.flush();
  history.prune();
  EXPECT_EQ(sqlite3_cli(path_,
                        "SELECT group_concat(json_extract(labels, '$.model'), ',') FROM "
                        "(SELECT labels FROM task_history ORDER BY start_time)"),
            "m2,m3,m4\n");
}

TEST_F(TaskHistoryTest, UnopenableFileNamesThePathAndTheWayOut) {
  try {
    TaskHistory history({.path = "/proc/hfserve/history.db"});
    FAIL() << "opened a task history under /proc";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
    EXPECT_NE(error.message().find("/proc/hfserve/history.db"), std::string::npos);
    EXPECT_NE(error.message().find("--task_history off"), std::string::npos);
  }
}

}  // namespace
}  // namespace hfserve::telemetry
