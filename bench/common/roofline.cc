#include "bench/common/roofline.h"

#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace hfserve::bench {
namespace {

constexpr std::size_t kBufferBytes = std::size_t{512} << 20;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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

// Eight independent FMA chains per thread, enough to fill both FMA ports.
__attribute__((target("avx2,fma"))) float fma_chains_avx2(std::size_t iterations) {
  __m256 acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = _mm256_set1_ps(static_cast<float>(k));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (std::size_t i = 0; i < iterations; ++i) {
    for (int k = 0; k < 8; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  }
  __m256 s = acc[0];
  for (int k = 1; k < 8; ++k) s = _mm256_add_ps(s, acc[k]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

__attribute__((target("avx512f"))) float fma_chains_avx512(std::size_t iterations) {
  __m512 acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = _mm512_set1_ps(static_cast<float>(k));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (std::size_t i = 0; i < iterations; ++i) {
    for (int k = 0; k < 8; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  }
  __m512 s = acc[0];
  for (int k = 1; k < 8; ++k) s = _mm512_add_ps(s, acc[k]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}

}  // namespace

double measure_read_bandwidth(ThreadPool& pool) {
  static std::unique_ptr<std::uint64_t[]> words = [] {
    auto data = std::make_unique<std::uint64_t[]>(kBufferBytes / 8);
    std::memset(data.get(), 1, kBufferBytes);  // touch every page so it is really mapped
    return data;
  }();
  const std::size_t n = kBufferBytes / 8;
  const std::size_t threads = pool.num_threads();
  std::vector<std::uint64_t> partial(threads);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = std::chrono::steady_clock::now();
    pool.parallel_for(threads, [&](std::size_t first, std::size_t last) {
      for (std::size_t t = first; t < last; ++t) {
        partial[t] = sum_words(words.get(), n * t / threads, n * (t + 1) / threads);
      }
    });
    double rate = kBufferBytes / seconds_since(start);
    best = rate > best ? rate : best;
  }
  volatile std::uint64_t sink = partial[0];
  (void)sink;
  return best;
}

double measure_peak_fma_flops(ThreadPool& pool) {
  constexpr std::size_t kIterations = 20'000'000;
  const std::size_t threads = pool.num_threads();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const std::size_t lanes = avx512 ? 16 : 8;
  std::vector<float> sink(threads);
  // The best of five, as for the bandwidth: one run of 50 ms can lose half its time to a
  // neighbour on a shared machine, and a roofline the kernels then beat says nothing.
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto start = std::chrono::steady_clock::now();
    pool.parallel_for(threads, [&](std::size_t first, std::size_t last) {
      for (std::size_t t = first; t < last; ++t)
        sink[t] = avx512 ? fma_chains_avx512(kIterations) : fma_chains_avx2(kIterations);
    });
    const double rate = static_cast<double>(threads) * kIterations * 8 /*chains*/ * lanes * 2 /
                        seconds_since(start);
    best = rate > best ? rate : best;
  }
  volatile float keep = sink[0];
  (void)keep;
  return best;
}

}  // namespace hfserve::bench
