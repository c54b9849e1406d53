// load_pretrained_tokenizer against transformers' AutoTokenizer: for each tokenizer of the
// test data with a tokenizer_config.json, as it is and with options no config there sets
// (auto_tokenizer_reference.py's VARIANTS), the script writes the model folder and what
// AutoTokenizer gives on corpus.json and clean-up strings, at test time; this test loads
// the same folder and compares ids, pair ids, decodes and model_max_length.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "tokenizer/pretrained.h"
#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

struct Case {
  std::string tokenizer;
  std::string variant;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.tokenizer << "/" << c.variant; }

class PretrainedTest : public ::testing::TestWithParam<Case> {};

TEST_P(PretrainedTest, MatchesAutoTokenizer) {
  hfserve::testing::TempDir dir("pretrained_" + GetParam().tokenizer + GetParam().variant);
  hfserve::testing::run_reference_script(
      "tokenizer/auto_tokenizer_reference.py",
      hfserve::testing::testdata_dir() + "/tokenizers/" + GetParam().tokenizer + " " +
          hfserve::testing::source_dir() + "/tests/tokenizer/corpus.json " + dir.path().string() +
          " " + GetParam().variant);
  const nlohmann::json expected = nlohmann::json::parse(std::ifstream(dir.file("expected.json")));
  PretrainedTokenizer tok = load_pretrained_tokenizer(dir.path());

  // transformers' int(1e30) means no limit.
  const nlohmann::json& max_length = expected["model_max_length"];
  if (max_length.is_number_unsigned()) {
    EXPECT_EQ(tok.config.model_max_length, max_length.get<std::size_t>());
  } else {
    EXPECT_EQ(tok.config.model_max_length, std::nullopt);
  }
  const nlohmann::json& results = expected["results"];
  for (std::size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json& want = results[i];
    const std::string text = want["text"];
    const std::string second = want["second"];
    SCOPED_TRACE("text " + std::to_string(i) + ": " + text.substr(0, 80));
    std::vector<std::uint32_t> ids = tok.tokenizer.encode(text).ids;
    EXPECT_EQ(nlohmann::json(ids), want["ids"]);
    EXPECT_EQ(nlohmann::json(tok.tokenizer.encode_pair(text, second).ids), want["pair"]);
    EXPECT_EQ(tok.decode(ids), want["decode"].get<std::string>());
    EXPECT_EQ(tok.decode(ids, true), want["decode_skip"].get<std::string>());
    if (HasFailure()) break;  // one detailed failure per case is enough to act on
  }
}

INSTANTIATE_TEST_SUITE_P(
    Testdata, PretrainedTest,
    ::testing::Values(Case{"bert-base-uncased", ""}, Case{"bert-base-uncased", "clean_up"},
                      Case{"bert-base-uncased", "cased"},
                      Case{"bert-base-uncased", "strip_accents"},
                      Case{"bert-base-uncased", "keep_accents"},
                      Case{"bert-base-uncased", "cased_by_model_type"}, Case{"gpt2", ""},
                      Case{"gpt2", "prefix_space"}, Case{"llama3", ""},
                      Case{"llama3", "llama_class"}, Case{"mistral7b-v0.1", ""},
                      Case{"mistral7b-v0.1", "add_eos"}, Case{"mistral7b-v0.1", "eos_only"},
                      Case{"qwen3", ""}, Case{"qwen3", "neox_class"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = param_info.param.tokenizer + "_" + param_info.param.variant;
      for (char& c : name) {
        if (c == '-' || c == '.') c = '_';
      }
      return name;
    });

// A folder with mistral's tokenizer.json and the given tokenizer_config.json.
std::filesystem::path folder_with_config(const hfserve::testing::TempDir& dir,
                                         const std::string& config) {
  std::filesystem::copy_file(
      hfserve::testing::testdata_dir() + "/tokenizers/mistral7b-v0.1/tokenizer.json",
      dir.file("tokenizer.json"));
  hfserve::testing::write_bytes(dir.file("tokenizer_config.json"), config);
  return dir.path();
}

ErrorCode load_error(const std::filesystem::path& folder, std::string* message) {
  try {
    load_pretrained_tokenizer(folder);
  } catch (const Error& error) {
    *message = error.message();
    return error.code();
  }
  return ErrorCode::kInternal;
}

TEST(PretrainedErrorsTest, NullBosWithAddBosIsRefused) {
  // transformers refuses it too: "add_bos_token = True but bos_token = None".
  hfserve::testing::TempDir dir("pretrained_null_bos");
  std::string message;
  EXPECT_EQ(load_error(folder_with_config(
                           dir, R"({"tokenizer_class": "LlamaTokenizer", "bos_token": null})"),
                       &message),
            ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("add_bos_token"), std::string::npos) << message;
}

TEST(PretrainedErrorsTest, AddPrefixSpaceOnLlamaIsUnsupported) {
  hfserve::testing::TempDir dir("pretrained_prefix_space");
  std::string message;
  EXPECT_EQ(
      load_error(folder_with_config(
                     dir, R"({"tokenizer_class": "LlamaTokenizer", "add_prefix_space": true})"),
                 &message),
      ErrorCode::kUnsupported);
  EXPECT_NE(message.find("add_prefix_space"), std::string::npos) << message;
}

TEST(PretrainedErrorsTest, WrongTypeNamesTheKey) {
  hfserve::testing::TempDir dir("pretrained_wrong_type");
  std::string message;
  EXPECT_EQ(load_error(folder_with_config(dir, R"({"add_eos_token": "yes"})"), &message),
            ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("add_eos_token"), std::string::npos) << message;
}

}  // namespace
}  // namespace hfserve::tokenizer
