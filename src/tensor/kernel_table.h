// KernelTable: the dispatch table through which every tensor op reaches its kernel. The
// contracts in tensor/ check shapes and dtypes once, then call one of these pointers;
// kernels/ fills the table at startup with the best implementation for the CPU it finds
// (kernels::install). Kernels take raw pointers, sizes and strides, never Tensors, and
// report no errors: whatever could be wrong was checked by the contract.
//
// The table is written once, before any model runs, and only read afterwards: any thread
// may call through it once installed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace hfserve::tensor {

// Attention of one sequence's query tokens over its keys and values in the paged KV
// cache, causal (decoders) or bidirectional (encoders). The cache layout, defined here and owned by
// the engine, is per layer:
//   k_cache, v_cache: [num_blocks, n_kv_heads, block_size, head_dim] F32
// and a sequence's key at position p lives in block block_table[p / block_size], slot
// p % block_size. Query t sits at position first_position + t and sees the keys at
// positions j <= its own (and, with a sliding window w > 0, only those with pos - j < w,
// as Mistral defines it); its keys must already be in the cache. Not causal, every query
// sees every key of positions [0, first_position + n_tokens), the sliding window unused:
// BERT's attention within one sequence. Query head h reads
// key/value head h / (n_heads / n_kv_heads) (grouped-query attention).
// Activations quantised to 8 bits for the integer dot products with quantised weights
// (as the fastest CPU engines do): blocks of 32 values x ≈ d * qs[i], with the block's sum
// as the products see it, d * Σ qs[i], kept for the weight formats whose values carry an
// offset (Q4_1, Q5_1, the K-quants' minimums) or a bias (Q4_0's -8, Q5_0's -16), and the
// same for each half (values 0-15, 16-31) for the types whose scales cover 16 values (Q2_K,
// Q3_K, Q6_K).
struct BlockQ8Act {
  static constexpr std::size_t kSize = 32;
  float d;
  float sum;
  float half_sums[2];
  std::int8_t qs[kSize];
};

// One thread's share of y = W x with quantised weights: rows [row_begin, row_end) of W,
// each row_bytes long and holding `cols` values (whole blocks of the weight type: 32
// values, or 256 for the K-quants), against x already quantised by quantize_act_q8
// (cols / 32 blocks).
using QuantGemv = void (*)(const void* w, std::size_t row_bytes, std::size_t cols,
                           const BlockQ8Act* x, std::size_t row_begin, std::size_t row_end,
                           float* y);
// The same for n_tokens activation rows at once (a prompt): x is [n_tokens, cols / 32]
// blocks, y[t * y_stride + r] receives row r's product with token t.
using QuantGemm = void (*)(const void* w, std::size_t row_bytes, std::size_t cols,
                           const BlockQ8Act* x, std::size_t n_tokens, std::size_t row_begin,
                           std::size_t row_end, float* y, std::size_t y_stride);
// Float weights of type W: y[t * y_stride + r] = dot(w[r * row_stride ..], x[t * x_stride ..])
// over `cols`, for tokens t < n_tokens and rows [row_begin, row_end).
// A layout of a weight type that one ISA multiplies faster, made once at load: rows in
// groups of `rows`, interleaved within each group, in bytes() bytes (as many as they were,
// or a few percent more where the layout unpacks the type's scales). pack()
// writes n_rows rows (a multiple of `rows`) of w, each row_bytes long, to out; gemm is a
// QuantGemm on that layout (row_bytes still the stored row's size; row_begin and row_end
// multiples of `rows`), for one token as for many: a token gives the same bits alone and
// in a batch.
struct PackedQuantMatmul {
  std::size_t rows = 0;  // 0: this ISA has no packed layout for the type
  // Bytes of the layout for a weight of n_rows (a multiple of `rows`) by cols.
  std::size_t (*bytes)(std::size_t n_rows, std::size_t cols) = nullptr;
  void (*pack)(const void* w, std::size_t row_bytes, std::size_t n_rows, std::size_t cols,
               void* out) = nullptr;
  QuantGemm gemm = nullptr;
};

