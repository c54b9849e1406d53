// Compares hfserve's renders with the reference renders that reference_renders.py computes
// with transformers and jinja2 at test time (ctest runs it first, as a fixture). The file
// comes in through HFSERVE_CHAT_REFERENCE. Every case must match byte for byte, or fail
// with the same kind of error as the reference.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "chat/model_template.h"
#include "chat/template.h"

namespace hfserve::chat {
namespace {

using Json = nlohmann::ordered_json;

const Json& reference() {
  static const Json data = [] {
    const char* path = std::getenv("HFSERVE_CHAT_REFERENCE");
    if (path == nullptr) throw std::runtime_error("HFSERVE_CHAT_REFERENCE is not set");
    return read_json_file(path);
  }();
  return data;
}

std::string testdata() {
  const char* dir = std::getenv("HFSERVE_TESTDATA");
  return dir != nullptr ? dir : "";
}

RenderOptions fixed_clock() {
  RenderOptions options;
  options.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(reference()["now_utc_epoch_seconds"].get<std::int64_t>()));
  return options;
}

// The outcome of one render: the output, or "<error kind>" for a TemplateError.
struct Outcome {
  bool ok = false;
  std::string text;  // output, or the error's kind
  std::string message;
};

template <typename Render>
Outcome run(Render render) {
  Outcome outcome;
  try {
    outcome.text = render();
    outcome.ok = true;
  } catch (const TemplateError& error) {
    outcome.text = std::string(template_error_kind_name(error.kind()));
    outcome.message = error.what();
  }
  return outcome;
}

// Checks one case; returns a description of the mismatch, or "" when it matches.
std::string compare(const Json& expected, const Outcome& actual) {
  if (expected.contains("output")) {
    if (!actual.ok) return "expected output, got error " + actual.text + ": " + actual.message;
    const std::string& want = expected["output"].get_ref<const std::string&>();
    if (want == actual.text) return "";
    std::size_t at = 0;
    while (at < want.size() && at < actual.text.size() && want[at] == actual.text[at]) ++at;
    std::size_t from = at > 40 ? at - 40 : 0;
    return "outputs differ at byte " + std::to_string(at) +
           "\n  want: " + Json(want.substr(from, 120)).dump() +
           "\n  got:  " + Json(actual.text.substr(from, 120)).dump();
  }
  std::string kind = expected["error"].get<std::string>();
  if (actual.ok)
    return "expected a " + kind + " error (" + expected["message"].get<std::string>() +
           "), got output " + Json(actual.text).dump();
  if (actual.text != kind) {
    return "expected a " + kind + " error (" + expected["message"].get<std::string>() + "), got " +
           actual.message;
  }
  return "";
}

TEST(ChatReference, EveryTemplateOverEveryConversation) {
  std::map<std::string, Json> conversations;
  for (const Json& c : reference()["conversations"])
    conversations[c["name"].get<std::string>()] = c;
  std::map<std::string, std::string> sources;
  std::map<std::string, Json> tokens;
  int checked = 0;
  int failures = 0;
  int errors_expected = 0;
  for (const Json& expected : reference()["cases"]) {
    std::string name = expected["template"].get<std::string>();
    const Json& conversation = conversations.at(expected["conversation"].get<std::string>());
    if (!sources.count(name)) {
      if (name.ends_with(".jinja")) {
        std::ifstream in(testdata() + "/" + name, std::ios::binary);
        sources[name] = std::string(std::istreambuf_iterator<char>(in), {});
        tokens[name] = expected["special_tokens"];
      } else {
        ModelTemplates model = load_model_templates(testdata() + "/" + name);
        sources[name] = model.select(false);
        tokens[name] = model.special_tokens;
      }
    }
    ChatInputs inputs;
    inputs.messages = conversation["messages"];
    if (conversation.contains("tools")) inputs.tools = conversation["tools"];
    if (conversation.contains("documents")) inputs.documents = conversation["documents"];
    if (conversation.contains("extra")) inputs.extra = conversation["extra"];
    inputs.add_generation_prompt = expected["add_generation_prompt"].get<bool>();
    inputs.continue_final_message = expected.at("continue_final_message").get<bool>();
    inputs.special_tokens = tokens[name];
    Outcome actual =
        run([&] { return render_chat(Template(sources[name]), inputs, fixed_clock()); });
    std::string mismatch = compare(expected, actual);
    ++checked;
    if (expected.contains("error")) ++errors_expected;
    if (!mismatch.empty()) {
      ++failures;
      ADD_FAILURE() << name << " / " << expected["conversation"].get<std::string>()
                    << " / add_generation_prompt=" << inputs.add_generation_prompt
                    << " continue_final_message=" << inputs.continue_final_message << ": "
                    << mismatch;
    }
  }
  std::printf("%d template renders checked (%d where the reference raises), %d mismatches\n",
              checked, errors_expected, failures);
  EXPECT_GT(checked, 500);
}

TEST(ChatReference, EverySnippet) {
  int checked = 0;
  for (const Json& snippet : reference()["snippets"]) {
    std::string source = snippet["template"].get<std::string>();
    Outcome actual =
        run([&] { return Template(source).render(snippet["context"], fixed_clock()); });
    std::string mismatch = compare(snippet, actual);
    if (!mismatch.empty()) ADD_FAILURE() << Json(source).dump() << ": " << mismatch;
    ++checked;
  }
  std::printf("%d snippets checked\n", checked);
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace hfserve::chat
