// GPT-2 against transformers (gpt2_reference.py, a fixture): random GPT2LMHeadModels as
// save_pretrained writes them, in the Hub's bare GPT2Model layout, and in float16. The
// last prompt token's logits must match within 1e-4 of their scale and 24 greedy tokens
// must equal generate()'s; Conv1D weights are transposed and c_attn split at load, so a
// mistake there shows as soon as the first logit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "causal_runner.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "kernels/install.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

std::string folder(const std::string& name) {
  return std::string(HFSERVE_GPT2_REFERENCE_DIR) + "/" + name;
}

class Gpt2Test : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { kernels::install(); }
};

TEST_P(Gpt2Test, MatchesTransformers) {
  const std::string dir = folder(GetParam());
  std::ifstream in(dir + "/expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  Runner runner(formats::open_safetensors(dir), formats::load_model_config(dir), 1);
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
  RecordProperty("max_logit_difference", std::to_string(worst));
  EXPECT_EQ(runner.greedy(prompt, 24), expected["greedy"].get<std::vector<std::int32_t>>());
}

INSTANTIATE_TEST_SUITE_P(Layouts, Gpt2Test, ::testing::Values("lm", "bare", "f16"));

TEST(Gpt2Errors, PositionsPastTheLearnedOnesAreRefused) {
  kernels::install();
  const std::string dir = folder("lm");
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
