// The character classes of the Hugging Face `tokenizers` library on every code point:
// tests/tokenizer/unicode_categories_reference.py lists, at test time, what BertNormalizer
// changes (clean_text alone, and bert-base-uncased's options) and what the Punctuation
// pre-tokenizer cuts out. That pins control and format characters, whitespace, Chinese
// characters, accents, lowercase and punctuation as the library's (Unicode 8.0) tables
// have them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>

#include "../support/python_reference.h"
#include "tokenizer/normalized_string.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/pre_tokenizers.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {
namespace {

void expect_every_code_point(const nlohmann::json& options, const nlohmann::json& changed) {
  const auto normalizer = make_normalizer(options, "normalizer");
  ASSERT_GT(changed.size(), 1000u);
  int failures = 0;
  for (char32_t cp = 0; cp < 0x110000 && failures < 20; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string text;
    utf8::append(text, cp);
    const auto it = changed.find(std::to_string(static_cast<std::uint32_t>(cp)));
    const std::string want = it == changed.end() ? text : it->get<std::string>();
    NormalizedString normalized(text);
    normalizer->normalize(normalized);
    if (normalized.get() != want) {
      ADD_FAILURE() << "U+" << std::hex << static_cast<std::uint32_t>(cp) << ": got \""
                    << normalized.get() << "\", want \"" << want << "\"";
      ++failures;
    }
  }
}

class UnicodeCategoriesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hfserve::testing::TempDir dir("unicode_categories");
    const std::string out = dir.file("expected.json");
    hfserve::testing::run_reference_script("tokenizer/unicode_categories_reference.py",
                                           "'" + out + "'");
    expected_ = new nlohmann::json(nlohmann::json::parse(std::ifstream(out)));
  }
  static void TearDownTestSuite() { delete expected_; }
  static const nlohmann::json* expected_;
};

const nlohmann::json* UnicodeCategoriesTest::expected_ = nullptr;

TEST_F(UnicodeCategoriesTest, BertNormalizerAsHuggingFaceTokenizers) {
  const nlohmann::json& expected = *expected_;
  expect_every_code_point({{"type", "BertNormalizer"},
                           {"clean_text", true},
                           {"handle_chinese_chars", false},
                           {"strip_accents", false},
                           {"lowercase", false}},
                          expected["clean_text"]);
  expect_every_code_point({{"type", "BertNormalizer"},
                           {"clean_text", true},
                           {"handle_chinese_chars", true},
                           {"strip_accents", nullptr},
                           {"lowercase", true}},
                          expected["uncased"]);
}

TEST_F(UnicodeCategoriesTest, NormalFormsAsHuggingFaceTokenizers) {
  expect_every_code_point({{"type", "NFD"}}, (*expected_)["nfd"]);
  expect_every_code_point({{"type", "NFKC"}}, (*expected_)["nfkc"]);
}

TEST_F(UnicodeCategoriesTest, PunctuationAsHuggingFaceTokenizers) {
  const auto pre = make_pre_tokenizer(nlohmann::json{{"type", "Punctuation"}}, "pre_tokenizer");
  const auto listed = (*expected_)["punctuation"].get<std::vector<std::uint32_t>>();
  ASSERT_GT(listed.size(), 500u);
  const std::set<std::uint32_t> want(listed.begin(), listed.end());
  int failures = 0;
  for (char32_t cp = 0; cp < 0x110000 && failures < 20; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string text = "a";
    utf8::append(text, cp);
    text += "a";
    PreTokenized pieces{{NormalizedString(text), std::nullopt}};
    pre->pre_tokenize(pieces);
    const bool cut = pieces.size() == 3;
    if (cut != want.contains(static_cast<std::uint32_t>(cp))) {
      ADD_FAILURE() << "U+" << std::hex << static_cast<std::uint32_t>(cp)
                    << (cut ? " is cut out, HF keeps it" : " is kept, HF cuts it out");
      ++failures;
    }
  }
}

}  // namespace
}  // namespace hfserve::tokenizer
