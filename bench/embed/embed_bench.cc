// hfserve's side of bench/embed: one encoder folder's forward pass, as the encoder runner
// runs it, on `batch` sequences of `tokens` random ids each (one flat batch, no padding),
// with F32 weights or quantised at load. Prints one JSON line: sentences/s for each
// batch size asked. embed_bench.py runs it beside ONNX Runtime and CTranslate2.
//
// Usage: bench_embed FOLDER [--quantization Q8_0|Q4_0] [--tokens 128] [--batches 1,32]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/common/timing.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "kernels/install.h"
#include "models/registry.h"
#include "util/error.h"
#include "util/heap_reuse.h"
#include "util/thread_pool.h"

int main(int argc, char** argv) {
  using namespace hfserve;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: bench_embed FOLDER [--quantization Q8_0|Q4_0] [--tokens N] "
                 "[--batches 1,32]\n");
    return 2;
  }
  const std::string folder = argv[1];
  models::LoadOptions options;
  std::size_t tokens = 128;
  std::vector<std::size_t> batches = {1, 32};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--quantization") {
      options.quantization = value == "Q4_0" ? tensor::DType::kQ4_0 : tensor::DType::kQ8_0;
    } else if (flag == "--tokens") {
      tokens = std::stoul(value);
    } else if (flag == "--batches") {
      batches.clear();
      for (std::size_t at = 0; at < value.size();) {
        const std::size_t comma = value.find(',', at);
        batches.push_back(std::stoul(value.substr(at, comma - at)));
        at = comma == std::string::npos ? value.size() : comma + 1;
      }
    }
  }
  try {
    const kernels::Isa isa = kernels::install();
    keep_freed_memory();  // as hfserve's model loading sets it
    const formats::ModelConfig config = formats::load_model_config(folder);
    const auto weights = formats::open_safetensors(folder);
    const auto model = models::build_encoder(config, *weights, options);
    ThreadPool pool(0);
    std::mt19937 rng(0);
    std::uniform_int_distribution<std::int32_t> id(
        1000, static_cast<std::int32_t>(config.vocab_size) - 1);
    std::printf("{\"isa\": \"%s\", \"threads\": %zu, \"quantization\": \"%s\"",
                std::string(kernels::isa_name(isa)).c_str(), pool.num_threads(),
                options.quantization
                    ? std::string(tensor::dtype_name(*options.quantization)).c_str()
                    : "F32");
    for (std::size_t batch : batches) {
      std::vector<std::int32_t> ids(batch * tokens);
      for (std::int32_t& v : ids) v = id(rng);
      std::vector<models::EncoderSequence> sequences;
      for (std::size_t s = 0; s < batch; ++s) sequences.push_back({s * tokens, tokens});
      models::EncoderBatch input;
      input.tokens = ids;
      input.sequences = sequences;
      models::EncoderOutput out;
      const int reps = batch == 1 ? 20 : 3;
      const double seconds = bench::best_seconds(reps, [&] { model->forward(input, pool, out); });
      std::printf(", \"batch_%zu\": %.2f", batch, static_cast<double>(batch) / seconds);
    }
    std::printf("}\n");
  } catch (const Error& error) {
    std::fprintf(stderr, "bench_embed: %s\n", error.what());
    return 1;
  }
  return 0;
}
