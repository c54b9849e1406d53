// Tokenizers built from real GGUF vocabularies (llama.cpp's vocab-only test files)
// against llama.cpp's expected ids for its tokenizer test strings, and the errors a
// malformed tokenizer metadata gets.
#include "pipelines/gguf_tokenizer.h"

#include <gtest/gtest.h>

#include <string>

#include "../support/llamacpp_vocab.h"
#include "util/error.h"

namespace hfserve::pipelines {
namespace {

formats::GgufFile open_vocab(const std::string& name) {
  return formats::GgufFile(hfserve::testing::testdata_dir() + "/llamacpp-vocab/ggml-vocab-" + name +
                           ".gguf");
}

class LlamaCppVocabTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaCppVocabTest, IdsMatchLlamaCpp) {
  const auto cases = hfserve::testing::llamacpp_vocab_cases(GetParam());
  tokenizer::Tokenizer tok = tokenizer_from_gguf(open_vocab(GetParam()).header());
  for (const auto& c : cases) {
    EXPECT_EQ(tok.encode(c.text, {.add_special_tokens = false}).ids, c.ids)
        << "text: \"" << c.text << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, LlamaCppVocabTest,
                         ::testing::Values("gpt-2", "llama-spm", "phi-3", "bert-bge"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// Byte-level and SentencePiece vocabularies lose nothing: decoding gives the text back.
TEST(GgufTokenizerTest, DecodeRoundTrips) {
  for (const std::string name : {"gpt-2", "llama-spm"}) {
    tokenizer::Tokenizer tok = tokenizer_from_gguf(open_vocab(name).header());
    for (const auto& c : hfserve::testing::llamacpp_vocab_cases(name)) {
      EXPECT_EQ(tok.decode(tok.encode(c.text, {.add_special_tokens = false}).ids), c.text) << name;
    }
  }
}

// What the files' add_bos_token / BERT's [CLS] [SEP] frame add (llama.cpp's rules).
TEST(GgufTokenizerTest, SpecialTokensFollowTheFileFlags) {
  tokenizer::Tokenizer llama = tokenizer_from_gguf(open_vocab("llama-spm").header());
  EXPECT_EQ(llama.encode("Hello world").ids, (std::vector<std::uint32_t>{1, 15043, 3186}));
  EXPECT_EQ(llama.decode({1, 15043, 3186}), "Hello world");
  EXPECT_EQ(llama.decode({1, 15043, 3186}, false), "<s> Hello world");
  tokenizer::Tokenizer bert = tokenizer_from_gguf(open_vocab("bert-bge").header());
  EXPECT_EQ(bert.encode("Hello world").ids, (std::vector<std::uint32_t>{101, 7592, 2088, 102}));
  EXPECT_EQ(bert.decode({101, 7592, 2088, 102}), "hello world");
  tokenizer::Tokenizer gpt2 = tokenizer_from_gguf(open_vocab("gpt-2").header());
  EXPECT_EQ(gpt2.encode("Hello world").ids, (std::vector<std::uint32_t>{15496, 995}));
  EXPECT_EQ(gpt2.encode("a<|endoftext|>").ids, (std::vector<std::uint32_t>{64, 50256}));
}

formats::GgufHeader header_with(std::vector<std::pair<std::string, formats::GgufValue>> kv) {
  formats::GgufHeader header;
  header.metadata = std::move(kv);
  return header;
}

formats::GgufValue string_value(std::string s) { return {formats::GgufType::kString, s}; }

formats::GgufValue string_array(std::vector<std::string> items) {
  formats::GgufArray array{formats::GgufType::kString, {}};
  for (auto& s : items) array.items.push_back(string_value(std::move(s)));
  return {formats::GgufType::kArray, array};
}

void expect_error(const formats::GgufHeader& header, ErrorCode code, const std::string& part) {
  try {
    tokenizer_from_gguf(header);
    ADD_FAILURE() << "no error, expected one mentioning " << part;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.message();
    EXPECT_NE(error.message().find(part), std::string::npos) << error.message();
  }
}

TEST(GgufTokenizerTest, MalformedMetadataIsExplained) {
  expect_error(header_with({}), ErrorCode::kInvalidArgument, "tokenizer.ggml.model");
  expect_error(
      header_with({{"tokenizer.ggml.model", {formats::GgufType::kUint32, std::uint64_t{1}}}}),
      ErrorCode::kInvalidArgument, "expected STRING, found UINT32");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("gpt2")}}),
               ErrorCode::kInvalidArgument, "tokenizer.ggml.tokens");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("gpt2")},
                            {"tokenizer.ggml.tokens", string_value("a")}}),
               ErrorCode::kInvalidArgument, "expected ARRAY of STRING, found STRING");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("rwkv")},
                            {"tokenizer.ggml.tokens", string_array({"a"})}}),
               ErrorCode::kUnsupported, "\"rwkv\" is not supported; supported: gpt2, llama, bert");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("gpt2")},
                            {"tokenizer.ggml.pre", string_value("no-such-pre")},
                            {"tokenizer.ggml.tokens", string_array({"a"})}}),
               ErrorCode::kUnsupported, "\"no-such-pre\" is not supported; supported: default");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("gpt2")},
                            {"tokenizer.ggml.pre", string_value("gpt-2")},
                            {"tokenizer.ggml.tokens", string_array({"a", "b", "a"})}}),
               ErrorCode::kInvalidArgument, "duplicate token \"a\" (ids 0 and 2)");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("gpt2")},
                            {"tokenizer.ggml.pre", string_value("gpt-2")},
                            {"tokenizer.ggml.tokens", string_array({"a", "b", "ab"})},
                            {"tokenizer.ggml.merges", string_array({"a c"})}}),
               ErrorCode::kInvalidArgument, "\"c\" is not in the vocabulary");
  expect_error(header_with({{"tokenizer.ggml.model", string_value("gpt2")},
                            {"tokenizer.ggml.pre", string_value("llama-bpe")},
                            {"tokenizer.ggml.tokens", string_array({"a"})}}),
               ErrorCode::kInvalidArgument,
               "tokenizer.ggml.add_bos_token is true but tokenizer.ggml.bos_token_id is missing");
}

}  // namespace
}  // namespace hfserve::pipelines
