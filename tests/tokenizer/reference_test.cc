// Every tokenizer.json of the shared test data against the Hugging Face `tokenizers`
// library: tests/tokenizer/reference.py computes the expected ids, tokens, offsets,
// type ids, special-token masks, decodes, streaming-decode chunks and pair encodings for
// the strings of corpus.json, at test time, and this test compares hfserve's with them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "tokenizer/decode_stream.h"
#include "tokenizer/tokenizer.h"

namespace hfserve::tokenizer {
namespace {

nlohmann::json encoding_json(const Encoding& e) {
  std::vector<std::vector<std::size_t>> offsets;
  for (const auto& [start, end] : e.offsets) offsets.push_back({start, end});
  std::vector<int> mask(e.special_tokens_mask.begin(), e.special_tokens_mask.end());
  nlohmann::json overflowing = nlohmann::json::array();
  for (const Encoding& window : e.overflowing) overflowing.push_back(encoding_json(window));
  return {{"ids", e.ids},           {"tokens", e.tokens},          {"offsets", offsets},
          {"type_ids", e.type_ids}, {"special_tokens_mask", mask}, {"overflowing", overflowing}};
}

// HF Python reports character offsets.
const EncodeOptions kChars{.char_offsets = true};
const EncodeOptions kCharsOverflowing{.char_offsets = true, .overflowing = true};

// A truncated pair with its overflowing windows; null where the reference left the pair
// out (two long texts).
nlohmann::json truncated_pair_json(const Tokenizer& tok, const std::string& a, const std::string& b,
                                   const nlohmann::json& want) {
  if (want.is_null()) return nullptr;
  return encoding_json(tok.encode_pair(a, b, kCharsOverflowing));
}

// A tokenizer of the test data, optionally rewritten by reference.py's VARIANT.
struct Case {
  std::string tokenizer;
  std::string variant;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.tokenizer << "/" << c.variant; }

class ReferenceTest : public ::testing::TestWithParam<Case> {};

TEST_P(ReferenceTest, CorpusMatchesHuggingFaceTokenizers) {
  const std::string source = hfserve::testing::source_dir();
  const std::string python = hfserve::testing::venv_python();
  const std::string path =
      hfserve::testing::testdata_dir() + "/tokenizers/" + GetParam().tokenizer + "/tokenizer.json";
  const std::string corpus_path = source + "/tests/tokenizer/corpus.json";
  const std::string out_path = ::testing::TempDir() + "hfserve_ref_" + GetParam().tokenizer + "_" +
                               GetParam().variant + ".json";
  std::string command = python + " " + source + "/tests/tokenizer/reference.py " + path + " " +
                        corpus_path + " " + out_path + " " + GetParam().variant;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  const nlohmann::json expected_all = nlohmann::json::parse(std::ifstream(out_path));
  const nlohmann::json& expected = expected_all["results"];
  std::vector<std::string> corpus;
  const nlohmann::json corpus_json = nlohmann::json::parse(std::ifstream(corpus_path));
  for (const auto& hex : corpus_json["hex"]) {
    corpus.push_back(hfserve::testing::from_hex(hex.get<std::string>()));
  }
  ASSERT_EQ(expected.size(), corpus.size());

  // The variant as HF serialised it (for no variant, the file itself).
  const std::string tokenizer_json = expected_all["tokenizer_json"];
  Tokenizer tok = GetParam().variant.empty() ? Tokenizer::from_file(path)
                                             : Tokenizer::from_json(tokenizer_json);
  tok.set_truncation(std::nullopt);
  tok.set_padding(std::nullopt);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const std::string& text = corpus[i];
    const std::string& next = corpus[(i + 1) % corpus.size()];
    const nlohmann::json& want = expected[i];
    SCOPED_TRACE("corpus[" + std::to_string(i) + "] = " +
                 nlohmann::json(text)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                     .substr(0, 120));
    Encoding with_special = tok.encode(text, kChars);
    Encoding no_special = tok.encode(text, {.add_special_tokens = false, .char_offsets = true});
    EXPECT_EQ(encoding_json(with_special), want["with_special"]);
    EXPECT_EQ(encoding_json(no_special), want["no_special"]);
    EXPECT_EQ(encoding_json(tok.encode(text, {.split_special = true, .char_offsets = true})),
              want["split_special"]);
    EXPECT_EQ(tok.decode(with_special.ids, false), want["decode_keep"].get<std::string>());
    EXPECT_EQ(tok.decode(with_special.ids, true), want["decode_skip"].get<std::string>());
    DecodeStream stream(tok, false);
    std::vector<std::string> chunks;
    for (std::uint32_t id : with_special.ids) {
      if (auto chunk = stream.step(id)) chunks.push_back(*chunk);
    }
    EXPECT_EQ(nlohmann::json(chunks), want["stream"]);
    EXPECT_EQ(encoding_json(tok.encode_pair(text, next, kChars)), want["pair"]);
    if (HasFailure()) break;  // one detailed failure per tokenizer is enough to act on
  }

