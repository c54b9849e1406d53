// The shared golden renders (../shared/testdata/golden/chat_template_golden.json, made with
// @huggingface/jinja and python3-jinja2 by someone else): llama3, llama3_1, qwen3 and
// gemma3 templates, read from their tokenizer_config.json, over one conversation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "chat/model_template.h"
#include "chat/template.h"

namespace hfserve::chat {
namespace {

TEST(ChatGolden, RendersMatchTheSharedGoldenFile) {
  std::string testdata = std::getenv("HFSERVE_TESTDATA");
  nlohmann::ordered_json golden = read_json_file(testdata + "/golden/chat_template_golden.json");
  int checked = 0;
  for (const auto& [name, expected] : golden["renders"].items()) {
    ModelTemplates model = load_model_templates(testdata + "/tokenizers/" + name);
    ChatInputs inputs;
    inputs.messages = golden["messages"];
    inputs.add_generation_prompt = golden["add_generation_prompt"].get<bool>();
    inputs.special_tokens = model.special_tokens;
    EXPECT_EQ(render_chat(Template(model.select(false)), inputs), expected.get<std::string>())
        << name;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

}  // namespace
}  // namespace hfserve::chat
