// Chat templates: parse a Jinja chat template once, render it many times, byte-identical
// to what transformers' apply_chat_template renders (jinja2 in HF's sandboxed environment,
// with HF's tojson, raise_exception and strftime_now).
//
//   chat::Template tmpl(source);                   // throws TemplateError(kSyntax) on bad input
//   chat::ChatInputs in;
//   in.messages = nlohmann::ordered_json::parse(R"([{"role":"user","content":"hi"}])");
//   in.add_generation_prompt = true;
//   std::string prompt = chat::render_chat(tmpl, in);
//
// A Template is immutable after construction: any number of threads may render it at
// once. Templates are untrusted; RenderLimits bounds loop iterations, macro recursion and
// output size, and a template has no access to files or the environment.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/interpreter.h"
#include "chat/template_error.h"

namespace hfserve::chat {

struct RenderOptions {
  RenderLimits limits;
  // What strftime_now() formats, as a UTC wall-clock time; the local clock when empty.
  // Tests fix it so that renders are deterministic.
  std::optional<std::chrono::system_clock::time_point> now;
};

class Template {
 public:
  // Parses `source`; throws TemplateError (kSyntax, or kLimit for absurd nesting).
  explicit Template(std::string_view source);

  // Renders with the variables of `context`, a JSON object (its keys become names).
  std::string render(const nlohmann::ordered_json& context,
                     const RenderOptions& options = {}) const;
  // The same with variables that are already template values (no JSON copy).
  std::string render(std::vector<std::pair<std::string, Value>> variables,
                     const RenderOptions& options = {}) const;

 private:
  std::shared_ptr<const Body> body_;
};

// What apply_chat_template hands the template.
struct ChatInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  std::optional<nlohmann::ordered_json> tools;      // `tools`, None when absent
  std::optional<nlohmann::ordered_json> documents;  // `documents`, None when absent
  bool add_generation_prompt = false;
  // The prompt ends inside the final message, at the end of its text, without the markup
  // that closes the turn, so that the model continues it (an assistant prefill).
  // transformers refuses it together with add_generation_prompt, and so does render_chat.
  bool continue_final_message = false;
  // bos_token, eos_token, ... as HF's special_tokens_map gives them (strings).
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();
  // Extra keyword arguments (chat_template_kwargs, e.g. enable_thinking); they override
  // special tokens of the same name, as in transformers.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// Renders `inputs` as apply_chat_template does. Besides what rendering throws, throws
// TemplateError(kType) where transformers raises a ValueError for continue_final_message:
// combined with add_generation_prompt, no messages or no text in the final one, or a
// template that drops that text.
std::string render_chat(const Template& tmpl, const ChatInputs& inputs,
                        const RenderOptions& options = {});

// A JSON value as a template value (objects keep their key order).
Value value_from_json(const nlohmann::ordered_json& json);

}  // namespace hfserve::chat
