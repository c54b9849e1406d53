// `hfserve generate MODEL (--prompt TEXT | --prompt-ids 1,2,3)`: runs one generation through
// the same engine and pipeline the server uses and prints the text as it comes (with
// --chat, the prompt is a user message rendered through the model's chat template; with
// --print-ids, also the generated ids as one JSON array on a last line). The prefill and
// decode speed go to stderr. Greedy unless --temperature says otherwise, so the output is
// the reference the server's greedy answers must equal. A model that carries no tokenizer
// runs with --prompt-ids and prints ids only.
#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "app/text_session.h"
#include "pipelines/chat_prompt.h"
#include "util/error.h"
#include "util/strings.h"

namespace hfserve::app {
namespace {

struct GenerateArgs {
  ModelArgs model;
  std::optional<std::string> prompt;
  std::optional<std::string> prompt_ids;
  bool chat = false;
  bool print_ids = false;
  SamplingArgs sampling;
};

// "1,2,3" (whitespace around each allowed) as ids of a vocabulary of `vocab` tokens.
std::vector<std::int32_t> parse_prompt_ids(const std::string& text, std::size_t vocab) {
  std::vector<std::int32_t> ids;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = strip_whitespace(std::string_view(text).substr(pos, end - pos));
    std::int64_t id = -1;
    const auto [last, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || last != item.data() + item.size() || id < 0 ||
        static_cast<std::size_t>(id) >= vocab) {
      throw Error(ErrorCode::kInvalidArgument, "--prompt-ids: \"" + item +
                                                   "\" is not a token id in [0, " +
                                                   std::to_string(vocab) + "); give them as 1,2,3");
    }
    ids.push_back(static_cast<std::int32_t>(id));
    pos = end + 1;
  }
  return ids;
}

void print_speed(const StreamedText& run) {
  const std::size_t decoded = run.ids.empty() ? 0 : run.ids.size() - 1;
  const double decode_seconds = run.total_seconds - run.first_token_seconds;
  std::fprintf(stderr,
               "prefill: %zu tokens in %.3f s (%.1f tokens/s); decode: %zu tokens in %.3f s "
               "(%.1f tokens/s)\n",
               run.prompt_tokens, run.first_token_seconds,
               run.first_token_seconds > 0 ? run.prompt_tokens / run.first_token_seconds : 0.0,
               decoded, decode_seconds,
               decoded > 0 && decode_seconds > 0 ? decoded / decode_seconds : 0.0);
}

int run_generate(GenerateArgs args) {
  if (args.prompt.has_value() == args.prompt_ids.has_value()) {
    throw Error(ErrorCode::kInvalidArgument,
                "give the prompt as --prompt TEXT or --prompt-ids 1,2,3");
  }
  if (args.prompt_ids && args.chat) {
    throw Error(ErrorCode::kInvalidArgument, "--chat takes --prompt TEXT, not --prompt-ids");
  }
  if (args.prompt_ids) args.model.tokenizer_need = pipelines::TokenizerNeed::kOptional;
  std::unique_ptr<pipelines::ModelRuntime> runtime = load_runtime(args.model);
  pipelines::TextGenerator& generator = text_generator(*runtime);
  pipelines::TextRequest request;
  if (args.prompt_ids) {
    request.prompts = {parse_prompt_ids(*args.prompt_ids, runtime->model.model->vocab_size())};
  } else if (args.chat) {
    pipelines::ChatPromptInputs inputs;
    inputs.messages =
        nlohmann::ordered_json::array({{{"role", "user"}, {"content", *args.prompt}}});
    request.prompts = {
        generator.encode(pipelines::render_chat_prompt(runtime->model, inputs), false)};
  } else {
    request.prompts = {generator.encode(*args.prompt, true)};
  }
  apply_sampling(args.sampling, generator, request);
  const StreamedText run = stream_to_stdout(generator, std::move(request));
  std::fputc('\n', stdout);
  if (args.print_ids || !generator.has_tokenizer()) {
    std::printf("%s\n", nlohmann::json(run.ids).dump().c_str());
  }
  print_speed(run);
  return 0;
}

}  // namespace

Subcommand add_generate_command(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate text from a prompt and print it");
  add_model_options(cmd, args->model, "");
  CLI::Option* prompt = cmd->add_option("--prompt", args->prompt, "The prompt text");
  cmd->add_option("--prompt-ids,--prompt_ids", args->prompt_ids,
                  "The prompt as token ids (1,2,3); the model needs no tokenizer then")
      ->excludes(prompt);
  cmd->add_flag("--chat", args->chat,
                "Send the prompt as a user message through the chat template");
  cmd->add_flag("--print-ids,--print_ids", args->print_ids,
                "Also print the generated ids as one JSON array on a last line");
  add_sampling_options(cmd, args->sampling);
  return {cmd, [args] { return run_generate(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
