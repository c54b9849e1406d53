// `hfserve quantize INPUT.gguf OUTPUT.gguf --type Q8_0|Q4_0|Q4_K`: writes a quantised copy
// of a GGUF model (formats/quantize_gguf.h says which tensors are quantised).
#include "app/subcommand.h"

#include <memory>

#include <cstdio>

#include "formats/quantize_gguf.h"
#include "tensor/quantize.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

struct QuantizeOptions {
  std::string input;
  std::string output;
  std::string type = "Q8_0";
};

int run_quantize(const QuantizeOptions& options) {
  const tensor::DType target = *tensor::quantize_target(options.type);
  const formats::QuantizeReport report =
      formats::quantize_gguf(options.input, options.output, target);
  std::printf("%s: %zu tensors quantised to %s, %zu copied, %llu -> %llu bytes of weights\n",
              options.output.c_str(), report.quantised, options.type.c_str(), report.copied,
              static_cast<unsigned long long>(report.bytes_in),
              static_cast<unsigned long long>(report.bytes_out));
  return 0;
}

}  // namespace

Subcommand add_quantize_command(CLI::App& app) {
  auto options_ptr = std::make_shared<QuantizeOptions>();
  QuantizeOptions& options = *options_ptr;
  CLI::App* cmd = app.add_subcommand("quantize", "Write a quantised copy of a GGUF model");
  cmd->add_option("input", options.input, "GGUF file to read")->required();
  cmd->add_option("output", options.output, "GGUF file to write")->required();
  cmd->add_option("--type", options.type, "Target block type")
      ->check(CLI::IsMember({"Q8_0", "Q4_0", "Q4_K"}))
      ->capture_default_str();
  return {cmd, [options_ptr] { return run_quantize(*options_ptr); }};
}

}  // namespace hfserve::app
