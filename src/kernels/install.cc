#include "kernels/install.h"

#include <string>

#include "kernels/cpu_features.h"
#include "kernels/variants.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::kernels {

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx512Vnni:
      return "avx512vnni";
  }
  return "scalar";
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni}) {
    if (name == isa_name(isa)) return isa;
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown kernel variant '" + std::string(name) +
                                               "': use scalar, avx2, avx512 or avx512vnni");
}

std::vector<Isa> supported_isas() {
  const CpuFeatures& cpu = cpu_features();
  std::vector<Isa> isas{Isa::kScalar};
  if (cpu.avx2) isas.push_back(Isa::kAvx2);
  if (cpu.avx512) isas.push_back(Isa::kAvx512);
  if (cpu.avx512 && cpu.avx512_vnni) isas.push_back(Isa::kAvx512Vnni);
  return isas;
}

tensor::KernelTable table_for(Isa isa) {
  std::vector<Isa> supported = supported_isas();
  bool ok = false;
  std::string names;
  for (Isa s : supported) {
    ok = ok || s == isa;
    names += (names.empty() ? "" : ", ") + std::string(isa_name(s));
  }
  if (!ok) {
    throw Error(ErrorCode::kUnsupported, "this CPU cannot run the " + std::string(isa_name(isa)) +
                                             " kernels; it can run: " + names);
  }
  tensor::KernelTable table;
  table.isa = isa_name(isa).data();
  detail::add_f32_ops_scalar(table);
  detail::add_float_matmul_scalar(table);
  detail::add_quant_ops_scalar(table);
  if (isa == Isa::kScalar) return table;
  detail::add_f32_ops_avx2(table);
  detail::add_quant_ops_avx2(table);
  if (isa == Isa::kAvx2) return table;
  detail::add_f32_ops_avx512(table);
  if (isa == Isa::kAvx512) return table;
  detail::add_quant_ops_avx512vnni(table);
  detail::add_packed_quant_avx512vnni(table);
  return table;
}

Isa install(std::optional<Isa> forced) {
  Isa isa = forced ? *forced : supported_isas().back();
  tensor::set_kernel_table(table_for(isa));
  log::info("kernels: {} (CPU: {})", isa_name(isa), cpu_features().to_string());
  return isa;
}

}  // namespace hfserve::kernels
