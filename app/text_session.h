// What `hfserve generate` and `hfserve run` share: the sampling options of the command
// line, and a generation streamed to stdout as it comes.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/model_runtime.h"
#include "pipelines/text_generation.h"

namespace hfserve::app {

struct SamplingArgs {
  std::size_t max_tokens = 64;
  float temperature = 0;  // greedy
  std::optional<float> top_p;
  std::optional<std::int64_t> top_k;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;
  bool ignore_eos = false;
};

// Registers --max_tokens, --temperature, --top_p, --top_k, --seed, --stop, --ignore_eos.
void add_sampling_options(CLI::App* cmd, SamplingArgs& args);

// The model's sampling defaults overridden by the options.
void apply_sampling(const SamplingArgs& args, const pipelines::TextGenerator& generator,
                    pipelines::TextRequest& request);

// The runtime's generator; Error(kUnsupported) for an encoder model.
pipelines::TextGenerator& text_generator(pipelines::ModelRuntime& runtime);

// What a generation streamed to stdout produced, and how long it took.
struct StreamedText {
  std::string text;
  std::vector<std::int32_t> ids;  // generated, the one that ended it (EOS) included
  std::size_t prompt_tokens = 0;
  double first_token_seconds = 0;  // from submission: the prefill and the first sample
  double total_seconds = 0;
};

// Runs the request, writing its text to stdout as it arrives.
StreamedText stream_to_stdout(pipelines::TextGenerator& generator, pipelines::TextRequest request);

}  // namespace hfserve::app
