// `hfserve inspect MODEL`: what a model folder (config.json + safetensors) or GGUF file
// holds: architecture and sizes, parameter count, tensors per dtype, files and their
// sizes, and the memory the weights take (mapped, so that is what the page cache holds).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace hfserve::app {

struct InspectOptions {
  std::string model;
};

CLI::App* add_inspect_command(CLI::App& app, InspectOptions& options);

// Prints to stdout; throws hfserve::Error for a model it cannot read.
int run_inspect(const InspectOptions& options);

}  // namespace hfserve::app
