// The UnicodeScripts pre-tokenizer against the Hugging Face `tokenizers` library on every
// code point: tests/tokenizer/unicode_scripts_reference.py cuts texts that put each code
// point beside others with the library, at test time, and this test cuts the same texts.
// (The corpus test, reference_test's unicode_scripts variants, covers whole tokenizers.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "tokenizer/pre_tokenizers.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {
namespace {

// Character offsets of the pieces, as the Python library reports them.
nlohmann::json char_pieces(const PreTokenizer& pre, const std::string& text) {
  PreTokenized pieces{{NormalizedString(text), std::nullopt}};
  pre.pre_tokenize(pieces);
  nlohmann::json out = nlohmann::json::array();
  for (const Split& piece : pieces) {
    auto [start, end] = piece.normalized.original_offsets();
    std::size_t char_start = utf8::count_code_points(std::string_view(text).substr(0, start));
    out.push_back({char_start, char_start + utf8::count_code_points(piece.normalized.get())});
  }
  return out;
}

TEST(UnicodeScriptsTest, EveryCodePointCutsAsHuggingFaceTokenizers) {
  const std::string out_path = ::testing::TempDir() + "hfserve_unicode_scripts.json";
  const std::string command = hfserve::testing::venv_python() + " " +
                              hfserve::testing::source_dir() +
                              "/tests/tokenizer/unicode_scripts_reference.py " + out_path;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const nlohmann::json expected = nlohmann::json::parse(std::ifstream(out_path));
  const auto pre = make_pre_tokenizer(nlohmann::json{{"type", "UnicodeScripts"}}, "pre_tokenizer");
  const nlohmann::json& texts = expected["texts"];
  ASSERT_GT(texts.size(), 500u);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string text = texts[i];
    nlohmann::json got = char_pieces(*pre, text);
    if (got == expected["pieces"][i]) continue;
    // Name the first piece that differs and the code point there.
    const nlohmann::json& want = expected["pieces"][i];
    std::size_t k = 0;
    while (k < got.size() && k < want.size() && got[k] == want[k]) ++k;
    std::size_t pos = 0;
    ADD_FAILURE() << "text " << i << ", piece " << k << ": got "
                  << (k < got.size() ? got[k].dump() : "none") << ", want "
                  << (k < want.size() ? want[k].dump() : "none") << "; the text starts at U+"
                  << std::hex << static_cast<std::uint32_t>(utf8::decode(text, pos));
    break;
  }
}

}  // namespace
}  // namespace hfserve::tokenizer