// The products for one quantised weight type.
struct QuantMatmulKernels {
  QuantGemv gemv = nullptr;
  QuantGemm gemm = nullptr;
  PackedQuantMatmul packed;
};
template <typename W>
using FloatGemm = void (*)(const W* w, std::size_t row_stride, std::size_t cols, const float* x,
                           std::size_t x_stride, std::size_t n_tokens, std::size_t row_begin,
                           std::size_t row_end, float* y, std::size_t y_stride);

// F32 weights packed once at load into the float GEMM's own panels: rows in panels of
// `rows` (the last one padded with zeros), each panel stored column by column
// ([column][rows]). gemm is gemm_f32 on that layout (`w` the packed weight, row_stride
// unused, row_begin a multiple of `rows`): the same sums in the same order, so the same
// bits as gemm_f32, without packing the panels again for every product.
struct PackedFloatMatmul {
  std::size_t rows = 0;  // 0: these kernels have no packed layout (the scalar ones)
  // Floats of the layout for a weight of n_rows by cols.
  std::size_t (*floats)(std::size_t n_rows, std::size_t cols) = nullptr;
  void (*pack)(const float* w, std::size_t row_stride, std::size_t n_rows, std::size_t cols,
               float* out) = nullptr;
  FloatGemm<float> gemm = nullptr;
};

struct PagedAttentionArgs {
  const float* q = nullptr;  // [n_tokens, n_heads, head_dim]
  float* out = nullptr;      // [n_tokens, n_heads, head_dim]; may not alias q
  const float* k_cache = nullptr;
  const float* v_cache = nullptr;
  const std::int32_t* block_table = nullptr;
  std::size_t n_tokens = 0;
  std::size_t n_heads = 0;
  std::size_t n_kv_heads = 0;
  std::size_t head_dim = 0;    // at most kMaxHeadDim
  std::size_t block_size = 0;  // at most kMaxBlockSize
  std::size_t first_position = 0;
  std::size_t sliding_window = 0;  // 0: none; causal only
  bool causal = true;
  float scale = 1.0f;  // usually 1 / sqrt(head_dim)

  static constexpr std::size_t kMaxHeadDim = 256;
  static constexpr std::size_t kMaxBlockSize = 256;
};

struct KernelTable {
  // The instruction set these kernels use, e.g. "avx2"; shown in logs and benchmarks.
  const char* isa = nullptr;

