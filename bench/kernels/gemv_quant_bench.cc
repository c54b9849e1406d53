// Quantised matrix-vector products (one decode token through a weight matrix of each
// quantised type with a kernel, activations quantised to 8 bits first), for every kernel variant
// this CPU runs, beside the memory-bandwidth roofline measured in the same run: a decode step reads
// each weight byte once, so weight bytes / bandwidth is the bound.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/common/roofline.h"
#include "bench/common/timing.h"
#include "kernels/install.h"
#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tests/support/random_quant_weights.h"

int main() {
  using hfserve::tensor::DType;
  // 268M weights: 151 to 285 MB in these formats, far past the last-level cache.
  constexpr std::size_t kRows = 32768, kCols = 8192;
  hfserve::ThreadPool pool(0);
  double bandwidth = hfserve::bench::measure_read_bandwidth(pool);
  std::printf("roofline: read bandwidth %.2f GB/s with %zu threads\n", bandwidth / 1e9,
              pool.num_threads());

  std::mt19937 rng(0);
  std::vector<float> x(kCols);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (float& v : x) v = dist(rng);
  std::vector<float> y(kRows);

  for (DType type : hfserve::kernels::kQuantKernelTypes) {
    const auto& info = hfserve::tensor::dtype_info(type);
    const std::size_t row_bytes = *hfserve::tensor::dtype_bytes(type, kCols);
    std::vector<std::uint8_t> w = hfserve::kernels::random_quant_weights(type, kRows, kCols, rng);
    const double bytes = static_cast<double>(w.size());
    std::printf("%s %zux%zu: %.0f MB, bound %.2f ms\n", std::string(info.name).c_str(), kRows,
                kCols, bytes / 1e6, bytes / bandwidth * 1e3);

    for (hfserve::kernels::Isa isa : hfserve::kernels::supported_isas()) {
      hfserve::tensor::KernelTable table = hfserve::kernels::table_for(isa);
      hfserve::tensor::QuantGemv gemv = table.quant_matmul(type)->gemv;
      std::vector<hfserve::tensor::BlockQ8Act> xq(kCols / 32);
      double best = hfserve::bench::best_seconds(10, [&] {
        table.quantize_act_q8(x.data(), kCols, xq.data());
        pool.parallel_for(kRows, [&](std::size_t begin, std::size_t end) {
          gemv(w.data(), row_bytes, kCols, xq.data(), begin, end, y.data());
        });
      });
      std::printf("  %-7s %.2f ms  %.2f GB/s  = %3.0f%% of the roofline\n",
                  std::string(hfserve::kernels::isa_name(isa)).c_str(), best * 1e3,
                  bytes / best / 1e9, 100.0 * bytes / best / bandwidth);
    }
  }
  return 0;
}
