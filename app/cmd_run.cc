// `hfserve run MODEL`: a chat in the terminal, as `ollama run` gives: each line typed is a
// user message, the reply streams as it is generated, and the conversation so far goes
// through the model's chat template every turn. /bye (or end of input) quits, /clear
// forgets the conversation; a message may span lines between """ and """. Without a
// terminal on stdin (a pipe) it prints no prompt, so a script can drive it.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app/model_runtime.h"
#include "app/subcommand.h"
#include "app/text_session.h"
#include "pipelines/chat_prompt.h"
#include "util/error.h"
#include "util/strings.h"

namespace hfserve::app {
namespace {

constexpr const char* kHelp =
    "  /bye      quit (or end of input)\n"
    "  /clear    forget the conversation\n"
    "  /?        this help\n"
    "  \"\"\"       start or end a message of several lines\n";

struct RunArgs {
  ModelArgs model;
  std::string system;
  SamplingArgs sampling;
};

// The next message typed, or false at the end of input. A line starting with """ opens a
// message that ends at a line ending with """.
bool read_message(bool interactive, std::string& message) {
  if (interactive) std::fputs(">>> ", stdout), std::fflush(stdout);
  std::string line;
  if (!std::getline(std::cin, line)) return false;
  if (line.rfind("\"\"\"", 0) != 0) {
    message = line;
    return true;
  }
  message = line.substr(3);
  for (;;) {
    const std::size_t end = message.rfind("\"\"\"");
    if (end != std::string::npos && end + 3 == message.size()) {
      message.resize(end);
      return true;
    }
    if (interactive) std::fputs("... ", stdout), std::fflush(stdout);
    if (!std::getline(std::cin, line)) return true;
    message += "\n" + line;
  }
}

int run_chat(const RunArgs& args) {
  std::unique_ptr<pipelines::ModelRuntime> runtime = load_runtime(args.model);
  pipelines::TextGenerator& generator = text_generator(*runtime);
  if (runtime->model.templates.templates.empty()) {
    throw Error(ErrorCode::kUnsupported, runtime->reference +
                                             " has no chat template: use `hfserve generate "
                                             "--prompt` for plain text completion");
  }
  const bool interactive = isatty(STDIN_FILENO) != 0;
  if (interactive) std::printf("%s ready. Type /? for help.\n", runtime->reference.c_str());
  auto fresh = [&] {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!args.system.empty()) messages.push_back({{"role", "system"}, {"content", args.system}});
    return messages;
  };
  nlohmann::ordered_json messages = fresh();
  std::string message;
  while (read_message(interactive, message)) {
    const std::string command = strip_whitespace(message);
    if (command.empty()) continue;
    if (command == "/bye") break;
    if (command == "/clear") {
      messages = fresh();
      if (interactive) std::printf("Cleared the conversation.\n");
      continue;
    }
    if (command == "/?" || command == "/help") {
      std::fputs(kHelp, stdout);
      continue;
    }
    messages.push_back({{"role", "user"}, {"content", message}});
    pipelines::ChatPromptInputs inputs;
    inputs.messages = messages;
    try {
      pipelines::TextRequest request;
      request.prompts = {
          generator.encode(pipelines::render_chat_prompt(runtime->model, inputs), false)};
      apply_sampling(args.sampling, generator, request);
      const std::string reply = stream_to_stdout(generator, std::move(request)).text;
      std::fputs("\n\n", stdout);
      messages.push_back({{"role", "assistant"}, {"content", reply}});
    } catch (const Error& error) {
      // The turn is dropped and the conversation goes on (a too long one: /clear).
      messages.erase(messages.size() - 1);
      std::fprintf(stderr, "error: %s\n", error.message().c_str());
    }
  }
  return 0;
}

}  // namespace

Subcommand add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  args->sampling.max_tokens = 1024;
  CLI::App* cmd = app.add_subcommand("run", "Chat with a model in the terminal");
  add_model_options(cmd, args->model, kDemoModel);
  cmd->add_option("--system", args->system, "A system message that starts the conversation");
  add_sampling_options(cmd, args->sampling);
  return {cmd, [args] { return run_chat(*args); },
          [args](const AppliedConfig& config) { note_config(config, args->model); }};
}

}  // namespace hfserve::app
