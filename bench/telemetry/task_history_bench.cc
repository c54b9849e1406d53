// What recording a span costs the request that records it, next to the reference a naive
// server would pay: one synchronous SQLite INSERT per request, measured in the same run on
// the same disk.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "telemetry/task_history.h"

namespace {

using hfserve::telemetry::Span;

std::string bench_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          ("hfserve_bench_" + std::string(name) + "_" + std::to_string(::getpid()) + ".db"))
      .string();
}

Span sample_span() {
  Span span;
  span.trace_id = hfserve::telemetry::new_trace_id();
  span.task = hfserve::telemetry::kTaskAiCompletion;
  span.input = std::string(200, 'x');
  span.captured_output = std::string(200, 'y');
  span.start_time = Span::Clock::now();
  span.end_time = span.start_time;
  span.labels = {{"model", "demo"}, {"status", "ok"}, {"prompt_tokens", 12}};
  return span;
}

void BM_RecordSpan(benchmark::State& state) {
  std::string path = bench_path("record");
  {
    hfserve::telemetry::TaskHistory history({.path = path, .max_queue = 1 << 20});
    Span span = sample_span();
    for (auto _ : state) {
      span.span_id = hfserve::telemetry::new_span_id();
      history.record(span);
    }
    history.flush();
    state.counters["dropped"] = static_cast<double>(history.dropped());
  }
  std::filesystem::remove(path);
}
BENCHMARK(BM_RecordSpan);

void BM_SynchronousInsert_Reference(benchmark::State& state) {
  std::string path = bench_path("sync");
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; CREATE TABLE t (span_id TEXT PRIMARY KEY, input TEXT, "
               "captured_output TEXT, labels TEXT);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)", -1, &insert, nullptr);
  Span span = sample_span();
  std::string labels = span.labels.dump();
  for (auto _ : state) {
    std::string id = hfserve::telemetry::new_span_id();
    sqlite3_bind_text(insert, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, span.input.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, span.captured_output->c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, labels.c_str(), -1, SQLITE_STATIC);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  std::filesystem::remove(path);
}
BENCHMARK(BM_SynchronousInsert_Reference);

}  // namespace

BENCHMARK_MAIN();
