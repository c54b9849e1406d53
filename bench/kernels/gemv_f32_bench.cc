// F32 matrix-vector product (one decode token through a weight matrix), for every kernel
// variant this CPU runs, beside the memory-bandwidth roofline measured in the same run: a
// GEMV reads each weight once, so weight bytes / bandwidth is its lower bound in time.
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "bench/common/roofline.h"
#include "kernels/install.h"

int main() {
  // 512 MiB of weights: past any last-level cache (EPYC parts have up to 256 MiB of L3).
  constexpr std::size_t kRows = 16384, kCols = 8192;
  std::vector<float> w(kRows * kCols), x(kCols), y(kRows);
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (float& v : w) v = dist(rng);
  for (float& v : x) v = dist(rng);

  hfserve::ThreadPool pool(0);
  double bandwidth = hfserve::bench::measure_read_bandwidth(pool);
  double bytes = static_cast<double>(w.size() * sizeof(float));
  std::printf("roofline: read bandwidth %.2f GB/s with %zu threads -> bound %.3f ms per GEMV\n",
              bandwidth / 1e9, pool.num_threads(), bytes / bandwidth * 1e3);

  for (hfserve::kernels::Isa isa : hfserve::kernels::supported_isas()) {
    hfserve::tensor::KernelTable table = hfserve::kernels::table_for(isa);
    auto run = [&] {
      pool.parallel_for(kRows, [&](std::size_t begin, std::size_t end) {
        table.gemv_f32(w.data(), kCols, kCols, x.data(), begin, end, y.data());
      });
    };
    run();
    double best = 1e30;
    for (int rep = 0; rep < 20; ++rep) {
      auto start = std::chrono::steady_clock::now();
      run();
      best = std::min(
          best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::printf("gemv_f32 %4zux%zu %-7s %.3f ms  %.2f GB/s  = %3.0f%% of the roofline\n", kRows,
                kCols, std::string(hfserve::kernels::isa_name(isa)).c_str(), best * 1e3,
                bytes / best / 1e9, 100.0 * bytes / best / bandwidth);
  }
  return 0;
}
