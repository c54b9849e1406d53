#include "kernels/cpu_features.h"

#include <cpuid.h>

#include <cstdint>

namespace hfserve::kernels {
namespace {

struct Registers {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

Registers cpuid(unsigned leaf, unsigned subleaf) {
  Registers r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return {};
  return r;
}

// XCR0: which register states the OS saves on a context switch.
std::uint64_t xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned value, int index) { return (value >> index) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  Registers leaf1 = cpuid(1, 0);
  bool osxsave = bit(leaf1.ecx, 27);
  if (!osxsave) return f;
  std::uint64_t xcr = xcr0();
  bool ymm_state = (xcr & 0x6) == 0x6;           // SSE and AVX state
  bool zmm_state = (xcr & 0xE6) == 0xE6;         // plus opmask, ZMM0-15 upper, ZMM16-31
  bool tile_state = (xcr & 0x60000) == 0x60000;  // XTILECFG and XTILEDATA

  Registers leaf7 = cpuid(7, 0);
  Registers leaf7_1 = cpuid(7, 1);
  bool fma = bit(leaf1.ecx, 12);
  bool f16c = bit(leaf1.ecx, 29);
  f.avx2 = ymm_state && bit(leaf7.ebx, 5) && fma && f16c;
  f.avx512 = f.avx2 && zmm_state && bit(leaf7.ebx, 16) /* F */ && bit(leaf7.ebx, 17) /* DQ */ &&
             bit(leaf7.ebx, 30) /* BW */ && bit(leaf7.ebx, 31) /* VL */;
  f.avx512_vnni = f.avx512 && bit(leaf7.ecx, 11);
  f.avx512_bf16 = f.avx512 && bit(leaf7_1.eax, 5);
  f.amx_int8 = tile_state && bit(leaf7.edx, 24) /* AMX-TILE */ && bit(leaf7.edx, 25);
  f.amx_bf16 = tile_state && bit(leaf7.edx, 24) && bit(leaf7.edx, 22);
  return f;
}

}  // namespace

std::string CpuFeatures::to_string() const {
  std::string out = "sse";
  if (avx2) out += " avx2 fma f16c";
  if (avx512) out += " avx512";
  if (avx512_vnni) out += " avx512_vnni";
  if (avx512_bf16) out += " avx512_bf16";
  if (amx_int8) out += " amx_int8";
  if (amx_bf16) out += " amx_bf16";
  return out;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace hfserve::kernels
