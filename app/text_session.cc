#include "app/text_session.h"

#include <chrono>
#include <cstdio>

#include "util/error.h"

namespace hfserve::app {

void add_sampling_options(CLI::App* cmd, SamplingArgs& args) {
  cmd->add_option("-n,--max_tokens", args.max_tokens, "Tokens to generate")->capture_default_str();
  cmd->add_option("--temperature,--temp", args.temperature, "0 is greedy")->capture_default_str();
  cmd->add_option("--top_p", args.top_p, "Nucleus sampling mass");
  cmd->add_option("--top_k", args.top_k, "Sample among the k most likely tokens");
  cmd->add_option("--seed", args.seed, "Seed for reproducible sampling");
  cmd->add_option("--stop", args.stop, "Stop strings");
  cmd->add_flag("--ignore_eos", args.ignore_eos, "Keep going past the end-of-sequence token");
}

void apply_sampling(const SamplingArgs& args, const pipelines::TextGenerator& generator,
                    pipelines::TextRequest& request) {
  request.sampling = generator.default_sampling();
  request.sampling.temperature = args.temperature;
  if (args.top_p) request.sampling.top_p = *args.top_p;
  if (args.top_k) request.sampling.top_k = *args.top_k;
  request.sampling.seed = args.seed;
  request.sampling.max_tokens = args.max_tokens;
  request.sampling.ignore_eos = args.ignore_eos;
  request.stop = args.stop;
}

pipelines::TextGenerator& text_generator(pipelines::ModelRuntime& runtime) {
  if (!runtime.generator) {
    throw Error(ErrorCode::kUnsupported,
                runtime.reference +
                    (runtime.seq2seq ? " is an encoder-decoder model: hfserve serve runs it "
                                       "(text2text on /v1/completions and KServe predict)"
                                     : " is an encoder model: it computes embeddings and scores "
                                       "(hfserve serve), it does not generate text"));
  }
  return *runtime.generator;
}

StreamedText stream_to_stdout(pipelines::TextGenerator& generator, pipelines::TextRequest request) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  std::unique_ptr<pipelines::Generation> generation = generator.start(std::move(request));
  std::vector<pipelines::ChoiceDelta> deltas;
  StreamedText out;
  while (generation->next(deltas)) {
    for (const pipelines::ChoiceDelta& delta : deltas) {
      if (out.ids.empty() && !delta.tokens.empty()) out.first_token_seconds = seconds_since(start);
      for (const engine::SampledToken& token : delta.tokens) out.ids.push_back(token.token);
      std::fwrite(delta.text.data(), 1, delta.text.size(), stdout);
      out.text += delta.text;
    }
    std::fflush(stdout);
    deltas.clear();
  }
  out.total_seconds = seconds_since(start);
  out.prompt_tokens = generation->prompt_tokens();
  return out;
}

}  // namespace hfserve::app
