#include "formats/sentence_transformers.h"

#include <gtest/gtest.h>

#include <string>

#include "util/error.h"

namespace hfserve::formats {
namespace {

// The files of sentence-transformers/all-MiniLM-L6-v2 as the Hub serves them.
constexpr const char* kMiniLmModules = R"([
  {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
  {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
  {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
])";
constexpr const char* kMiniLmPooling = R"({
  "word_embedding_dimension": 384,
  "pooling_mode_cls_token": false,
  "pooling_mode_mean_tokens": true,
  "pooling_mode_max_tokens": false,
  "pooling_mode_mean_sqrt_len_tokens": false
})";
constexpr const char* kMiniLmBertConfig = R"({"max_seq_length": 256, "do_lower_case": false})";

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& error) {
    return error.message();
  }
  return "no error";
}

TEST(SentenceTransformersTest, ReadsAllMiniLm) {
  std::string asked;
  const SentenceTransformersConfig config = parse_sentence_transformers_config(
      kMiniLmModules,
      [&](const std::string& path) {
        asked = path;
        return std::string(kMiniLmPooling);
      },
      kMiniLmBertConfig, "minilm");
  EXPECT_EQ(asked, "1_Pooling");
  EXPECT_TRUE(config.from_modules);
  EXPECT_TRUE(config.pooling.mean_tokens);
  EXPECT_FALSE(config.pooling.cls_token);
  EXPECT_EQ(config.pooling.modes(), 1u);
  EXPECT_TRUE(config.normalize);
  EXPECT_EQ(config.max_seq_length, 256u);
  EXPECT_FALSE(config.do_lower_case);
}

// bge-small-en-v1.5 pools the CLS token.
TEST(SentenceTransformersTest, ReadsClsPoolingAndSeveralModes) {
  const SentenceTransformersConfig config = parse_sentence_transformers_config(
      kMiniLmModules,
      [](const std::string&) {
        return std::string(
            R"({"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false,
                "pooling_mode_lasttoken": true, "include_prompt": true})");
      },
      "", "bge");
  EXPECT_TRUE(config.pooling.cls_token);
  EXPECT_TRUE(config.pooling.lasttoken);
  EXPECT_FALSE(config.pooling.mean_tokens);
  EXPECT_EQ(config.pooling.modes(), 2u);
  EXPECT_FALSE(config.max_seq_length);
}

TEST(SentenceTransformersTest, NoModulesMeansMeanPoolingAlone) {
  const SentenceTransformersConfig config = parse_sentence_transformers_config(
      "", [](const std::string&) -> std::string { throw std::logic_error("not asked"); }, "",
      "plain");
  EXPECT_FALSE(config.from_modules);
  EXPECT_TRUE(config.pooling.mean_tokens);
  EXPECT_EQ(config.pooling.modes(), 1u);
  EXPECT_FALSE(config.normalize);
}

TEST(SentenceTransformersTest, RefusesWhatItCannotRun) {
  auto pooling = [](const std::string&) { return std::string(kMiniLmPooling); };
  EXPECT_EQ(message_of([&] {
              parse_sentence_transformers_config(
                  R"([{"type": "sentence_transformers.models.Transformer", "path": ""},
                      {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"},
                      {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}])",
                  pooling, "", "m");
            }),
            "m/modules.json: module sentence_transformers.models.Dense is not supported "
            "(hfserve runs Transformer, Pooling and Normalize)");
  EXPECT_NE(message_of([&] {
              parse_sentence_transformers_config(
                  R"([{"type": "sentence_transformers.models.Pooling", "path": "../x"}])", pooling,
                  "", "m");
            }).find("is not a sub-folder"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              parse_sentence_transformers_config(
                  kMiniLmModules, [](const std::string&) { return std::string("{}"); }, "", "m");
            }).find("turns on no pooling_mode_*"),
            std::string::npos);
  EXPECT_EQ(message_of([&] {
              parse_sentence_transformers_config(kMiniLmModules, pooling,
                                                 R"({"max_seq_length": "long"})", "m");
            }),
            "m/sentence_bert_config.json: max_seq_length is not a positive integer");
  EXPECT_NE(message_of([&] {
              parse_sentence_transformers_config("[1]", pooling, "", "m");
            }).find("without a string 'type'"),
            std::string::npos);
}

}  // namespace
}  // namespace hfserve::formats
