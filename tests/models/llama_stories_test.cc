// The Llama decoder against llama2.c's own output: stories260K (a trained 260K-parameter
// Llama, ../shared/testdata/stories260K) greedily continued from BOS for 256 tokens must
// give exactly the ids llama2.c's run.c printed (greedy_ids_256.json), from the
// Hugging Face safetensors copy (rotate-half Q/K) and from the GGUF copy (Meta's
// interleaved Q/K). A prompt run as one many-token chunk, and two sequences sharing one
// batch, must pick the same tokens. Quantising at load (--quantization) must give the model
// `hfserve quantize` writes, whose blocks equal gguf-py's (app.quantize_gguf checks that).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "causal_runner.h"
#include "formats/gguf.h"
#include "formats/model_config.h"
#include "formats/quantize_gguf.h"
#include "formats/weight_source.h"
#include "kernels/install.h"
#include "models/registry.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace hfserve::models {
namespace {

std::string stories_dir() {
  const char* testdata = std::getenv("HFSERVE_TESTDATA");
  return std::string(testdata ? testdata : "") + "/stories260K";
}

std::vector<std::int32_t> expected_ids() {
  std::ifstream in(stories_dir() + "/greedy_ids_256.json");
  return nlohmann::json::parse(in).get<std::vector<std::int32_t>>();
}

class LlamaStoriesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kernels::install(); }

  static Runner safetensors(std::size_t sequences = 1, const LoadOptions& options = {}) {
    return Runner(formats::open_safetensors(stories_dir() + "/model.safetensors"),
                  formats::load_model_config(stories_dir()), sequences, options);
  }
  static Runner gguf(const std::string& path = stories_dir() + "/stories260K-f32.gguf",
                     const LoadOptions& options = {}) {
    MappedFile file(path);
    formats::ModelConfig config =
        formats::model_config_from_gguf(formats::parse_gguf(file.bytes(), path), path);
    return Runner(formats::open_gguf_weights(path), config, 1, options);
  }
};

TEST_F(LlamaStoriesTest, SafetensorsGreedyMatchesLlama2c) {
  Runner runner = safetensors();
  EXPECT_EQ(runner.greedy({1}, 256), expected_ids());
}

TEST_F(LlamaStoriesTest, GgufGreedyMatchesLlama2c) {
  Runner runner = gguf();
  EXPECT_EQ(runner.greedy({1}, 256), expected_ids());
}

TEST_F(LlamaStoriesTest, QuantisedAtLoadEqualsTheQuantisedFile) {
  const std::vector<std::int32_t> ids = expected_ids();
  const std::vector<std::int32_t> prompt(ids.begin(), ids.begin() + 48);
  const std::string f32_file = stories_dir() + "/stories260K-f32.gguf";
  const std::vector<float> f32 = gguf(f32_file).logits(prompt);
  for (tensor::DType type : {tensor::DType::kQ8_0, tensor::DType::kQ4_0}) {
    const std::string name(tensor::dtype_name(type));
    const std::string file = ::testing::TempDir() + "/stories260K-" + name + ".gguf";
    formats::quantize_gguf(f32_file, file, type);
    const std::vector<float> from_file = gguf(file).logits(prompt);
    const std::vector<float> at_load = gguf(f32_file, {type}).logits(prompt);
    // The same blocks in the same order: the same numbers.
    EXPECT_EQ(at_load, from_file) << name;
    float moved = 0;
    for (std::size_t i = 0; i < at_load.size(); ++i) {
      moved = std::max(moved, std::abs(at_load[i] - f32[i]));
    }
    EXPECT_GT(moved, 1e-3f) << name << ": quantisation should move the logits";
    // The Hugging Face checkpoint (rotate-half Q/K) quantised at load runs too.
    EXPECT_EQ(safetensors(1, {type}).logits(prompt).size(), at_load.size()) << name;
  }
}

TEST_F(LlamaStoriesTest, EveryKernelVariantGivesTheSameTokens) {
  std::vector<std::int32_t> expected = expected_ids();
  expected.resize(64);
  for (kernels::Isa isa : kernels::supported_isas()) {
    kernels::install(isa);
    Runner runner = safetensors();
    EXPECT_EQ(runner.greedy({1}, 64), expected) << kernels::isa_name(isa);
  }
  kernels::install();
}

// The first 100 expected tokens as one prompt chunk (the many-token kernels) must lead to
// the same continuation as generating them one by one.
TEST_F(LlamaStoriesTest, PromptChunkContinuesLikeTokenByToken) {
  std::vector<std::int32_t> expected = expected_ids();
  std::vector<std::int32_t> prompt = {1};
  prompt.insert(prompt.end(), expected.begin(), expected.begin() + 100);
  Runner runner = safetensors();
  std::vector<std::int32_t> rest = runner.greedy(prompt, 50);
  EXPECT_EQ(rest, std::vector<std::int32_t>(expected.begin() + 100, expected.begin() + 150));
}

// Two sequences at different points, in one batch, each get what they get alone.
TEST_F(LlamaStoriesTest, BatchedSequencesMatchTheirSingleRuns) {
  std::vector<std::int32_t> expected = expected_ids();
  Runner runner = safetensors(2);
  std::vector<std::int32_t> a = {1}, b = {1};
  b.insert(b.end(), expected.begin(), expected.begin() + 30);
  std::size_t pos_a = 0, pos_b = 0;
  std::vector<std::int32_t> got_a, got_b;
  std::vector<float> logits;
  for (int step = 0; step < 20; ++step) {
    std::vector<std::int32_t> tokens = a;
    tokens.insert(tokens.end(), b.begin(), b.end());
    SequenceChunk chunks[2] = {{0, a.size(), pos_a, runner.tables[0].data(), true},
                               {a.size(), b.size(), pos_b, runner.tables[1].data(), true}};
    runner.model->forward({tokens, chunks}, runner.view, runner.pool, logits);
    pos_a += a.size();
    pos_b += b.size();
    std::size_t vocab = runner.model->vocab_size();
    a = {Runner::argmax(logits.data(), vocab)};
    b = {Runner::argmax(logits.data() + vocab, vocab)};
    got_a.push_back(a[0]);
    got_b.push_back(b[0]);
  }
  EXPECT_EQ(got_a, std::vector<std::int32_t>(expected.begin(), expected.begin() + 20));
  EXPECT_EQ(got_b, std::vector<std::int32_t>(expected.begin() + 30, expected.begin() + 50));
}

TEST_F(LlamaStoriesTest, UnknownArchitectureListsTheSupportedOnes) {
  formats::ModelConfig config = formats::load_model_config(stories_dir());
  config.architecture = "FalconForCausalLM";
  config.model_type = "falcon";
  auto source = formats::open_safetensors(stories_dir() + "/model.safetensors");
  try {
    build_causal_lm(config, *source);
    FAIL() << "built a model for an unknown architecture";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnsupported);
    EXPECT_NE(error.message().find("LlamaForCausalLM"), std::string::npos) << error.message();
  }
}

}  // namespace
}  // namespace hfserve::models
