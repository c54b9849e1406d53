// Quantised matrix-vector products (one decode token through a Q8_0 / Q4_0 / Q4_1 weight
// matrix, activations quantised to 8 bits first), for every kernel variant this CPU runs,
// beside the memory-bandwidth roofline measured in the same run: a decode step reads each
// weight byte once, so weight bytes / bandwidth is the bound.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/common/roofline.h"
#include "bench/common/timing.h"
#include "kernels/install.h"
#include "tensor/dtype.h"
#include "tensor/half.h"

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

  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_1}) {
    const auto& info = hfserve::tensor::dtype_info(type);
    const std::size_t row_bytes = *hfserve::tensor::dtype_bytes(type, kCols);
    std::vector<std::uint8_t> w(kRows * row_bytes);
    for (std::size_t i = 0; i < w.size(); i += 4) {
      std::uint32_t bits = static_cast<std::uint32_t>(rng());
      std::memcpy(&w[i], &bits, std::min<std::size_t>(4, w.size() - i));
    }
    const std::uint16_t scale = hfserve::tensor::f32_to_f16(0.01f);
    for (std::size_t b = 0; b < w.size() / info.type_size; ++b) {
      std::memcpy(&w[b * info.type_size], &scale, 2);
    }
    const double bytes = static_cast<double>(w.size());
    std::printf("%s %zux%zu: %.0f MB, bound %.2f ms\n", std::string(info.name).c_str(), kRows,
                kCols, bytes / 1e6, bytes / bandwidth * 1e3);

    for (hfserve::kernels::Isa isa : hfserve::kernels::supported_isas()) {
      hfserve::tensor::KernelTable table = hfserve::kernels::table_for(isa);
      hfserve::tensor::QuantGemv gemv = type == DType::kQ8_0   ? table.gemv_q8_0
                                        : type == DType::kQ4_0 ? table.gemv_q4_0
                                                               : table.gemv_q4_1;
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
