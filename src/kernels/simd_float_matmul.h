// Internal to kernels/: matrix products with float weights (F32, F16, BF16) written once
// over a SIMD traits type T (see simd_f32_ops.h) and a weight format F that provides
//   using Weight = float or std::uint16_t;
//   static V load(const Weight* p);      // kLanes weights widened to F32
//   static float widen(Weight w);         // one weight, for the tails
// Include it only from a file compiled for T's ISA, with T and F of internal linkage.
//
// The SIMD variants use packed_gemm: panels of weights packed column by column and a
// broadcast micro-kernel, every output summed over the columns in order, so one token
// gives the same bits alone and in any batch. For F32 weights the one-token product
// (packed_gemv) runs the same code, as fast as gemv once the weights stream from memory;
// F16 and BF16 keep gemv, which streams each row once with four accumulators, because
// packing costs them a quarter to a third of a memory-bound GEMV (bench_gemv_float), so
// there a lone token and a batch differ by summation order (a few ulps). F32 weights a
// model holds are packed once at load (prepack, prepacked_gemm: tensor::PackedFloatMatmul),
// where packing each panel as it was used had taken up to a sixth of a 128-token product;
// the other weights are still packed panel by panel.
// The scalar reference uses gemv and gemm: gemm works on blocks of kRowBlock rows that
// stay in L2 and register tiles of rows by tokens.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

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

  // The reference for W stored by columns (W[r][c] at w[c * row_stride + r]): each output
  // summed over the columns in order.
  static void gemm_by_columns(const Weight* w, std::size_t row_stride, std::size_t cols,
                              const float* x, std::size_t x_stride, std::size_t n_tokens,
                              std::size_t row_begin, std::size_t row_end, float* y,
                              std::size_t y_stride) {
    for (std::size_t t = 0; t < n_tokens; ++t) {
      for (std::size_t r = row_begin; r < row_end; ++r) {
        float sum = 0;
        for (std::size_t c = 0; c < cols; ++c)
          sum += F::widen(w[c * row_stride + r]) * x[t * x_stride + c];
        y[t * y_stride + r] = sum;
      }
    }
  }

  // The SIMD GEMM: packed weight panels and a broadcast micro-kernel (the ISA files use
  // this; the scalar reference keeps `gemm`). T must also provide
  //   static void transpose(V (&rows)[kLanes]);   // a kLanes x kLanes block in place
  //   static V broadcast(const float* p);          // *p in every lane
  // A panel is kPanelRows rows by up to kDepth columns of W, widened to F32 and stored
  // column by column ([column][kPanelRows]), so the micro-kernel loads two registers of
  // consecutive rows per column and multiplies them by one broadcast activation per token
  // of its tile: kMicroTokens x 2 accumulators, every load feeding kMicroTokens or two
  // FMAs, no horizontal sums. Each output is summed over the columns in order, one FMA
  // per column (through y between depth blocks, exactly), whatever the tile, the token
  // count or the thread split, so a token's result never depends on its batch.
  static constexpr std::size_t kPanelRows = 2 * kLanes;
  static constexpr std::size_t kMicroTokens = kLanes >= 16 ? 12 : 6;
  static constexpr std::size_t kDepth = 256;       // columns per panel: 32 KiB (AVX-512)
  static constexpr std::size_t kTokenChunk = 384;  // x[chunk, kDepth] stays in L2
  // A copied chunk's rows: a line more than kDepth, so that the rows of a tile start in
  // different L1 sets.
  static constexpr std::size_t kChunkStride = kDepth + 16;
  // The copy fetches the row this many ahead: the hardware prefetcher does not follow
  // 1 KiB pieces of rows kilobytes apart, and the copy had waited on memory (5.1% of an
  // F32 batch of 32 in bench_embed; 3.6% with this).
  static constexpr std::size_t kCopyAhead = 8;

  // panel[c * kPanelRows + i] = W[r0 + i][c0 + c] for i < n_rows, else 0. W is stored by
  // rows (W[r][c] at w[r * row_stride + c]), or by columns (at w[c * row_stride + r]), where
  // a panel's column is a copy of consecutive weights.
  template <bool kByColumns>
  static void pack(const Weight* w, std::size_t row_stride, std::size_t r0, std::size_t n_rows,
                   std::size_t c0, std::size_t depth, float* panel) {
    if constexpr (kByColumns) {
      for (std::size_t c = 0; c < depth; ++c) {
        const Weight* column = w + (c0 + c) * row_stride + r0;
        float* out = panel + c * kPanelRows;
        if (n_rows == kPanelRows) {
          T::store(out, F::load(column));
          T::store(out + kLanes, F::load(column + kLanes));
        } else {
          for (std::size_t i = 0; i < kPanelRows; ++i)
            out[i] = i < n_rows ? F::widen(column[i]) : 0;
        }
      }
      return;
    }
    for (std::size_t half = 0; half < 2; ++half) {
      const std::size_t first = half * kLanes;
      std::size_t c = 0;
      for (; c + kLanes <= depth; c += kLanes) {
        V block[kLanes];
        for (std::size_t i = 0; i < kLanes; ++i) {
          block[i] =
              first + i < n_rows ? F::load(w + (r0 + first + i) * row_stride + c0 + c) : T::zero();
        }
        T::transpose(block);
        for (std::size_t j = 0; j < kLanes; ++j) {
          T::store(panel + (c + j) * kPanelRows + first, block[j]);
        }
      }
      for (; c < depth; ++c) {
        for (std::size_t i = 0; i < kLanes; ++i) {
          panel[c * kPanelRows + first + i] =
              first + i < n_rows ? F::widen(w[(r0 + first + i) * row_stride + c0 + c]) : 0.0f;
        }
      }
    }
  }

  // y[t][r0 + i] (+)= sum over the panel's columns of panel[c][i] * x[t][c], for kTokens
  // tokens from x and the panel's first n_rows rows; `accumulate` continues the sums in y.
  template <std::size_t kTokens>
  static void micro(const float* panel, std::size_t depth, const float* x, std::size_t x_stride,
                    float* y, std::size_t y_stride, std::size_t n_rows, bool accumulate) {
    V acc0[kTokens], acc1[kTokens];
    const bool full = n_rows == kPanelRows;
#pragma GCC unroll 16
    for (std::size_t k = 0; k < kTokens; ++k) {
      if (!accumulate) {
        acc0[k] = T::zero(), acc1[k] = T::zero();
      } else if (full) {
        acc0[k] = T::load(y + k * y_stride), acc1[k] = T::load(y + k * y_stride + kLanes);
      } else {
        alignas(64) float partial[kPanelRows] = {};
        for (std::size_t i = 0; i < n_rows; ++i) partial[i] = y[k * y_stride + i];
        acc0[k] = T::load(partial), acc1[k] = T::load(partial + kLanes);
      }
    }
    for (std::size_t c = 0; c < depth; ++c) {
      const V w0 = T::load(panel + c * kPanelRows);
      const V w1 = T::load(panel + c * kPanelRows + kLanes);
#pragma GCC unroll 16
      for (std::size_t k = 0; k < kTokens; ++k) {
        const V xk = T::broadcast(x + k * x_stride + c);
        acc0[k] = T::fmadd(w0, xk, acc0[k]);
        acc1[k] = T::fmadd(w1, xk, acc1[k]);
      }
    }
#pragma GCC unroll 16
    for (std::size_t k = 0; k < kTokens; ++k) {
      if (full) {
        T::store(y + k * y_stride, acc0[k]);
        T::store(y + k * y_stride + kLanes, acc1[k]);
      } else {
        alignas(64) float partial[kPanelRows];
        T::store(partial, acc0[k]);
        T::store(partial + kLanes, acc1[k]);
        for (std::size_t i = 0; i < n_rows; ++i) y[k * y_stride + i] = partial[i];
      }
    }
  }

  // The last tile of fewer than kMicroTokens tokens.
  template <std::size_t kTokens>
  static void micro_tail(std::size_t tokens, const float* panel, std::size_t depth, const float* x,
                         std::size_t x_stride, float* y, std::size_t y_stride, std::size_t n_rows,
                         bool accumulate) {
    if constexpr (kTokens > 0) {
      if (tokens == kTokens) {
        micro<kTokens>(panel, depth, x, x_stride, y, y_stride, n_rows, accumulate);
      } else {
        micro_tail<kTokens - 1>(tokens, panel, depth, x, x_stride, y, y_stride, n_rows, accumulate);
      }
    }
  }

  // One token through the same panels: summed in the same order as packed_gemm, so a
  // token's numbers are the same alone as in any batch. For F32 weights packing costs
  // less than reading them from memory.
  static void packed_gemv(const Weight* w, std::size_t row_stride, std::size_t cols, const float* x,
                          std::size_t row_begin, std::size_t row_end, float* y) {
    packed_gemm<false>(w, row_stride, cols, x, cols, 1, row_begin, row_end, y, 0);
  }

  // Runs the panel of rows [r0, r0 + n_rows) by `depth` columns from c0 over n_tokens
  // tokens: x points at the first one's column c0, y at its row 0.
  static void panel_pass(const float* panel, std::size_t r0, std::size_t n_rows, std::size_t c0,
                         std::size_t depth, const float* x, std::size_t x_stride,
                         std::size_t n_tokens, float* y, std::size_t y_stride) {
    const bool accumulate = c0 > 0;
    std::size_t t = 0;
    for (; t + kMicroTokens <= n_tokens; t += kMicroTokens) {
      micro<kMicroTokens>(panel, depth, x + t * x_stride, x_stride, y + t * y_stride + r0, y_stride,
                          n_rows, accumulate);
    }
    micro_tail<kMicroTokens - 1>(n_tokens - t, panel, depth, x + t * x_stride, x_stride,
                                 y + t * y_stride + r0, y_stride, n_rows, accumulate);
  }

  // Activations up to this many floats stay in L2 whole.
  static constexpr std::size_t kSmallActivations = std::size_t{1} << 16;

  // The GEMM over panels that panel_at(r0, n_rows, c0, depth) provides (packed on the fly,
  // or from a layout packed at load). y holds the running sums between depth blocks
  // (columns), so the loops may run in any order without changing a result. Few tokens
  // (decode, short batches): panel by panel, each one's rows read from memory once, front
  // to back. Many: depth blocks outermost, then chunks of tokens whose activations stay in
  // L2, then each panel in L1 run over every token tile of the chunk.
  template <typename PanelAt>
  static void gemm_panels(const PanelAt& panel_at, std::size_t cols, const float* x,
                          std::size_t x_stride, std::size_t n_tokens, std::size_t row_begin,
                          std::size_t row_end, float* y, std::size_t y_stride) {
    if (cols == 0) {
      for (std::size_t t = 0; t < n_tokens; ++t) {
        for (std::size_t r = row_begin; r < row_end; ++r) y[t * y_stride + r] = 0.0f;
      }
      return;
    }
    if (n_tokens * cols <= kSmallActivations) {
      for (std::size_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
        const std::size_t n_rows = row_end - r0 < kPanelRows ? row_end - r0 : kPanelRows;
        for (std::size_t c0 = 0; c0 < cols; c0 += kDepth) {
          const std::size_t depth = cols - c0 < kDepth ? cols - c0 : kDepth;
          panel_pass(panel_at(r0, n_rows, c0, depth), r0, n_rows, c0, depth, x + c0, x_stride,
                     n_tokens, y, y_stride);
        }
      }
      return;
    }
    // Each chunk's activations for the depth block are copied to rows kChunkStride apart
    // first. Read in place, the rows of a wide x (BERT's FFN down: 12 KiB apart) fall in
    // the same L1 and L2 sets, and the tokens of a tile, then of the chunk, evict each other.
    std::vector<float> chunk(std::min(n_tokens, kTokenChunk) * kChunkStride);
    for (std::size_t c0 = 0; c0 < cols; c0 += kDepth) {
      const std::size_t depth = cols - c0 < kDepth ? cols - c0 : kDepth;
      for (std::size_t tb = 0; tb < n_tokens; tb += kTokenChunk) {
        const std::size_t te = tb + kTokenChunk < n_tokens ? tb + kTokenChunk : n_tokens;
        for (std::size_t t = tb; t < te; ++t) {
          if (t + kCopyAhead < te) {
            for (std::size_t c = 0; c < depth; c += 16)
              __builtin_prefetch(x + (t + kCopyAhead) * x_stride + c0 + c);
          }
          std::copy_n(x + t * x_stride + c0, depth, chunk.data() + (t - tb) * kChunkStride);
        }
        for (std::size_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
          const std::size_t n_rows = row_end - r0 < kPanelRows ? row_end - r0 : kPanelRows;
          panel_pass(panel_at(r0, n_rows, c0, depth), r0, n_rows, c0, depth, chunk.data(),
                     kChunkStride, te - tb, y + tb * y_stride, y_stride);
        }
      }
    }
  }

  // The GEMM packing each panel into L1 as it goes.
  // kByColumns: W stored by columns, as pack() reads it (gemm_f32_by_columns).
  template <bool kByColumns = false>
  static void packed_gemm(const Weight* w, std::size_t row_stride, std::size_t cols, const float* x,
                          std::size_t x_stride, std::size_t n_tokens, std::size_t row_begin,
                          std::size_t row_end, float* y, std::size_t y_stride) {
    alignas(64) float panel[kDepth * kPanelRows];
    const auto pack_panel = [&](std::size_t r0, std::size_t n_rows, std::size_t c0,
                                std::size_t depth) -> const float* {
      pack<kByColumns>(w, row_stride, r0, n_rows, c0, depth, panel);
      return panel;
    };
    gemm_panels(pack_panel, cols, x, x_stride, n_tokens, row_begin, row_end, y, y_stride);
  }

  // The layout packed once at load (tensor::PackedFloatMatmul): panel r0 / kPanelRows holds
  // kPanelRows x cols floats, its columns from c0 at c0 * kPanelRows, as pack() writes them.
  static std::size_t prepacked_floats(std::size_t n_rows, std::size_t cols) {
    return (n_rows + kPanelRows - 1) / kPanelRows * kPanelRows * cols;
  }
  static void prepack(const float* w, std::size_t row_stride, std::size_t n_rows, std::size_t cols,
                      float* out) {
    static_assert(std::is_same_v<Weight, float>);
    for (std::size_t r0 = 0; r0 < n_rows; r0 += kPanelRows) {
      const std::size_t rows = n_rows - r0 < kPanelRows ? n_rows - r0 : kPanelRows;
      for (std::size_t c0 = 0; c0 < cols; c0 += kDepth) {
        const std::size_t depth = cols - c0 < kDepth ? cols - c0 : kDepth;
        pack<false>(w, row_stride, r0, rows, c0, depth, out + r0 * cols + c0 * kPanelRows);
      }
    }
  }
  static void prepacked_gemm(const float* packed, std::size_t /*row_stride*/, std::size_t cols,
                             const float* x, std::size_t x_stride, std::size_t n_tokens,
                             std::size_t row_begin, std::size_t row_end, float* y,
                             std::size_t y_stride) {
    const auto packed_panel = [&](std::size_t r0, std::size_t /*n_rows*/, std::size_t c0,
                                  std::size_t /*depth*/) {
      return packed + r0 * cols + c0 * kPanelRows;
    };
    gemm_panels(packed_panel, cols, x, x_stride, n_tokens, row_begin, row_end, y, y_stride);
  }
};

}  // namespace hfserve::kernels::detail
