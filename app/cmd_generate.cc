// `hfserve generate MODEL --prompt TEXT`: runs one generation through the same engine and
// pipeline the server uses and prints the text as it comes (with --chat, the prompt is a
// user message rendered through the model's chat template). Greedy unless --temperature
// says otherwise, so the output is the reference the server's greedy answers must equal.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "pipelines/chat_prompt.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

struct GenerateArgs {
  ModelArgs model;
  std::string prompt;
  bool chat = false;
  std::size_t max_tokens = 64;
  float temperature = 0;
  std::optional<float> top_p;
  std::optional<std::int64_t> top_k;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;
  bool ignore_eos = false;
};

int run_generate(const GenerateArgs& args) {
  std::unique_ptr<ModelRuntime> runtime = load_runtime(args.model);
  if (!runtime->generator) {
    throw Error(ErrorCode::kUnsupported,
                runtime->reference +
                    " is an encoder model: it computes embeddings and scores (hfserve serve), "
                    "it does not generate text");
  }
  pipelines::TextGenerator& generator = *runtime->generator;
  pipelines::TextRequest request;
  if (args.chat) {
    pipelines::ChatPromptInputs inputs;
    inputs.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", args.prompt}}});
    request.prompt = generator.encode(pipelines::render_chat_prompt(runtime->model, inputs), false);
  } else {
    request.prompt = generator.encode(args.prompt, true);
  }
  request.sampling = generator.default_sampling();
  request.sampling.temperature = args.temperature;
  if (args.top_p) request.sampling.top_p = *args.top_p;
  if (args.top_k) request.sampling.top_k = *args.top_k;
  request.sampling.seed = args.seed;
  request.sampling.max_tokens = args.max_tokens;
  request.sampling.ignore_eos = args.ignore_eos;
  request.stop = args.stop;
  std::unique_ptr<pipelines::Generation> generation = generator.start(std::move(request));
  std::vector<pipelines::ChoiceDelta> deltas;
  while (generation->next(deltas)) {
    for (const pipelines::ChoiceDelta& delta : deltas) {
      std::fwrite(delta.text.data(), 1, delta.text.size(), stdout);
    }
    std::fflush(stdout);
    deltas.clear();
  }
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

Subcommand add_generate_command(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate text from a prompt and print it");
  add_model_options(cmd, args->model, "");
  cmd->add_option("--prompt", args->prompt, "The prompt text")->required();
  cmd->add_flag("--chat", args->chat,
                "Send the prompt as a user message through the chat template");
  cmd->add_option("--max_tokens", args->max_tokens, "Tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", args->temperature, "0 is greedy")->capture_default_str();
  cmd->add_option("--top_p", args->top_p, "Nucleus sampling mass");
  cmd->add_option("--top_k", args->top_k, "Sample among the k most likely tokens");
  cmd->add_option("--seed", args->seed, "Seed for reproducible sampling");
  cmd->add_option("--stop", args->stop, "Stop strings");
  cmd->add_flag("--ignore_eos", args->ignore_eos, "Keep going past the end-of-sequence token");
  return {cmd, [args] { return run_generate(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