  const std::string* longest = &corpus[0];
  for (const std::string& text : corpus) {
    if (text.size() > longest->size()) longest = &text;
  }
  Tokenizer as_saved = Tokenizer::from_json(tokenizer_json);
  EXPECT_EQ(encoding_json(as_saved.encode(*longest, kCharsOverflowing)),
            expected_all["file_settings"]);

  TruncationParams truncation;
  truncation.max_length = 13;
  truncation.truncate_right = false;
  tok.set_truncation(truncation);
  for (std::size_t i = 0; i + 1 < corpus.size(); ++i) {
    SCOPED_TRACE("truncated pair " + std::to_string(i));
    EXPECT_EQ(truncated_pair_json(tok, corpus[i], corpus[i + 1], expected_all["truncated"][i]),
              expected_all["truncated"][i]);
    if (HasFailure()) break;
  }

  truncation.stride = 4;
  truncation.truncate_right = true;
  tok.set_truncation(truncation);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    SCOPED_TRACE("stride from the right, corpus[" + std::to_string(i) + "]");
    EXPECT_EQ(encoding_json(tok.encode(corpus[i], kCharsOverflowing)),
              expected_all["stride_single"][i]);
    if (HasFailure()) break;
  }
  truncation.stride = 3;
  truncation.truncate_right = false;
  tok.set_truncation(truncation);
  PaddingParams fixed;
  fixed.fixed_length = 16;
  fixed.pad_id = 3;
  fixed.pad_token = "<pad>";
  tok.set_padding(fixed);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    SCOPED_TRACE("stride from the left, padded, corpus[" + std::to_string(i) + "]");
    EXPECT_EQ(encoding_json(tok.encode(corpus[i], kCharsOverflowing)),
              expected_all["stride_left"][i]);
    if (HasFailure()) break;
  }
  tok.set_padding(std::nullopt);
  truncation.stride = 2;
  truncation.truncate_right = true;
  tok.set_truncation(truncation);
  for (std::size_t i = 0; i + 1 < corpus.size(); ++i) {
    SCOPED_TRACE("stride, pair " + std::to_string(i));
    EXPECT_EQ(truncated_pair_json(tok, corpus[i], corpus[i + 1], expected_all["stride_pair"][i]),
              expected_all["stride_pair"][i]);
    if (HasFailure()) break;
  }
  tok.set_truncation(std::nullopt);

  PaddingParams padding;
  padding.pad_right = false;
  padding.pad_id = 3;
  padding.pad_type_id = 1;
  padding.pad_token = "<pad>";
  padding.pad_to_multiple_of = 8;
  tok.set_padding(padding);
  std::vector<std::string> batch(corpus.begin() + 7, corpus.begin() + 12);
  std::vector<Encoding> padded = tok.encode_batch(batch, kChars);
  ASSERT_EQ(padded.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(encoding_json(padded[i]), expected_all["padded"][i]);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Testdata, ReferenceTest,
    ::testing::Values(Case{"llama3", ""}, Case{"qwen3", ""}, Case{"gpt2", ""},
                      Case{"mistral7b-v0.1", ""}, Case{"bert-base-uncased", ""},
                      Case{"xlnet-base-cased", ""}, Case{"bert-base-uncased", "pretok_mix"},
                      Case{"bert-base-uncased", "wordlevel"}, Case{"qwen3", "bytelevel_split"},
                      Case{"mistral7b-v0.1", "metaspace_first"},
                      Case{"mistral7b-v0.1", "metaspace_never"}, Case{"llama3", "added_flags"},
                      Case{"bert-base-uncased", "added_flags"},
                      Case{"xlnet-base-cased", "unicode_scripts"},
                      Case{"bert-base-uncased", "unicode_scripts_only"},
                      Case{"bert-base-uncased", "bpe_affixes"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = param_info.param.tokenizer + "_" + param_info.param.variant;
      for (char& c : name) {
        if (c == '-' || c == '.') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace hfserve::tokenizer
