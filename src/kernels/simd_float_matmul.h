// Internal to kernels/: matrix products with float weights (F32, F16, BF16) written once
// over a SIMD traits type T (see simd_f32_ops.h) and a weight format F that provides
//   using Weight = float or std::uint16_t;
//   static V load(const Weight* p);      // kLanes weights widened to F32
//   static float widen(Weight w);         // one weight, for the tails
// Include it only from a file compiled for T's ISA, with T and F of internal linkage.
//
// GEMV (one token) streams each row once with four accumulators. GEMM (a prompt's many
// tokens) works on blocks of kRowBlock rows that stay in L2 and register tiles of rows by
// tokens, so each weight is read from memory once per block rather than once per token
// and each load feeds several FMAs.
#pragma once

#include <cstddef>

namespace hfserve::kernels::detail {

template <typename T, typename F>
struct FloatMatmul {
  using V = typename T::V;
  using Weight = typename F::Weight;
  static constexpr std::size_t kLanes = T::kLanes;
  static constexpr std::size_t kTokenTile = 4;
  static constexpr std::size_t kRowBlock = 16;

  static void gemv(const Weight* w, std::size_t row_stride, std::size_t cols, const float* x,
                   std::size_t row_begin, std::size_t row_end, float* y) {
    for (std::size_t r = row_begin; r < row_end; ++r) {
      const Weight* row = w + r * row_stride;
      V acc0 = T::zero(), acc1 = T::zero(), acc2 = T::zero(), acc3 = T::zero();
      std::size_t c = 0;
      for (; c + 4 * kLanes <= cols; c += 4 * kLanes) {
        acc0 = T::fmadd(F::load(row + c), T::load(x + c), acc0);
        acc1 = T::fmadd(F::load(row + c + kLanes), T::load(x + c + kLanes), acc1);
        acc2 = T::fmadd(F::load(row + c + 2 * kLanes), T::load(x + c + 2 * kLanes), acc2);
        acc3 = T::fmadd(F::load(row + c + 3 * kLanes), T::load(x + c + 3 * kLanes), acc3);
      }
      for (; c + kLanes <= cols; c += kLanes) {
        acc0 = T::fmadd(F::load(row + c), T::load(x + c), acc0);
      }
      float sum = T::reduce_add(T::add(T::add(acc0, acc1), T::add(acc2, acc3)));
      for (; c < cols; ++c) sum += F::widen(row[c]) * x[c];
      y[r] = sum;
    }
  }

  // y[t * y_stride + r] = dot(row r, x[t * x_stride ..]) for the kRows rows from r0 and
  // the kTile tokens from t0: each weight vector loaded once for kTile tokens and each
  // activation vector once for kRows rows. Every output is accumulated in the same order
  // whatever the tile, so results do not depend on the tiling.
  template <std::size_t kRows, std::size_t kTile>
  static void tile(const Weight* w, std::size_t row_stride, std::size_t cols, const float* x,
                   std::size_t x_stride, std::size_t t0, std::size_t r0, float* y,
                   std::size_t y_stride) {
    V acc[kRows][kTile];
    for (std::size_t i = 0; i < kRows; ++i) {
      for (std::size_t k = 0; k < kTile; ++k) acc[i][k] = T::zero();
    }
    std::size_t c = 0;
    for (; c + kLanes <= cols; c += kLanes) {
      V xs[kTile];
      for (std::size_t k = 0; k < kTile; ++k) xs[k] = T::load(x + (t0 + k) * x_stride + c);
      for (std::size_t i = 0; i < kRows; ++i) {
        const V weights = F::load(w + (r0 + i) * row_stride + c);
        for (std::size_t k = 0; k < kTile; ++k) acc[i][k] = T::fmadd(weights, xs[k], acc[i][k]);
      }
    }
    for (std::size_t i = 0; i < kRows; ++i) {
      const Weight* row = w + (r0 + i) * row_stride;
      for (std::size_t k = 0; k < kTile; ++k) {
        float sum = T::reduce_add(acc[i][k]);
        for (std::size_t cc = c; cc < cols; ++cc)
          sum += F::widen(row[cc]) * x[(t0 + k) * x_stride + cc];
        y[(t0 + k) * y_stride + r0 + i] = sum;
      }
    }
  }

  // Tokens in blocks of kTokenBlock, whose activations stay in L2 while every row block
  // of this thread's share passes over them (without it, a long prompt's activations
  // would stream from memory once per row block); within a block, register tiles of
  // kRowTile rows by kTokenTile tokens. AVX2 has 16 vector registers, AVX-512 32: the
  // tile's accumulators and operands must fit.
  static constexpr std::size_t kRowTile = kLanes >= 16 ? 4 : 2;
  static constexpr std::size_t kTokenBlock = 64;

  static void gemm(const Weight* w, std::size_t row_stride, std::size_t cols, const float* x,
                   std::size_t x_stride, std::size_t n_tokens, std::size_t row_begin,
                   std::size_t row_end, float* y, std::size_t y_stride) {
    for (std::size_t tb = 0; tb < n_tokens; tb += kTokenBlock) {
      const std::size_t te = tb + kTokenBlock < n_tokens ? tb + kTokenBlock : n_tokens;
      for (std::size_t r0 = row_begin; r0 < row_end; r0 += kRowBlock) {
        const std::size_t r1 = r0 + kRowBlock < row_end ? r0 + kRowBlock : row_end;
        std::size_t t = tb;
        for (; t + kTokenTile <= te; t += kTokenTile) {
          std::size_t r = r0;
          for (; r + kRowTile <= r1; r += kRowTile) {
            tile<kRowTile, kTokenTile>(w, row_stride, cols, x, x_stride, t, r, y, y_stride);
          }
          for (; r < r1; ++r) {
            tile<1, kTokenTile>(w, row_stride, cols, x, x_stride, t, r, y, y_stride);
          }
        }
        for (; t < te; ++t) {
          for (std::size_t r = r0; r < r1; ++r) {
            tile<1, 1>(w, row_stride, cols, x, x_stride, t, r, y, y_stride);
          }
        }
      }
    }
  }
};

}  // namespace hfserve::kernels::detail
