// Fuzz target: parse any byte string as a chat template and render it over a conversation
// with tools, under tight limits, plainly and with continue_final_message. Any hfserve::Error is an
// accepted outcome; a crash, a sanitizer report, a hang or another exception type is a bug. Built
// as a libFuzzer target with clang (-fsanitize=fuzzer) and, under gcc, linked with
// replay_driver.cc.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chat/template.h"
#include "util/error.h"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json value = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Hi 🤗 \u3000 ünïcode"},
      {"role": "assistant", "content": null, "tool_calls": [{"type": "function",
        "function": {"name": "f", "arguments": {"a": 1, "b": [1.5, true, null]}}}]},
      {"role": "tool", "name": "f", "content": "{\"ok\": true}"},
      {"role": "user", "content": [{"type": "text", "text": "part"}]}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
      "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}],
    "documents": null, "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
    "enable_thinking": false
  })");
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  hfserve::chat::RenderOptions options;
  options.limits.max_loop_iterations = 20000;
  options.limits.max_call_depth = 20;
  options.limits.max_output_bytes = 1 << 20;
  options.now = std::chrono::system_clock::time_point();
  try {
    hfserve::chat::Template tmpl(source);
    std::string out = tmpl.render(context(), options);
    (void)out;
    // The same template as apply_chat_template's continue_final_message runs it: the
    // render is cut where the final message's text ends, wherever the template put it.
    hfserve::chat::ChatInputs inputs;
    inputs.messages = context()["messages"];
    inputs.tools = context()["tools"];
    inputs.continue_final_message = true;
    out = hfserve::chat::render_chat(tmpl, inputs, options);
  } catch (const hfserve::Error&) {
  }
  return 0;
}
