// The t5 (SentencePiece Unigram) GGUF vocabulary on GGUFs that t5_gguf_vocab_reference.py
// (a fixture, run first) writes from ../shared/testdata's real SentencePiece models with
// llama.cpp's converter's keys, over the tokenizer corpus and T5-specific strings:
//   * transformers' T5TokenizerFast made from the same spiece.model (the tokenizer.json
//     T5 checkpoints carry): ids, ids with EOS and decode must be identical;
//   * llama.cpp on the same GGUF: wherever SentencePiece itself agrees with transformers
//     on a valid UTF-8 text, llama.cpp's ids must be hfserve's too (llama.cpp reads the
//     GGUF on its own, so this checks the file is read as it reads it);
//   * except for texts holding one of the model's user-defined symbols (xlnet's "." and
//     "-"): transformers cuts the text there, but the converter writes them as normal
//     tokens, so the GGUF no longer says so; there hfserve must give SentencePiece's and
//     llama.cpp's ids, as the file describes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "formats/gguf.h"
#include "pipelines/gguf_tokenizer.h"
#include "util/utf8.h"

namespace hfserve::pipelines {
namespace {

const std::string kDir = HFSERVE_T5_VOCAB_REFERENCE_DIR;

using Ids = std::vector<std::uint32_t>;

bool holds_any(const std::string& text, const nlohmann::json& pieces) {
  for (const auto& piece : pieces) {
    if (text.find(piece.get<std::string>()) != std::string::npos) return true;
  }
  return false;
}

class T5GgufVocabTest : public ::testing::TestWithParam<std::string> {};

TEST_P(T5GgufVocabTest, MatchesTransformersAndLlamaCpp) {
  const nlohmann::json expected =
      nlohmann::json::parse(std::ifstream(kDir + "/" + GetParam() + ".json"));
  formats::GgufFile file(expected["gguf"].get<std::string>());
  const tokenizer::Tokenizer tok = tokenizer_from_gguf(file.header());
  std::size_t against_hf = 0, against_llama = 0;
  for (const auto& e : expected["results"]) {
    const std::string raw = hfserve::testing::from_hex(e["hex"]);
    SCOPED_TRACE("text hex: " + e["hex"].get<std::string>());
    const Ids ids = tok.encode(raw, {.add_special_tokens = false}).ids;
    if (holds_any(raw, expected["user_defined"])) {
      EXPECT_EQ(ids, e["sp"].get<Ids>());
      if (utf8::is_valid(raw)) {
        EXPECT_EQ(ids, e["llama"].get<Ids>());
      }
      continue;
    }
    ++against_hf;
    EXPECT_EQ(ids, e["hf"].get<Ids>());
    EXPECT_EQ(tok.encode(raw).ids, e["hf_special"].get<Ids>());
    EXPECT_EQ(tok.decode(e["hf"].get<Ids>(), false), e["hf_decode"].get<std::string>());
    if (utf8::is_valid(raw) && e["sp"] == e["hf"]) {
      EXPECT_EQ(ids, e["llama"].get<Ids>());
      EXPECT_EQ(tok.encode(raw).ids, e["llama_special"].get<Ids>());
      ++against_llama;
    }
  }
  EXPECT_GT(against_hf, 40u);
  EXPECT_GT(against_llama, 40u);
}

INSTANTIATE_TEST_SUITE_P(RealSentencePieceModels, T5GgufVocabTest,
                         ::testing::Values("sentencepiece_test_model", "xlnet_base_cased_spiece"),
                         [](const ::testing::TestParamInfo<std::string>& model) {
                           return model.param;
                         });

}  // namespace
}  // namespace hfserve::pipelines
