// The memory-bandwidth roofline: how fast this machine streams a buffer far larger than
// its caches, on one thread and on all of them. A decode step of a language model reads
// every weight once, so tokens/s can never beat bandwidth / model bytes; kernel and
// end-to-end benchmarks quote this figure as their ceiling.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "util/thread_pool.h"

namespace {

constexpr std::size_t kBytes = std::size_t{512} << 20;

std::uint64_t* buffer() {
  static std::unique_ptr<std::uint64_t[]> data = [] {
    auto words = std::make_unique<std::uint64_t[]>(kBytes / 8);
    std::memset(words.get(), 1, kBytes);  // touch every page so it is really mapped
    return words;
  }();
  return data.get();
}

std::uint64_t sum_words(const std::uint64_t* words, std::size_t begin, std::size_t end) {
  // Four independent accumulators keep the loads, not the add chain, the bottleneck.
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  std::size_t i = begin;
  for (; i + 4 <= end; i += 4) {
    a += words[i];
    b += words[i + 1];
    c += words[i + 2];
    d += words[i + 3];
  }
  for (; i < end; ++i) a += words[i];
  return a + b + c + d;
}

void BM_ReadBandwidth(benchmark::State& state) {
  const std::uint64_t* words = buffer();
  hfserve::ThreadPool pool(static_cast<std::size_t>(state.range(0)));
  const std::size_t n = kBytes / 8;
  for (auto _ : state) {
    std::vector<std::uint64_t> partial(pool.num_threads(), 0);
    pool.parallel_for(pool.num_threads(), [&](std::size_t first, std::size_t last) {
      for (std::size_t t = first; t < last; ++t) {
        partial[t] = sum_words(words, n * t / pool.num_threads(), n * (t + 1) / pool.num_threads());
      }
    });
    benchmark::DoNotOptimize(partial);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBytes));
}
BENCHMARK(BM_ReadBandwidth)->Arg(1)->Arg(0)->ArgName("threads(0=all)")->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
