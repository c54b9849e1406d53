// Internal to kernels/: the loops of the quantised matrix products, written once over a
// "dot" policy D for one weight type and one ISA that provides
//   using Block = tensor::BlockQ8_0 (or another weight block);
//   template <std::size_t kTile>
//   static void dot_tile(const Block* row, const tensor::BlockQ8Act* const* xs,
//                        std::size_t blocks, float* sums);
// which computes the dot products of one weight row with kTile quantised activation rows
// xs[k] of `blocks` activation blocks (32 values) each, decoding each weight block once for
// all of them; a K-quant weight block spans 8 activation blocks. Include only from files
// compiled for D's ISA, with D of internal linkage.
#pragma once

#include <cstddef>

#include "tensor/kernel_table.h"

namespace hfserve::kernels::detail {

template <typename D>
struct QuantMatmul {
  using Block = typename D::Block;
  static constexpr std::size_t kTokenTile = 4;
  static constexpr std::size_t kRowBlock = 16;

  static const Block* row_at(const void* w, std::size_t row_bytes, std::size_t r) {
    return reinterpret_cast<const Block*>(static_cast<const char*>(w) + r * row_bytes);
  }

  static void gemv(const void* w, std::size_t row_bytes, std::size_t cols,
                   const tensor::BlockQ8Act* x, std::size_t row_begin, std::size_t row_end,
                   float* y) {
    const std::size_t blocks = cols / tensor::BlockQ8Act::kSize;
    const tensor::BlockQ8Act* xs[1] = {x};
    for (std::size_t r = row_begin; r < row_end; ++r) {
      D::template dot_tile<1>(row_at(w, row_bytes, r), xs, blocks, &y[r]);
    }
  }

  // Rows in blocks that stay in L2, tokens in tiles whose activations stay in L1: each
  // weight block is decoded once per tile and read from memory once per row block.
  static void gemm(const void* w, std::size_t row_bytes, std::size_t cols,
                   const tensor::BlockQ8Act* x, std::size_t n_tokens, std::size_t row_begin,
                   std::size_t row_end, float* y, std::size_t y_stride) {
    const std::size_t blocks = cols / tensor::BlockQ8Act::kSize;
    for (std::size_t r0 = row_begin; r0 < row_end; r0 += kRowBlock) {
      const std::size_t r1 = r0 + kRowBlock < row_end ? r0 + kRowBlock : row_end;
      std::size_t t = 0;
      for (; t + kTokenTile <= n_tokens; t += kTokenTile) {
        const tensor::BlockQ8Act* xs[kTokenTile];
        for (std::size_t k = 0; k < kTokenTile; ++k) xs[k] = x + (t + k) * blocks;
        for (std::size_t r = r0; r < r1; ++r) {
          float sums[kTokenTile];
          D::template dot_tile<kTokenTile>(row_at(w, row_bytes, r), xs, blocks, sums);
          for (std::size_t k = 0; k < kTokenTile; ++k) y[(t + k) * y_stride + r] = sums[k];
        }
      }
      for (; t < n_tokens; ++t) {
        const tensor::BlockQ8Act* xs[1] = {x + t * blocks};
        for (std::size_t r = r0; r < r1; ++r) {
          D::template dot_tile<1>(row_at(w, row_bytes, r), xs, blocks, &y[t * y_stride + r]);
        }
      }
    }
  }

  static void fill(tensor::QuantMatmulKernels& slot) {
    slot.gemv = gemv;
    slot.gemm = gemm;
  }
};

}  // namespace hfserve::kernels::detail
