// `hfserve perplexity MODEL --file TEXT [--ctx N]`: the model's perplexity over a text, as
// llama.cpp's perplexity tool computes and prints it (pipelines/perplexity.h): how a user
// checks what a quantisation costs.
#include <cstdio>
#include <memory>
#include <string>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "app/text_session.h"
#include "pipelines/perplexity.h"
#include "util/file_text.h"

namespace hfserve::app {
namespace {

struct PerplexityArgs {
  ModelArgs model;
  std::string file;
  std::size_t ctx = 512;
  std::size_t chunks = 0;  // 0: all
};

int run_perplexity(const PerplexityArgs& args) {
  const std::string text = read_file_text(args.file);
  std::unique_ptr<pipelines::ModelRuntime> runtime = load_runtime(args.model);
  pipelines::TextGenerator& generator = text_generator(*runtime);
  const std::vector<std::int32_t> tokens = generator.encode(text, true);
  // The tokenizer's own BOS (when it adds one) starts every window, as in llama.cpp.
  std::optional<std::int32_t> bos;
  const auto& config = runtime->model.config;
  if (config.bos_token_id && !tokens.empty() && tokens.front() == *config.bos_token_id) {
    bos = static_cast<std::int32_t>(*config.bos_token_id);
  }
  std::fprintf(stderr, "%zu tokens, %zu windows of %zu\n", tokens.size(), tokens.size() / args.ctx,
               args.ctx);
  ThreadPool pool(args.model.threads);
  const pipelines::PerplexityResult result =
      pipelines::perplexity(*runtime->model.model, tokens, args.ctx, bos, pool, args.chunks,
                            [](std::size_t i, double estimate) {
                              std::printf("[%zu]%.4f,", i + 1, estimate);
                              std::fflush(stdout);
                            });
  std::printf("\nFinal estimate: PPL = %.4f (%zu windows, %zu tokens scored)\n", result.perplexity,
              result.windows, result.scored_tokens);
  return 0;
}

}  // namespace

Subcommand add_perplexity_command(CLI::App& app) {
  auto args = std::make_shared<PerplexityArgs>();
  CLI::App* cmd = app.add_subcommand("perplexity", "Perplexity of a model over a text file");
  add_model_options(cmd, args->model, "");
  cmd->add_option("--file,-f", args->file, "The text")->required();
  cmd->add_option("--ctx,-c", args->ctx, "Tokens per window (half of each is scored)")
      ->capture_default_str();
  cmd->add_option("--chunks", args->chunks, "Score at most this many windows (0: all)")
      ->capture_default_str();
  return {cmd, [args] { return run_perplexity(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
