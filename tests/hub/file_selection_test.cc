#include "hub/file_selection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace hfserve::hub {
namespace {

std::vector<std::string> pick(const std::vector<RepoFile>& files, const std::string& quant = "") {
  std::vector<std::string> out;
  for (const RepoFile& file : select_repo_files(files, quant, "org/name")) out.push_back(file.path);
  return out;
}

using ::testing::ElementsAre;

// File lists as real Hub repositories have them.
TEST(FileSelectionTest, ShardedSafetensorsNeverPickle) {
  const std::vector<RepoFile> files = {{".gitattributes", 1},
                                       {"README.md", 1},
                                       {"config.json", 1},
                                       {"generation_config.json", 1},
                                       {"model-00001-of-00002.safetensors", 5},
                                       {"model-00002-of-00002.safetensors", 5},
                                       {"model.safetensors.index.json", 1},
                                       {"pytorch_model-00001-of-00002.bin", 5},
                                       {"pytorch_model.bin.index.json", 1},
                                       {"tokenizer.json", 1},
                                       {"tokenizer.model", 1},
                                       {"tokenizer_config.json", 1},
                                       {"special_tokens_map.json", 1},
                                       {"onnx/model.onnx", 9}};
  EXPECT_THAT(
      pick(files),
      ElementsAre("config.json", "generation_config.json", "model-00001-of-00002.safetensors",
                  "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                  "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"));
}

TEST(FileSelectionTest, PickleAndVocabFilesWhenThatIsAllThereIs) {
  const std::vector<RepoFile> files = {
      {"config.json", 1}, {"pytorch_model.bin", 5}, {"spiece.model", 1}, {"tf_model.h5", 5}};
  EXPECT_THAT(pick(files), ElementsAre("config.json", "pytorch_model.bin", "spiece.model"));
}

TEST(FileSelectionTest, SentenceTransformersModules) {
  const std::vector<RepoFile> files = {{"config.json", 1},
                                       {"model.safetensors", 5},
                                       {"modules.json", 1},
                                       {"config_sentence_transformers.json", 1},
                                       {"sentence_bert_config.json", 1},
                                       {"1_Pooling/config.json", 1},
                                       {"2_Dense/model.safetensors", 2},
                                       {"2_Dense/pytorch_model.bin", 2},
                                       {"2_Normalize/.gitkeep", 0},
                                       {"openvino/openvino_model.xml", 3},
                                       {"vocab.txt", 1}};
  EXPECT_THAT(pick(files),
              ElementsAre("config.json", "model.safetensors", "modules.json",
                          "config_sentence_transformers.json", "sentence_bert_config.json",
                          "1_Pooling/config.json", "2_Dense/model.safetensors",
                          "2_Normalize/.gitkeep", "vocab.txt"));
}

const std::vector<RepoFile> kGguf = {{"README.md", 1},
                                     {"Model-Q2_K.gguf", 50},
                                     {"Model-Q4_K.gguf", 80},
                                     {"Model-Q4_K_M.gguf", 90},
                                     {"Model-Q8_0.gguf", 150},
                                     {"BF16/Model-BF16-00001-of-00002.gguf", 200},
                                     {"BF16/Model-BF16-00002-of-00002.gguf", 100},
                                     {"mmproj-Model-F16.gguf", 10}};

TEST(FileSelectionTest, GgufQuantTagIsCaseInsensitiveAndBounded) {
  EXPECT_THAT(pick(kGguf, "q4_k_m"), ElementsAre("Model-Q4_K_M.gguf"));
  EXPECT_THAT(pick(kGguf, "Q4_K"), ElementsAre("Model-Q4_K.gguf"));
  EXPECT_THAT(pick(kGguf, "bf16"), ElementsAre("BF16/Model-BF16-00001-of-00002.gguf",
                                               "BF16/Model-BF16-00002-of-00002.gguf"));
}

TEST(FileSelectionTest, GgufDefaultsQ4KMThenQ8ThenSmallest) {
  EXPECT_THAT(pick(kGguf), ElementsAre("Model-Q4_K_M.gguf"));
  std::vector<RepoFile> no_q4km = kGguf;
  no_q4km.erase(no_q4km.begin() + 3);
  EXPECT_THAT(pick(no_q4km), ElementsAre("Model-Q8_0.gguf"));
  no_q4km.erase(no_q4km.begin() + 3);
  EXPECT_THAT(pick(no_q4km), ElementsAre("Model-Q2_K.gguf"));  // mmproj is never the model
}

TEST(FileSelectionTest, UnknownQuantListsWhatExists) {
  try {
    pick(kGguf, "Q5_K_M");
    ADD_FAILURE() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
    EXPECT_NE(error.message().find("Model-Q8_0.gguf"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find("Q5_K_M"), std::string::npos);
  }
  EXPECT_THROW(pick({{"config.json", 1}, {"model.safetensors", 1}}, "Q4_K_M"), Error);
}

}  // namespace
}  // namespace hfserve::hub