  // out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i], for i < n. out may alias x.
  void (*rms_norm_f32)(const float* x, const float* weight, float eps, std::size_t n,
                       float* out) = nullptr;
  // out[i] = (x[i] - mean) / sqrt(var + eps) * weight[i] + bias[i] (bias may be null): the
  // LayerNorm of BERT and GPT-2. out may alias x.
  void (*layer_norm_f32)(const float* x, const float* weight, const float* bias, float eps,
                         std::size_t n, float* out) = nullptr;
  // x[i] = exp(x[i] - max) / sum, in place, for i < n (n >= 1).
  void (*softmax_f32)(float* x, std::size_t n) = nullptr;
  // out[i] = silu(gate[i]) * up[i] (the SwiGLU feed-forward's middle). out may alias gate.
  void (*silu_mul_f32)(const float* gate, const float* up, std::size_t n, float* out) = nullptr;
  // out[i] = gelu(x[i]) with the exact erf form (BERT, "gelu") or the tanh approximation
  // (GPT-2, "gelu_new" / "gelu_pytorch_tanh"). out may alias x.
  void (*gelu_erf_f32)(const float* x, std::size_t n, float* out) = nullptr;
  void (*gelu_tanh_f32)(const float* x, std::size_t n, float* out) = nullptr;
  // out[i] = a[i] + b[i]. out may alias a or b.
  void (*add_f32)(const float* a, const float* b, std::size_t n, float* out) = nullptr;
  // y[r] = dot(w[r * row_stride .. + cols], x) for r in [row_begin, row_end): one thread's
  // share of a matrix-vector product with F32 weights [rows, row_stride].
  void (*gemv_f32)(const float* w, std::size_t row_stride, std::size_t cols, const float* x,
                   std::size_t row_begin, std::size_t row_end, float* y) = nullptr;
  // x [n] F32 → n / 32 activation blocks: d = max|x| / 127, qs = round(x / d) (halves away
  // from zero), as gguf's Q8_0 but with an F32 scale. n must be a multiple of 32.
  void (*quantize_act_q8)(const float* x, std::size_t n, BlockQ8Act* out) = nullptr;
  // y = W x for weights in GGUF's block layouts (tensor/quant_blocks.h): the types
  // llama.cpp's common files (Q8_0, Q4_0, Q2_K, Q3_K_M, Q4_K_M, Q5_K_M, Q6_K, IQ4_NL) are
  // made of. quant_matmul() finds the entry for a dtype.
  QuantMatmulKernels q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, iq4_nl;
  // Rotary position embedding, in place, on x [n_tokens, n_heads, head_dim] (rows of
  // head_dim floats, contiguous): the first rotary_dim dimensions of every head of token t
  // are rotated by the angles positions[t] * inv_freq[i], i < rotary_dim / 2, computed in
  // F32 as Hugging Face computes them; then scaled by `mscale` (YaRN's attention factor, 1
  // otherwise). neox: pairs (i, i + rotary_dim / 2), HF's rotate_half (Llama, Qwen, NeoX
  // layout); otherwise pairs (2i, 2i + 1), the interleaved GPT-J / original Meta layout.
  void (*rope_f32)(float* x, std::size_t n_tokens, std::size_t n_heads, std::size_t head_dim,
                   std::size_t rotary_dim, const std::int32_t* positions, const float* inv_freq,
                   float mscale, bool neox) = nullptr;
  // As gemv_f32 with weights stored as IEEE half (F16) or bfloat16 (BF16) bits: the
  // safetensors checkpoints' own dtypes, read without converting them at load.
  void (*gemv_f16)(const std::uint16_t* w, std::size_t row_stride, std::size_t cols, const float* x,
                   std::size_t row_begin, std::size_t row_end, float* y) = nullptr;
  void (*gemv_bf16)(const std::uint16_t* w, std::size_t row_stride, std::size_t cols,
                    const float* x, std::size_t row_begin, std::size_t row_end, float* y) = nullptr;
  // Products of many tokens (prefill) with F32, F16 and BF16 weights; each weight is read
  // once per block of rows, not once per token.
  FloatGemm<float> gemm_f32 = nullptr;
  FloatGemm<std::uint16_t> gemm_f16 = nullptr;
  FloatGemm<std::uint16_t> gemm_bf16 = nullptr;
  // As gemm_f32 with W stored by columns: W[r][c] at w[c * row_stride + r]. Attention's
  // probabilities times its values (rows of positions) multiply this way, untransposed.
  FloatGemm<float> gemm_f32_by_columns = nullptr;
  PackedFloatMatmul packed_f32;
  // Attention for the work items [item_begin, item_end), item = token * n_kv_heads + kv_head
  // (n_tokens * n_kv_heads items; each covers the query heads sharing that KV head): one
  // thread's share. Online softmax over the key blocks (flash-attention style), so no
  // score matrix is ever materialised.
  void (*paged_attention_f32)(const PagedAttentionArgs& args, std::size_t item_begin,
                              std::size_t item_end) = nullptr;

  // The products for weights of `dtype`, or null where no kernel reads that type.
  const QuantMatmulKernels* quant_matmul(DType dtype) const;
};

// The installed table. Aborts (an internal invariant) if kernels::install() never ran.
const KernelTable& kernel_table();
// Whether kernels::install() has run (models built before it keep the stored layouts).
bool kernel_table_installed();

// True for the block types every kernel variant multiplies (those with a
// QuantMatmulKernels entry); needs no installed table, so models can be built before it.
bool has_quant_matmul(DType dtype);

// Installs `table` for the whole process; called by kernels::install at startup, before
// any model runs (not thread-safe with concurrent kernel_table() calls).
void set_kernel_table(const KernelTable& table);

}  // namespace hfserve::tensor
