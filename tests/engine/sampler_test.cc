// The sampler against the definitions it implements: argmax for greedy, the softmax of
// logits / temperature for the draws (a chi-square test over many seeded draws), HF's
// RepetitionPenaltyLogitsProcessor and OpenAI's presence/frequency formula for the
// penalties, and log-softmax of the raw logits for logprobs.
#include "engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "util/error.h"

namespace hfserve::engine {
namespace {

SampledToken draw(std::vector<float> logits, const SamplingParams& p, std::mt19937_64& rng,
                  std::vector<std::int32_t> output = {}, std::vector<std::int32_t> prompt = {},
                  std::vector<std::int32_t> eos = {}) {
  return sample(logits, p, {prompt, output, eos, &rng});
}

std::vector<double> softmax(const std::vector<float>& logits, double temperature) {
  std::vector<double> p(logits.size());
  double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    sum += p[i] = std::exp((logits[i] - max) / temperature);
  for (double& x : p) x /= sum;
  return p;
}

// Pearson's chi-square statistic of `counts` against `expected` probabilities.
double chi_square(const std::vector<int>& counts, const std::vector<double>& expected, int n) {
  double chi = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (expected[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0";
      continue;
    }
    double e = expected[i] * n;
    chi += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi;
}

const std::vector<float> kLogits = {1.0f, 3.0f, 0.5f, 2.5f, -1.0f, 2.0f};

std::vector<int> histogram(const SamplingParams& p, int n) {
  std::mt19937_64 rng = make_rng(p, 0);
  std::vector<int> counts(kLogits.size());
  for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(draw(kLogits, p, rng).token)];
  return counts;
}

TEST(Sampler, GreedyIsArgmax) {
  SamplingParams p;
  p.temperature = 0;
  std::mt19937_64 rng;
  EXPECT_EQ(draw(kLogits, p, rng).token, 1);
  p.temperature = 1;
  p.top_k = 1;
  EXPECT_EQ(draw(kLogits, p, rng).token, 1);
}

// 20000 draws; the 0.001 critical value of chi-square with 5 degrees of freedom is 20.5.
TEST(Sampler, DrawsFollowTheTemperedSoftmax) {
  for (float temperature : {0.5f, 1.0f, 2.0f}) {
    SamplingParams p;
    p.temperature = temperature;
    p.seed = 99;
    EXPECT_LT(chi_square(histogram(p, 20000), softmax(kLogits, temperature), 20000), 20.5)
        << "temperature " << temperature;
  }
}

TEST(Sampler, TopKTopPAndMinPKeepTheRightTokens) {
  // Probabilities at temperature 1, sorted: token 1 (.40), 3 (.24), 5 (.15), 0 (.05)...
  std::vector<double> full = softmax(kLogits, 1.0);
  auto renormalised = [&](std::vector<int> keep) {
    std::vector<double> p(full.size());
    double sum = 0;
    for (int t : keep) sum += full[static_cast<std::size_t>(t)];
    for (int t : keep) p[static_cast<std::size_t>(t)] = full[static_cast<std::size_t>(t)] / sum;
    return p;
  };
  SamplingParams k;
  k.seed = 1;
  k.top_k = 2;
  EXPECT_LT(chi_square(histogram(k, 20000), renormalised({1, 3}), 20000), 10.8);
  SamplingParams p;
  p.seed = 2;
  // The smallest set whose mass reaches top_p: 1, 3 and 5 hold ~0.88.
  p.top_p = 0.8f;
  EXPECT_LT(chi_square(histogram(p, 20000), renormalised({1, 3, 5}), 20000), 13.8);
  SamplingParams m;
  m.seed = 3;
  // min_p 0.3 keeps tokens at least 0.3 * p(top): 3 (0.61 of top) and 5 (0.37), not 0.
  m.min_p = 0.3f;
  EXPECT_LT(chi_square(histogram(m, 20000), renormalised({1, 3, 5}), 20000), 13.8);
}

TEST(Sampler, LogprobsAreTheRawLogSoftmax) {
  SamplingParams p;
  p.temperature = 0.3f;
  p.logprobs = 3;
  p.seed = 5;
  std::mt19937_64 rng = make_rng(p, 0);
  SampledToken t = draw(kLogits, p, rng);
  std::vector<double> raw = softmax(kLogits, 1.0);
  EXPECT_NEAR(t.logprob, std::log(raw[static_cast<std::size_t>(t.token)]), 1e-5);
  ASSERT_EQ(t.top.size(), 3u);
  EXPECT_EQ(t.top[0].token, 1);
  EXPECT_EQ(t.top[1].token, 3);
  EXPECT_EQ(t.top[2].token, 5);
  EXPECT_NEAR(t.top[1].logprob, std::log(raw[3]), 1e-5);
}

TEST(Sampler, PenaltiesFollowTheirDefinitions) {
  std::mt19937_64 rng;
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;
  std::vector<float> logits = kLogits;
  // HF: a seen token's positive logit is divided, a negative one multiplied.
  sample(logits, p, {std::vector<std::int32_t>{1, 4}, {}, {}, &rng});
  EXPECT_FLOAT_EQ(logits[1], 1.5f);
  EXPECT_FLOAT_EQ(logits[4], -2.0f);
  EXPECT_FLOAT_EQ(logits[3], 2.5f);

  SamplingParams q;
  q.temperature = 0;
  q.presence_penalty = 0.5f;
  q.frequency_penalty = 0.25f;
  logits = kLogits;
  std::vector<std::int32_t> output = {3, 3, 5};
  // OpenAI: logit - count * frequency_penalty - (count > 0) * presence_penalty.
  SampledToken t = sample(logits, q, {{}, output, {}, &rng});
  EXPECT_FLOAT_EQ(logits[3], 2.5f - 0.5f - 0.5f);
  EXPECT_FLOAT_EQ(logits[5], 2.0f - 0.25f - 0.5f);
  EXPECT_EQ(t.token, 1);
}

TEST(Sampler, LogitBiasAndMinTokens) {
  std::mt19937_64 rng;
  SamplingParams p;
  p.temperature = 0;
  p.logit_bias = {{4, 100.0f}};
  EXPECT_EQ(draw(kLogits, p, rng).token, 4);
  SamplingParams m;
  m.temperature = 0;
  m.min_tokens = 2;
  // EOS (token 1, the argmax) is masked while fewer than min_tokens were generated.
  EXPECT_EQ(draw(kLogits, m, rng, {7}, {}, {1}).token, 3);
  EXPECT_EQ(draw(kLogits, m, rng, {7, 7}, {}, {1}).token, 1);
}

TEST(Sampler, ValidateNamesTheField) {
  SamplingParams p;
  p.top_p = 1.5f;
  try {
    validate(p, 10);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("top_p"), std::string::npos);
  }
  SamplingParams b;
  b.logit_bias = {{10, 1.0f}};
  EXPECT_THROW(validate(b, 10), Error);
}

}  // namespace
}  // namespace hfserve::engine
