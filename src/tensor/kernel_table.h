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

namespace hfserve::tensor {

struct KernelTable {
  // The instruction set these kernels use, e.g. "avx2"; shown in logs and benchmarks.
  const char* isa = nullptr;

  // out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i], for i < n. out may alias x.
  void (*rms_norm_f32)(const float* x, const float* weight, float eps, std::size_t n,
                       float* out) = nullptr;
  // x[i] = exp(x[i] - max) / sum, in place, for i < n (n >= 1).
  void (*softmax_f32)(float* x, std::size_t n) = nullptr;
  // out[i] = silu(gate[i]) * up[i] (the SwiGLU feed-forward's middle). out may alias gate.
  void (*silu_mul_f32)(const float* gate, const float* up, std::size_t n, float* out) = nullptr;
  // out[i] = a[i] + b[i]. out may alias a or b.
  void (*add_f32)(const float* a, const float* b, std::size_t n, float* out) = nullptr;
  // y[r] = dot(w[r * row_stride .. + cols], x) for r in [row_begin, row_end): one thread's
  // share of a matrix-vector product with F32 weights [rows, row_stride].
  void (*gemv_f32)(const float* w, std::size_t row_stride, std::size_t cols, const float* x,
                   std::size_t row_begin, std::size_t row_end, float* y) = nullptr;
};

// The installed table. Aborts (an internal invariant) if kernels::install() never ran.
const KernelTable& kernel_table();

// Installs `table` for the whole process; called by kernels::install at startup, before
// any model runs (not thread-safe with concurrent kernel_table() calls).
void set_kernel_table(const KernelTable& table);

}  // namespace hfserve::tensor
