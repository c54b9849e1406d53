// hfserve's tokenizer against expected outputs written by others, in the shared test data:
// - golden/tokenizer_golden.json (npm `tokenizers`, the HF Rust library): ids with and
//   without special tokens, tokens, decodes, for the tokenizers whose tokenizer.json is
//   there (llama3_1 is llama3's file with the post_processor.json beside it);
// - llama.cpp's ggml-vocab-*.gguf.inp/.out test strings and ids (no special tokens) for
//   the tokenizer.json of the same vocabulary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace hfserve::tokenizer {
namespace {

std::string testdata() {
  const char* dir = std::getenv("HFSERVE_TESTDATA");
  return dir == nullptr ? "" : dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Tokenizer load(const std::string& name) {
  if (name == "llama3_1") {
    nlohmann::json config =
        nlohmann::json::parse(read_file(testdata() + "/tokenizers/llama3/tokenizer.json"));
    config["post_processor"] =
        nlohmann::json::parse(read_file(testdata() + "/tokenizers/llama3_1/post_processor.json"));
    return Tokenizer::from_json(config.dump(), "llama3_1 tokenizer.json");
  }
  Tokenizer tok = Tokenizer::from_file(testdata() + "/tokenizers/" + name + "/tokenizer.json");
  tok.set_truncation(std::nullopt);  // gpt2's file truncates to 50; the golden ids do not
  return tok;
}

TEST(GoldenTest, MatchesTokenizerGoldenJson) {
  nlohmann::json golden =
      nlohmann::json::parse(read_file(testdata() + "/golden/tokenizer_golden.json"))["results"];
  int checked = 0;
  for (const std::string name : {"llama3", "llama3_1", "qwen3", "mistral7b-v0.1",
                                 "bert-base-uncased", "xlnet-base-cased", "gpt2"}) {
    ASSERT_TRUE(golden.contains(name)) << name;
    Tokenizer tok = load(name);
    for (const auto& entry : golden[name]) {
      std::string text = entry["text"];
      SCOPED_TRACE(name + ": " + text.substr(0, 80));
      Encoding with_special = tok.encode(text);
      Encoding no_special = tok.encode(text, {.add_special_tokens = false});
      EXPECT_EQ(nlohmann::json(with_special.ids), entry["ids_with_special"]);
      EXPECT_EQ(nlohmann::json(no_special.ids), entry["ids_no_special"]);
      EXPECT_EQ(nlohmann::json(no_special.tokens), entry["tokens_no_special"]);
      EXPECT_EQ(tok.decode(with_special.ids, false), entry["decode_keep_special"]);
      EXPECT_EQ(tok.decode(with_special.ids, true), entry["decode_skip_special"]);
      ++checked;
    }
  }
  EXPECT_GE(checked, 7 * 14);
}

struct VocabCase {
  const char* gguf;
  const char* tokenizer;
};

class LlamaCppVocabTest : public ::testing::TestWithParam<VocabCase> {};

TEST_P(LlamaCppVocabTest, MatchesExpectedIds) {
  const std::string base = testdata() + "/llamacpp-vocab/ggml-vocab-" + GetParam().gguf + ".gguf";
  const std::string inputs = read_file(base + ".inp");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  std::size_t pos = 0;
  for (std::size_t next; (next = inputs.find(separator, pos)) != std::string::npos;
       pos = next + separator.size()) {
    texts.push_back(inputs.substr(pos, next - pos));
  }
  std::istringstream outputs(read_file(base + ".out"));
  std::vector<std::vector<std::uint32_t>> expected;
  for (std::string line; std::getline(outputs, line);) {
    std::istringstream ids(line);
    expected.emplace_back();
    for (std::uint32_t id; ids >> id;) expected.back().push_back(id);
  }
  ASSERT_EQ(texts.size(), expected.size());
  ASSERT_GT(texts.size(), 40u);
  Tokenizer tok = load(GetParam().tokenizer);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(tok.encode(texts[i], {.add_special_tokens = false}).ids, expected[i])
        << "input " << i << ": " << texts[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, LlamaCppVocabTest,
                         ::testing::Values(VocabCase{"llama-bpe", "llama3"},
                                           VocabCase{"qwen2", "qwen3"},
                                           VocabCase{"bert-bge", "bert-base-uncased"},
                                           VocabCase{"gpt-2", "gpt2"}),
                         [](const ::testing::TestParamInfo<VocabCase>& param_info) {
                           std::string name = param_info.param.gguf;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace hfserve::tokenizer
