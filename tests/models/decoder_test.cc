// Every decoder architecture against transformers (decoder_reference.py, a fixture, says
// what each case covers): random models saved by transformers; the last prompt token's
// logits must match within 1e-4 of their scale and 24 greedy tokens must equal
// generate()'s.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "causal_runner.h"
#include "formats/gguf.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "kernels/install.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

std::string folder(const std::string& name) {
  return std::string(HFSERVE_DECODER_REFERENCE_DIR) + "/" + name;
}

class DecoderTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { kernels::install(); }
};

TEST_P(DecoderTest, MatchesTransformers) {
  const std::string dir = folder(GetParam());
  std::ifstream in(dir + "/expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  const std::string gguf = dir + "/model.gguf";
  Runner runner =
      std::filesystem::exists(gguf)
          ? Runner(formats::open_gguf_weights(gguf),
                   formats::model_config_from_gguf(formats::GgufFile(gguf).header(), gguf), 1)
          : Runner(formats::open_safetensors(dir), formats::load_model_config(dir), 1);
  const auto prompt = expected["prompt"].get<std::vector<std::int32_t>>();
  const auto want = expected["logits"].get<std::vector<float>>();
  const std::vector<float> logits = runner.logits(prompt);
  ASSERT_EQ(logits.size(), want.size());
  float scale = 1, worst = 0;
  for (float v : want) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(logits[i] - want[i]));
  }
  EXPECT_LE(worst, 1e-4f * scale) << "largest difference " << worst << " at scale " << scale;
  RecordProperty("max_logit_difference", ::testing::PrintToString(worst));
  EXPECT_EQ(runner.greedy(prompt, 24), expected["greedy"].get<std::vector<std::int32_t>>());
}

INSTANTIATE_TEST_SUITE_P(Architectures, DecoderTest,
                         ::testing::Values("llama", "llama3_scaled", "mistral", "qwen2", "qwen3",
                                           "qwen2_yarn", "llama_yarn_mscale", "llama31_gguf",
                                           "qwen2_yarn_gguf", "gpt2_gguf", "gpt2_lm", "gpt2_bare",
                                           "gpt2_f16"));

TEST(Gpt2Errors, PositionsPastTheLearnedOnesAreRefused) {
  kernels::install();
  const std::string dir = folder("gpt2_lm");
  Runner runner(formats::open_safetensors(dir), formats::load_model_config(dir), 1);
  std::vector<std::int32_t> prompt(65, 1);  // n_positions is 64
  try {
    runner.logits(prompt);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.message(), "position 64 is past GPT-2's 64 learned positions");
  }
}

}  // namespace
}  // namespace hfserve::models
