// Behaviour of the engine that the reference comparison cannot show: error positions,
// safety limits, thread safety of a shared Template.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "chat/template.h"

namespace hfserve::chat {
namespace {

using Json = nlohmann::ordered_json;

TemplateError render_error(const std::string& source, const Json& context = Json::object(),
                           const RenderOptions& options = {}) {
  try {
    Template(source).render(context, options);
  } catch (const TemplateError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for " << source;
  return TemplateError(TemplateErrorKind::kType, "none");
}

TEST(ChatEngine, SyntaxErrorsCarryLineAndColumn) {
  TemplateError error = render_error("line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}");
  EXPECT_EQ(error.kind(), TemplateErrorKind::kSyntax);
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(error.column(), 10);  // the `}}` where an operand was expected
  EXPECT_NE(std::string(error.what()).find("line 3 column 10"), std::string::npos);
}

TEST(ChatEngine, RuntimeErrorsCarryTheFailingExpressionsPosition) {
  TemplateError error = render_error("ok\n  {{ messages[0].content + 1 }}",
                                     Json::parse(R"({"messages": [{"content": "a"}]})"));
  EXPECT_EQ(error.kind(), TemplateErrorKind::kType);
  EXPECT_EQ(error.line(), 2);
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  TemplateError raised = render_error("\n\n{{ raise_exception('bad role') }}");
  EXPECT_EQ(raised.kind(), TemplateErrorKind::kRaised);
  EXPECT_EQ(raised.detail(), "bad role");
  EXPECT_EQ(raised.line(), 3);
}

TEST(ChatEngine, LoopIterationsAreBounded) {
  RenderOptions options;
  options.limits.max_loop_iterations = 1000;
  TemplateError error =
      render_error("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}",
                   Json::object(), options);
  EXPECT_EQ(error.kind(), TemplateErrorKind::kLimit);
  EXPECT_EQ(error.code(), ErrorCode::kResourceExhausted);
}

TEST(ChatEngine, RecursionIsBounded) {
  TemplateError error = render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_EQ(error.kind(), TemplateErrorKind::kLimit);
}

TEST(ChatEngine, OutputSizeIsBounded) {
  RenderOptions options;
  options.limits.max_output_bytes = 1 << 16;
  TemplateError error = render_error("{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}",
                                     Json::object(), options);
  EXPECT_EQ(error.kind(), TemplateErrorKind::kLimit);
}

TEST(ChatEngine, DeepNestingIsRefusedNotOverflowed) {
  std::string source = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_EQ(render_error(source).kind(), TemplateErrorKind::kLimit);
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if true %}";
  EXPECT_EQ(render_error(ifs).kind(), TemplateErrorKind::kLimit);
}

TEST(ChatEngine, OneTemplateRendersOnManyThreads) {
  Template tmpl(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
      "{{ m.role }}:{{ m.content }};{% endfor %}{{ ns.n }}");
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Json context = {{"messages", Json::array()}};
      for (int i = 0; i <= t; ++i) context["messages"].push_back({{"role", "u"}, {"content", i}});
      for (int r = 0; r < 200; ++r) results[t] = tmpl.render(context);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(results[0], "u:0;1");
  EXPECT_EQ(results[3], "u:0;u:1;u:2;u:3;4");
}

TEST(ChatEngine, ChatInputsBecomeTheVariablesHfPasses) {
  Template tmpl(
      "{{ bos_token }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|"
      "{{ enable_thinking }}|{{ eos_token }}");
  ChatInputs inputs;
  inputs.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
  inputs.extra = {{"enable_thinking", false}, {"eos_token", "<override>"}};
  EXPECT_EQ(render_chat(tmpl, inputs), "<s>|True|True|False|False|<override>");
  inputs.extra = {{"messages", 1}};
  EXPECT_THROW(render_chat(tmpl, inputs), TemplateError);
}

}  // namespace
}  // namespace hfserve::chat
