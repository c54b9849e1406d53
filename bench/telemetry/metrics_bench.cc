// What recording one finished request's metrics costs (once per request, on the request's
// thread), next to the reference of one relaxed atomic increment per metric it updates.
#include <benchmark/benchmark.h>

#include <atomic>

#include "telemetry/metrics.h"

namespace {

void BM_RecordRequest(benchmark::State& state) {
  hfserve::telemetry::Metrics metrics;
  hfserve::telemetry::RequestRecord record{.model = "demo",
                                           .endpoint = "chat",
                                           .duration_seconds = 0.2,
                                           .queue_seconds = 0.01,
                                           .time_to_first_token_seconds = 0.05,
                                           .prompt_tokens = 20,
                                           .completion_tokens = 40};
  for (auto _ : state) metrics.record_request(record);
}
BENCHMARK(BM_RecordRequest);

void BM_NineAtomicIncrements_Reference(benchmark::State& state) {
  std::atomic<std::uint64_t> counters[9] = {};
  for (auto _ : state) {
    for (auto& counter : counters) counter.fetch_add(1, std::memory_order_relaxed);
  }
}
BENCHMARK(BM_NineAtomicIncrements_Reference);

}  // namespace

BENCHMARK_MAIN();
