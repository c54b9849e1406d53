// `hfserve chat-template`: renders a model's chat template for a conversation and prints
// the prompt and nothing else, so it can be diffed against transformers' output.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hfserve::app {

struct ChatTemplateOptions {
  std::string model;          // a folder with tokenizer_config.json and/or chat_template.jinja
  std::string messages_file;  // JSON array of messages, or an OpenAI-style chat request
  std::string tools_file;     // JSON array of tools
  std::string template_file;  // renders this template instead of the model's
  bool add_generation_prompt = false;
  std::vector<std::string> vars;  // KEY=JSON extra template variables
};

// Declares the subcommand and its flags on `app`, filling `options` when parsed.
CLI::App* add_chat_template_command(CLI::App& app, ChatTemplateOptions& options);

// Renders and writes the prompt to stdout; throws hfserve::Error on bad input.
int run_chat_template(const ChatTemplateOptions& options);

}  // namespace hfserve::app
