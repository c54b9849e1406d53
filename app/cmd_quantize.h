// `hfserve quantize INPUT.gguf OUTPUT.gguf --type Q8_0|Q4_0|Q4_K`: writes a quantised copy
// of a GGUF model (formats/quantize_gguf.h says which tensors are quantised).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace hfserve::app {

struct QuantizeOptions {
  std::string input;
  std::string output;
  std::string type = "Q8_0";
};

CLI::App* add_quantize_command(CLI::App& app, QuantizeOptions& options);

// Throws hfserve::Error for an unreadable input or an unwritable output.
int run_quantize(const QuantizeOptions& options);

}  // namespace hfserve::app
