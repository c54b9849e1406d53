// `hfserve generate MODEL --prompt TEXT`: runs one generation through the same engine and
// pipeline the server uses and prints the text as it comes (with --chat, the prompt is a
// user message rendered through the model's chat template). Greedy unless --temperature
// says otherwise, so the output is the reference the server's greedy answers must equal.
#include <cstdio>
#include <memory>
#include <string>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "app/text_session.h"
#include "pipelines/chat_prompt.h"

namespace hfserve::app {
namespace {

struct GenerateArgs {
  ModelArgs model;
  std::string prompt;
  bool chat = false;
  SamplingArgs sampling;
};

int run_generate(const GenerateArgs& args) {
  std::unique_ptr<pipelines::ModelRuntime> runtime = load_runtime(args.model);
  pipelines::TextGenerator& generator = text_generator(*runtime);
  pipelines::TextRequest request;
  if (args.chat) {
    pipelines::ChatPromptInputs inputs;
    inputs.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", args.prompt}}});
    request.prompts = {
        generator.encode(pipelines::render_chat_prompt(runtime->model, inputs), false)};
  } else {
    request.prompts = {generator.encode(args.prompt, true)};
  }
  apply_sampling(args.sampling, generator, request);
  stream_to_stdout(generator, std::move(request));
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
  add_sampling_options(cmd, args->sampling);
  return {cmd, [args] { return run_generate(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
