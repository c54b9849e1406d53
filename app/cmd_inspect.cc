// `hfserve inspect MODEL`: what a model folder (config.json + safetensors) or GGUF file
// holds: architecture and sizes, parameter count, tensors per dtype, files and their
// sizes, and the memory the weights take (mapped, so that is what the page cache holds).
#include "app/subcommand.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "formats/gguf.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

struct InspectOptions {
  std::string model;
};

namespace fs = std::filesystem;

struct DTypeTotals {
  std::size_t tensors = 0;
  std::uint64_t parameters = 0;
  std::uint64_t bytes = 0;
};

void print_config(const formats::ModelConfig& c) {
  std::printf("architecture: %s (model_type %s)\n", c.architecture.c_str(), c.model_type.c_str());
  std::printf(
      "layers: %lld, hidden: %lld, intermediate: %lld, heads: %lld, kv heads: %lld, head dim: "
      "%lld\n",
      static_cast<long long>(c.num_hidden_layers), static_cast<long long>(c.hidden_size),
      static_cast<long long>(c.intermediate_size), static_cast<long long>(c.num_attention_heads),
      static_cast<long long>(c.num_key_value_heads), static_cast<long long>(c.head_dim));
  std::printf("vocab: %lld, context: %lld, rope theta: %g, tied embeddings: %s\n",
              static_cast<long long>(c.vocab_size),
              static_cast<long long>(c.max_position_embeddings), c.rope_theta,
              c.tie_word_embeddings ? "yes" : "no");
}

int run_inspect(const InspectOptions& options) {
  std::unique_ptr<formats::WeightSource> weights;
  if (options.model.ends_with(".gguf")) {
    formats::GgufFile file(options.model);
    print_config(formats::model_config_from_gguf(file.header(), file.path()));
    weights = formats::open_gguf_weights(options.model);
  } else {
    print_config(formats::load_model_config(options.model));
    weights = formats::open_safetensors(options.model);
  }
  std::map<std::string, DTypeTotals> by_dtype;
  std::uint64_t parameters = 0;
  std::uint64_t bytes = 0;
  const std::vector<std::string> names = weights->names();
  for (const std::string& name : names) {
    const tensor::TensorView view = weights->get(name);
    DTypeTotals& totals = by_dtype[std::string(tensor::dtype_name(view.dtype))];
    ++totals.tensors;
    totals.parameters += view.num_elements();
    totals.bytes += view.num_bytes();
    parameters += view.num_elements();
    bytes += view.num_bytes();
  }
  std::printf("format: %s\n", std::string(weights->format()).c_str());
  std::uint64_t file_bytes = 0;
  for (const std::string& file : weights->files()) {
    const std::uint64_t size = fs::file_size(file);
    file_bytes += size;
    std::printf("file: %s (%llu bytes)\n", file.c_str(), static_cast<unsigned long long>(size));
  }
  std::printf("tensors: %zu\n", names.size());
  std::printf("parameters: %llu\n", static_cast<unsigned long long>(parameters));
  for (const auto& [dtype, totals] : by_dtype) {
    std::printf("  %s: %zu tensors, %llu parameters, %llu bytes\n", dtype.c_str(), totals.tensors,
                static_cast<unsigned long long>(totals.parameters),
                static_cast<unsigned long long>(totals.bytes));
  }
  std::printf("weights memory: %llu bytes (%.1f MiB, memory-mapped from %llu bytes of files)\n",
              static_cast<unsigned long long>(bytes), static_cast<double>(bytes) / (1 << 20),
              static_cast<unsigned long long>(file_bytes));
  return 0;
}

}  // namespace

Subcommand add_inspect_command(CLI::App& app) {
  auto options_ptr = std::make_shared<InspectOptions>();
  InspectOptions& options = *options_ptr;
  CLI::App* cmd = app.add_subcommand("inspect", "Describe a model folder or GGUF file");
  cmd->add_option("model", options.model, "Folder with config.json + safetensors, or a .gguf file")
      ->required();
  return {cmd, [options_ptr] { return run_inspect(*options_ptr); }};
}

}  // namespace hfserve::app
