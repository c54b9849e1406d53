// Choosing and installing the kernels: the one place that maps what the CPU can do
// (cpu_features) to the implementations in this folder and puts them into tensor's
// dispatch table. Called once at startup by app/ (and by tests and benchmarks).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tensor/kernel_table.h"

namespace hfserve::kernels {

// The kernel variants, each a superset of the one before (an op a variant does not
// specialise comes from the variant below it).
enum class Isa { kScalar, kAvx2, kAvx512, kAvx512Vnni };

std::string_view isa_name(Isa isa);
// "scalar", "avx2" or "avx512" → Isa; throws Error(kInvalidArgument) naming the choices.
Isa parse_isa(std::string_view name);

// The variants this CPU can run, lowest first (always starts with kScalar).
std::vector<Isa> supported_isas();

// The complete table of one variant. Throws Error(kUnsupported) when this CPU cannot run
// it, naming what it can run.
tensor::KernelTable table_for(Isa isa);

// Installs the table of `forced`, or of the best variant this CPU supports; returns the
// variant installed.
Isa install(std::optional<Isa> forced = std::nullopt);

}  // namespace hfserve::kernels
