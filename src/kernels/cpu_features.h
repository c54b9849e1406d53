// What the CPU we run on can execute, read once from CPUID and XGETBV (the OS must also
// save the wider registers, or the instructions fault). kernels::install uses it to pick
// the kernels; logs and benchmarks print it.
#pragma once

#include <string>

namespace hfserve::kernels {

struct CpuFeatures {
  bool avx2 = false;    // with FMA and F16C, as every AVX2 CPU since Haswell has them
  bool avx512 = false;  // F, BW, VL and DQ: the Skylake-X baseline
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  bool amx_int8 = false;  // tiles usable (OS state enabled); Linux still needs a permission
  bool amx_bf16 = false;

  // "avx2 fma f16c avx512 ..." — the flags that are set.
  std::string to_string() const;
};

// The features of this CPU (computed once, then cached). Thread-safe.
const CpuFeatures& cpu_features();

}  // namespace hfserve::kernels
