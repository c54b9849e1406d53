// The cost of one parallel_for (the engine calls it once per op, hundreds of times per
// token), next to its reference: the same loop body run inline on the calling thread, and
// starting and joining std::threads per loop (what a naive kernel would do).
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>
#include <vector>

#include "util/thread_pool.h"

namespace {

void BM_ParallelForEmpty(benchmark::State& state) {
  hfserve::ThreadPool pool(0);
  std::atomic<std::size_t> touched{0};
  for (auto _ : state) {
    pool.parallel_for(pool.num_threads(), [&](std::size_t begin, std::size_t end) {
      touched.fetch_add(end - begin, std::memory_order_relaxed);
    });
  }
  state.counters["threads"] = static_cast<double>(pool.num_threads());
}
BENCHMARK(BM_ParallelForEmpty)->UseRealTime();

void BM_InlineEmpty_Reference(benchmark::State& state) {
  std::atomic<std::size_t> touched{0};
  for (auto _ : state) touched.fetch_add(1, std::memory_order_relaxed);
}
BENCHMARK(BM_InlineEmpty_Reference)->UseRealTime();

void BM_SpawnJoinThreads_Reference(benchmark::State& state) {
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> touched{0};
  for (auto _ : state) {
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; ++t) {
      workers.emplace_back([&] { touched.fetch_add(1, std::memory_order_relaxed); });
    }
    touched.fetch_add(1, std::memory_order_relaxed);
    for (auto& worker : workers) worker.join();
  }
}
BENCHMARK(BM_SpawnJoinThreads_Reference)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
