// Prompt processing and batched decoding: one weight matrix (Qwen2.5-0.5B's FFN down
// projection, 896 x 4864: rows of whole K-quant super-blocks) times TOKENS tokens (argument;
// default 512, a prefill chunk; 8 or 16 is a decode step of that many streams), for every weight
// format and kernel variant, in GFLOP/s beside the peak FMA rate measured in the same run (the
// compute roofline a batch is bound by), and the time of running the one-token GEMV TOKENS times
// for contrast. Small batches are repeated to make up 512 tokens per timing.
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
#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tests/support/random_quant_weights.h"

namespace {

constexpr std::size_t kRows = 896, kCols = 4864;

}  // namespace

int main(int argc, char** argv) {
  using hfserve::tensor::DType;
  const std::size_t tokens = argc > 1 ? std::stoul(argv[1]) : 512;
  const std::size_t reps = std::max<std::size_t>(1, 512 / tokens);
  hfserve::ThreadPool pool(0);
  const double peak = hfserve::bench::measure_peak_fma_flops(pool);
  const double flops = 2.0 * kRows * kCols * tokens;
  std::printf(
      "roofline: peak fp32 FMA %.1f GFLOP/s with %zu threads; %zux%zu x %zu tokens = "
      "%.2f GFLOP, bound %.2f ms\n",
      peak / 1e9, pool.num_threads(), kRows, kCols, tokens, flops / 1e9, flops / peak * 1e3);

  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(tokens * kCols), y(tokens * kRows), w(kRows * kCols);
  for (float& v : x) v = dist(rng);
  for (float& v : w) v = dist(rng);
  std::vector<std::uint16_t> w16(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) w16[i] = hfserve::tensor::f32_to_f16(w[i]);

  for (hfserve::kernels::Isa isa : hfserve::kernels::supported_isas()) {
    hfserve::tensor::KernelTable t = hfserve::kernels::table_for(isa);
    const std::string name(hfserve::kernels::isa_name(isa));
    auto line = [&](const char* format, const std::function<void(std::size_t, std::size_t)>& gemm,
                    const std::function<void(std::size_t, std::size_t, std::size_t)>& gemv) {
      double batched = hfserve::bench::best_seconds(3,
                                                    [&] {
                                                      for (std::size_t r = 0; r < reps; ++r)
                                                        pool.parallel_for(kRows, gemm);
                                                    }) /
                       static_cast<double>(reps);
      double per_token = hfserve::bench::best_seconds(
                             1,
                             [&] {
                               for (std::size_t r = 0; r < reps; ++r) {
                                 for (std::size_t token = 0; token < tokens; ++token) {
                                   pool.parallel_for(kRows, [&](std::size_t b, std::size_t e) {
                                     gemv(token, b, e);
                                   });
                                 }
                               }
                             }) /
                         static_cast<double>(reps);
      std::printf(
          "%-10s %-11s gemm %8.3f ms %7.1f GFLOP/s = %3.0f%% of peak   (%zu gemv: %8.3f ms)\n",
          name.c_str(), format, batched * 1e3, flops / batched / 1e9,
          100.0 * flops / batched / peak, tokens, per_token * 1e3);
    };
    line(
        "F32",
        [&](std::size_t b, std::size_t e) {
          t.gemm_f32(w.data(), kCols, kCols, x.data(), kCols, tokens, b, e, y.data(), kRows);
        },
        [&](std::size_t token, std::size_t b, std::size_t e) {
          t.gemv_f32(w.data(), kCols, kCols, x.data() + token * kCols, b, e,
                     y.data() + token * kRows);
        });
    // F32 packed at load into the GEMM's panels (PackedFloatMatmul), as models::Linear holds
    // F32 weights: ranges at panel boundaries, as Linear splits them.
    if (t.packed_f32.rows != 0) {
      std::vector<float> panels(t.packed_f32.floats(kRows, kCols));
      t.packed_f32.pack(w.data(), kCols, kRows, kCols, panels.data());
      auto panel_rows = [&](std::size_t b, std::size_t e, std::size_t n, std::size_t token) {
        const std::size_t g = t.packed_f32.rows;
        t.packed_f32.gemm(panels.data(), kCols, kCols, x.data() + token * kCols, kCols, n,
                          b / g * g, e == kRows ? kRows : e / g * g, y.data() + token * kRows,
                          kRows);
      };
      line(
          "F32 packed", [&](std::size_t b, std::size_t e) { panel_rows(b, e, tokens, 0); },
          [&](std::size_t token, std::size_t b, std::size_t e) { panel_rows(b, e, 1, token); });
    }
    line(
        "F16",
        [&](std::size_t b, std::size_t e) {
          t.gemm_f16(w16.data(), kCols, kCols, x.data(), kCols, tokens, b, e, y.data(), kRows);
        },
        [&](std::size_t token, std::size_t b, std::size_t e) {
          t.gemv_f16(w16.data(), kCols, kCols, x.data() + token * kCols, b, e,
                     y.data() + token * kRows);
        });
    std::vector<hfserve::tensor::BlockQ8Act> xq(tokens * kCols / 32);
    t.quantize_act_q8(x.data(), x.size(), xq.data());
    for (DType type : hfserve::kernels::kQuantKernelTypes) {
      const auto& info = hfserve::tensor::dtype_info(type);
      const std::size_t row_bytes = *hfserve::tensor::dtype_bytes(type, kCols);
      std::vector<std::uint8_t> wq =
          hfserve::kernels::random_quant_weights(type, kRows, kCols, rng);
      auto gemm = t.quant_matmul(type)->gemm;
      auto gemv = t.quant_matmul(type)->gemv;
      line(
          std::string(info.name).c_str(),
          [&](std::size_t b, std::size_t e) {
            gemm(wq.data(), row_bytes, kCols, xq.data(), tokens, b, e, y.data(), kRows);
          },
          [&](std::size_t token, std::size_t b, std::size_t e) {
            gemv(wq.data(), row_bytes, kCols, xq.data() + token * kCols / 32, b, e,
                 y.data() + token * kRows);
          });
      // The layout the variant repacks this type into at load, where it has one: the same
      // product for one token and many (ranges rounded to its groups of rows).
      const hfserve::tensor::PackedQuantMatmul& packed = t.quant_matmul(type)->packed;
      if (packed.rows == 0) continue;
      std::vector<std::uint8_t> layout(packed.bytes(kRows, kCols));
      packed.pack(wq.data(), row_bytes, kRows, kCols, layout.data());
      auto groups = [&](std::size_t b, std::size_t e, std::size_t n, std::size_t token) {
        const std::size_t g = packed.rows;
        packed.gemm(layout.data(), row_bytes, kCols, xq.data() + token * kCols / 32, n, b / g * g,
                    e == kRows ? kRows : e / g * g, y.data() + token * kRows, kRows);
      };
      line((std::string(info.name) + " packed").c_str(),
           [&](std::size_t b, std::size_t e) { groups(b, e, tokens, 0); },
           [&](std::size_t token, std::size_t b, std::size_t e) { groups(b, e, 1, token); });
    }
  }
  return 0;
}
