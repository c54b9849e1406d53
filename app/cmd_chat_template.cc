// `hfserve chat-template`: renders a model's chat template for a conversation and prints
// the prompt and nothing else, so it can be diffed against transformers' output.
#include "app/subcommand.h"

#include <memory>

#include <cstdio>

#include "app/model_files.h"
#include "chat/model_template.h"
#include "chat/template.h"
#include "pipelines/gguf_chat_template.h"
#include "util/error.h"
#include "util/file_text.h"

namespace hfserve::app {
namespace {

struct ChatTemplateOptions {
  std::string model;          // a model reference, folder or GGUF file (model_files.h)
  std::string messages_file;  // JSON array of messages, or an OpenAI-style chat request
  std::string tools_file;     // JSON array of tools
  std::string template_file;  // renders this template instead of the model's
  bool add_generation_prompt = false;
  bool continue_final_message = false;
  std::vector<std::string> vars;  // KEY=JSON extra template variables
};

using Json = nlohmann::ordered_json;

// The templates and special tokens of what MODEL names: a model folder, a GGUF file, or a
// Hub reference (cached, else pulled).
chat::ModelTemplates load_model(const std::string& model, bool require_template) {
  const ModelFiles files = locate_model_files(model);
  if (files.gguf) return pipelines::load_gguf_chat_templates(*files.gguf, require_template);
  return chat::load_model_templates(files.dir, require_template);
}

int run_chat_template(const ChatTemplateOptions& options) {
  if (options.model.empty() && options.template_file.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "chat-template needs a MODEL or --template FILE");
  }
  chat::ChatInputs inputs;
  inputs.add_generation_prompt = options.add_generation_prompt;
  inputs.continue_final_message = options.continue_final_message;
  Json request = chat::read_json_file(options.messages_file);
  if (request.is_array()) {
    inputs.messages = request;
  } else if (request.is_object() && request.contains("messages")) {
    inputs.messages = request["messages"];
    if (request.contains("tools") && !request["tools"].is_null()) inputs.tools = request["tools"];
    if (request.contains("documents")) inputs.documents = request["documents"];
    if (request.contains("chat_template_kwargs")) {
      if (!request["chat_template_kwargs"].is_object()) {
        throw Error(ErrorCode::kInvalidArgument,
                    options.messages_file + ": chat_template_kwargs must be an object");
      }
      inputs.extra = request["chat_template_kwargs"];
    }
  } else {
    throw Error(
        ErrorCode::kInvalidArgument,
        options.messages_file + ": expected an array of messages or an object with \"messages\"");
  }
  if (!inputs.messages.is_array()) {
    throw Error(ErrorCode::kInvalidArgument, options.messages_file + ": messages must be an array");
  }
  if (!options.tools_file.empty()) {
    Json tools = chat::read_json_file(options.tools_file);
    if (!tools.is_array()) {
      throw Error(ErrorCode::kInvalidArgument, options.tools_file + ": expected an array of tools");
    }
    inputs.tools = tools;
  }
  for (const std::string& var : options.vars) {
    std::size_t eq = var.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorCode::kInvalidArgument, "--var '" + var + "': expected KEY=JSON");
    }
    try {
      inputs.extra[var.substr(0, eq)] = Json::parse(var.substr(eq + 1));
    } catch (const nlohmann::json::parse_error& error) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--var '" + var + "': the value is not JSON (" + error.what() + ")");
    }
  }
  std::string source;
  if (!options.template_file.empty()) {
    source = read_file_text(options.template_file);
    if (!options.model.empty())
      inputs.special_tokens = load_model(options.model, false).special_tokens;
  } else {
    chat::ModelTemplates model = load_model(options.model, true);
    source = model.select(inputs.tools.has_value());
    inputs.special_tokens = model.special_tokens;
  }
  std::string prompt = chat::render_chat(chat::Template(source), inputs);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

Subcommand add_chat_template_command(CLI::App& app) {
  auto options_ptr = std::make_shared<ChatTemplateOptions>();
  ChatTemplateOptions& options = *options_ptr;
  CLI::App* cmd = app.add_subcommand(
      "chat-template", "Render a model's chat template for a conversation and print the prompt");
  cmd->add_option("model", options.model,
                  "org/name[@revision][:QUANT], a folder with tokenizer_config.json and/or "
                  "chat_template.jinja, or a .gguf file");
  cmd->add_option("--messages", options.messages_file,
                  "JSON file: an array of messages, or a chat request with messages and tools")
      ->required();
  cmd->add_option("--tools", options.tools_file, "JSON file holding an array of tools");
  cmd->add_flag("--add-generation-prompt", options.add_generation_prompt,
                "End the prompt with the start of an assistant turn");
  cmd->add_flag("--continue-final-message", options.continue_final_message,
                "End the prompt inside the final message, for the model to continue it");
  cmd->add_option("--template", options.template_file,
                  "Render this template file instead of the model's");
  cmd->add_option("--var", options.vars, "Extra template variable KEY=JSON (repeatable)");
  return {cmd, [options_ptr] { return run_chat_template(*options_ptr); }};
}

}  // namespace hfserve::app
