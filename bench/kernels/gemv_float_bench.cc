// Matrix-vector products with F32, F16 and BF16 weights (one decode token through a weight
// matrix), for every kernel variant this CPU runs, beside the memory-bandwidth roofline
// measured in the same run: a GEMV reads each weight once, so weight bytes / bandwidth is
// its lower bound in time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench/common/roofline.h"
#include "bench/common/timing.h"
#include "kernels/install.h"
#include "tensor/half.h"

namespace {

// 134M weights (256 to 512 MiB): past any last-level cache.
constexpr std::size_t kRows = 16384, kCols = 8192;

void report(const char* format, double bytes, double bandwidth, hfserve::ThreadPool& pool,
            const std::function<void(const hfserve::tensor::KernelTable&, std::size_t,
                                     std::size_t)>& gemv) {
  std::printf("%s %zux%zu: %.0f MB, bound %.2f ms\n", format, kRows, kCols, bytes / 1e6,
              bytes / bandwidth * 1e3);
  for (hfserve::kernels::Isa isa : hfserve::kernels::supported_isas()) {
    hfserve::tensor::KernelTable table = hfserve::kernels::table_for(isa);
    double best = hfserve::bench::best_seconds(10, [&] {
      pool.parallel_for(kRows,
                        [&](std::size_t begin, std::size_t end) { gemv(table, begin, end); });
    });
    std::printf("  %-7s %.2f ms  %.2f GB/s  = %3.0f%% of the roofline\n",
                std::string(hfserve::kernels::isa_name(isa)).c_str(), best * 1e3,
                bytes / best / 1e9, 100.0 * bytes / best / bandwidth);
  }
}

}  // namespace

int main() {
  std::vector<float> w(kRows * kCols), x(kCols), y(kRows);
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (float& v : w) v = dist(rng);
  for (float& v : x) v = dist(rng);
  std::vector<std::uint16_t> w16(w.size()), wbf16(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    w16[i] = hfserve::tensor::f32_to_f16(w[i]);
    wbf16[i] = hfserve::tensor::f32_to_bf16(w[i]);
  }

  hfserve::ThreadPool pool(0);
  double bandwidth = hfserve::bench::measure_read_bandwidth(pool);
  std::printf("roofline: read bandwidth %.2f GB/s with %zu threads\n", bandwidth / 1e9,
              pool.num_threads());
  report("F32", w.size() * 4.0, bandwidth, pool, [&](const auto& t, std::size_t b, std::size_t e) {
    t.gemv_f32(w.data(), kCols, kCols, x.data(), b, e, y.data());
  });
  report("F16", w.size() * 2.0, bandwidth, pool, [&](const auto& t, std::size_t b, std::size_t e) {
    t.gemv_f16(w16.data(), kCols, kCols, x.data(), b, e, y.data());
  });
  report("BF16", w.size() * 2.0, bandwidth, pool, [&](const auto& t, std::size_t b, std::size_t e) {
    t.gemv_bf16(wbf16.data(), kCols, kCols, x.data(), b, e, y.data());
  });
  return 0;
}
