// GGUF vocabularies of the byte-level BPE pre-tokenizers that have no vocab-only GGUF in
// the test data: the vocabulary of the model's tokenizer.json, laid out as
// convert_hf_to_gguf.py lays it out (tokens by id, "left right" merges, added tokens as
// control or user-defined), must give llama.cpp's expected ids for that pre-tokenizer.
#include "tokenizer/gguf_vocab.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>
#include <string>

#include "../support/llamacpp_vocab.h"

namespace hfserve::tokenizer {
namespace {

GgufVocab vocab_of(const std::string& tokenizer_dir, const std::string& pre) {
  const std::string path =
      hfserve::testing::testdata_dir() + "/tokenizers/" + tokenizer_dir + "/tokenizer.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  const nlohmann::json root = nlohmann::json::parse(in);
  GgufVocab vocab{.model = "gpt2", .pre = pre};
  for (const auto& [token, id] : root["model"]["vocab"].items()) {
    std::size_t i = id.get<std::size_t>();
    if (i >= vocab.tokens.size()) vocab.tokens.resize(i + 1);
    vocab.tokens[i] = token;
  }
  vocab.token_types.assign(vocab.tokens.size(), static_cast<std::int32_t>(GgufTokenType::kNormal));
  for (const auto& added : root["added_tokens"]) {
    std::size_t i = added["id"].get<std::size_t>();
    if (i >= vocab.tokens.size()) {
      vocab.tokens.resize(i + 1);
      vocab.token_types.resize(i + 1);
    }
    vocab.tokens[i] = added["content"];
    vocab.token_types[i] = static_cast<std::int32_t>(
        added["special"].get<bool>() ? GgufTokenType::kControl : GgufTokenType::kUserDefined);
  }
  for (const auto& merge : root["model"]["merges"]) {
    vocab.merges.push_back(merge.is_string()
                               ? merge.get<std::string>()
                               : merge[0].get<std::string>() + " " + merge[1].get<std::string>());
  }
  return vocab;
}

struct Case {
  std::string tokenizer_dir;
  std::string pre;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.tokenizer_dir << " as " << c.pre; }

class GgufVocabPreTest : public ::testing::TestWithParam<Case> {};

TEST_P(GgufVocabPreTest, IdsMatchLlamaCpp) {
  const auto cases = hfserve::testing::llamacpp_vocab_cases(GetParam().pre);
  GgufVocab vocab = vocab_of(GetParam().tokenizer_dir, GetParam().pre);
  vocab.add_bos = false;  // these vocabularies carry no bos_token_id; no BOS is asked for here
  Tokenizer tok = tokenizer_from_gguf_vocab(vocab);
  for (const auto& c : cases) {
    EXPECT_EQ(tok.encode(c.text, {.add_special_tokens = false}).ids, c.ids)
        << "text: \"" << c.text << "\"";
    EXPECT_EQ(tok.decode(tok.encode(c.text, {.add_special_tokens = false}).ids), c.text);
  }
}

INSTANTIATE_TEST_SUITE_P(Pre, GgufVocabPreTest,
                         ::testing::Values(Case{"llama3", "llama-bpe"}, Case{"qwen3", "qwen2"}),
                         [](const auto& param_info) { return param_info.param.tokenizer_dir; });

// llama-bpe adds BOS unless the file says otherwise, as llama.cpp does.
TEST(GgufVocabTest, Llama3AddsBosByDefault) {
  GgufVocab vocab = vocab_of("llama3", "llama-bpe");
  vocab.bos_id = 128000;
  Tokenizer tok = tokenizer_from_gguf_vocab(vocab);
  EXPECT_EQ(tok.encode("Hello").ids, (std::vector<std::uint32_t>{128000, 9906}));
  vocab.add_bos = false;
  EXPECT_EQ(tokenizer_from_gguf_vocab(vocab).encode("Hello").ids,
            (std::vector<std::uint32_t>{9906}));
}

// Every supported pre-tokenizer's regexes compile, and the pieces they cut decode back to
// the text.
TEST(GgufVocabTest, EveryPreTokenizerBuilds) {
  for (const char* pre :
       {"default", "gpt-2", "roberta-bpe", "llama-bpe", "dbrx", "qwen2", "smollm", "falcon",
        "deepseek-llm", "deepseek-coder", "poro-chat", "chameleon", "gpt-4o", "tekken"}) {
    GgufVocab vocab = vocab_of("gpt2", pre);
    vocab.bos_id = vocab.sep_id = 50256;  // some of them add BOS or SEP by default
    Tokenizer tok = tokenizer_from_gguf_vocab(vocab);
    const std::string text = "Hello, w\u00f6rld 12345 <sentinel:1> \u65e5\u672c \n\n  x";
    EXPECT_EQ(tok.decode(tok.encode(text, {.add_special_tokens = false}).ids), text) << pre;
  }
}

}  // namespace
}  // namespace hfserve::tokenizer
