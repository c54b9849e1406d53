// Loading a model's chat templates and special tokens from a folder, as transformers does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "chat/model_template.h"
#include "util/error.h"

namespace hfserve::chat {
namespace {

namespace fs = std::filesystem;

class TempFolder {
 public:
  TempFolder() {
    path_ = fs::temp_directory_path() /
            ("hfserve_chat_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() { fs::remove_all(path_); }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ModelTemplates, ReadsTokenizerConfigOfRealModels) {
  std::string testdata = std::getenv("HFSERVE_TESTDATA");
  ModelTemplates qwen = load_model_templates(testdata + "/tokenizers/qwen3");
  ASSERT_EQ(qwen.templates.size(), 1u);
  EXPECT_EQ(qwen.templates[0].first, "default");
  EXPECT_NE(qwen.select(true).find("<tools>"), std::string::npos);
  EXPECT_EQ(qwen.special_tokens["eos_token"], "<|im_end|>");
  EXPECT_FALSE(qwen.special_tokens.contains("bos_token"));  // null in the config
  EXPECT_EQ(qwen.special_tokens["additional_special_tokens"].size(), 13u);
  ModelTemplates gemma = load_model_templates(testdata + "/tokenizers/gemma3");
  EXPECT_EQ(gemma.special_tokens["bos_token"], "<bos>");
}

TEST(ModelTemplates, FolderWithoutTemplateIsNotFound) {
  std::string testdata = std::getenv("HFSERVE_TESTDATA");
  try {
    load_model_templates(testdata + "/tokenizers/mistral7b-v0.1");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(error.what()).find("no chat template"), std::string::npos);
  }
}

TEST(ModelTemplates, JinjaFileOverridesConfigAndNamedTemplatesAreChosen) {
  TempFolder folder;
  folder.write("tokenizer_config.json",
               R"({"chat_template": [{"name": "default", "template": "A"},
                                     {"name": "tool_use", "template": "T"}],
                   "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>",
                   "pad_token": null})");
  ModelTemplates named = load_model_templates(folder.path());
  EXPECT_EQ(named.select(false), "A");
  EXPECT_EQ(named.select(true), "T");
  EXPECT_EQ(named.select(false, "tool_use"), "T");
  EXPECT_THROW(named.select(false, "nope"), Error);
  EXPECT_EQ(named.special_tokens,
            nlohmann::ordered_json::parse(R"({"bos_token": "<s>", "eos_token": "</s>"})"));
  folder.write("chat_template.jinja", "J");
  EXPECT_EQ(load_model_templates(folder.path()).select(true), "J");
}

TEST(ModelTemplates, MalformedConfigNamesFileAndPosition) {
  TempFolder folder;
  folder.write("tokenizer_config.json", "{\"chat_template\": \"x\",,}");
  try {
    load_model_templates(folder.path());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("tokenizer_config.json: malformed JSON at byte"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace hfserve::chat
