// Malformed tokenizer.json files fail with Error(invalid_argument) naming where and what,
// never a crash; invalid UTF-8 input is repaired, not fatal.
#include <gtest/gtest.h>

#include <string>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

// The message of the Error that loading `json` throws ("" when none is thrown).
std::string load_error(const std::string& json) {
  try {
    Tokenizer::from_json(json, "test.json");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument) << error.what();
    return error.message();
  }
  return "";
}

const char* kTinyBpe =
    R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})";

TEST(ErrorsTest, SyntaxErrorNamesLineAndColumn) {
  EXPECT_NE(load_error("{\n  \"model\": {,\n}").find("test.json: invalid JSON at line 2, column"),
            std::string::npos);
}

TEST(ErrorsTest, MissingModel) {
  EXPECT_NE(load_error("{}").find("missing \"model\""), std::string::npos);
}

TEST(ErrorsTest, MergeOfUnknownToken) {
  std::string message =
      load_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a z"]}})");
  EXPECT_NE(message.find("model.merges[0]"), std::string::npos) << message;
  EXPECT_NE(message.find("\"z\" is not in the vocabulary"), std::string::npos) << message;
}

TEST(ErrorsTest, BadIdType) {
  std::string message =
      load_error(R"({"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}})");
  EXPECT_NE(message.find("model.vocab[\"a\"]"), std::string::npos) << message;
}

TEST(ErrorsTest, UnknownComponentType) {
  std::string message =
      load_error(R"({"normalizer": {"type": "Sequence", "normalizers": [{"type": "Shout"}]},)"
                 R"( "model": {"type": "WordLevel", "vocab": {}}})");
  EXPECT_NE(message.find("normalizer.normalizers[0]: unknown normalizer type \"Shout\""),
            std::string::npos)
      << message;
}

TEST(ErrorsTest, BadRegexNamesPattern) {
  std::string message = load_error(
      R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"},)"
      R"( "model": {"type": "WordLevel", "vocab": {}}})");
  EXPECT_NE(message.find("pre_tokenizer.pattern.Regex"), std::string::npos) << message;
}

TEST(ErrorsTest, TemplateWithUndeclaredSpecialToken) {
  std::string message = load_error(
      R"({"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[X]", "type_id": 0}}],)"
      R"( "pair": [], "special_tokens": {}}, "model": {"type": "WordLevel", "vocab": {}}})");
  EXPECT_NE(message.find("\"[X]\""), std::string::npos) << message;
}

TEST(ErrorsTest, BadPrecompiledCharsmap) {
  std::string message =
      load_error(R"({"normalizer": {"type": "Precompiled", "precompiled_charsmap": "/////wAA"},)"
                 R"( "model": {"type": "WordLevel", "vocab": {}}})");
  EXPECT_NE(message.find("precompiled_charsmap"), std::string::npos) << message;
}

TEST(ErrorsTest, MissingFileIsNotFound) {
  try {
    Tokenizer::from_file("/nonexistent/tokenizer.json");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  }
}

TEST(ErrorsTest, InvalidUtf8InputIsReplaced) {
  Tokenizer tok = Tokenizer::from_json(kTinyBpe);
  // Neither byte is in the vocabulary and there is no unknown token: nothing comes out,
  // but nothing fails either.
  EXPECT_TRUE(tok.encode("\xff\xfe").ids.empty());
  EXPECT_EQ(tok.encode("ab").ids, std::vector<std::uint32_t>{2});
}

}  // namespace
}  // namespace hfserve::tokenizer
