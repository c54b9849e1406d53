// The engine against llama2.c's own output: stories260K (../shared/testdata/stories260K)
// continued greedily from BOS must give exactly the ids llama2.c printed, whatever the
// engine does around it: alone, in a full batch of requests at different points, with
// prompts prefilled in small chunks, with a KV cache so small that sequences are preempted
// and recomputed, and with prompts served from the prefix cache.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "kernels/install.h"
#include "models/registry.h"
#include "util/error.h"

namespace hfserve::engine {
namespace {

std::string stories_dir() {
  const char* testdata = std::getenv("HFSERVE_TESTDATA");
  return std::string(testdata ? testdata : "") + "/stories260K";
}

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kernels::install();
    config_ = new formats::ModelConfig(formats::load_model_config(stories_dir()));
    weights_ = formats::open_safetensors(stories_dir() + "/model.safetensors").release();
    model_ = models::build_causal_lm(*config_, *weights_).release();
    std::ifstream in(stories_dir() + "/greedy_ids_256.json");
    golden_ = nlohmann::json::parse(in).get<std::vector<std::int32_t>>();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete weights_;
    delete config_;
  }

  static EngineOptions options(std::size_t num_blocks = 256) {
    EngineOptions o;
    o.num_blocks = num_blocks;
    o.block_size = 16;
    o.num_threads = 2;
    return o;
  }

  // BOS followed by the first `n` golden tokens.
  static std::vector<std::int32_t> prompt(std::size_t n) {
    std::vector<std::int32_t> p = {1};
    p.insert(p.end(), golden_.begin(), golden_.begin() + static_cast<std::ptrdiff_t>(n));
    return p;
  }
  static std::vector<std::int32_t> golden(std::size_t from, std::size_t n) {
    return {golden_.begin() + static_cast<std::ptrdiff_t>(from),
            golden_.begin() + static_cast<std::ptrdiff_t>(from + n)};
  }

  static GenerationRequest greedy(std::vector<std::int32_t> prompt, std::size_t max_tokens) {
    GenerationRequest r;
    r.prompt = std::move(prompt);
    r.sampling.temperature = 0;
    r.sampling.max_tokens = max_tokens;
    r.sampling.ignore_eos = true;
    return r;
  }

  struct Result {
    std::vector<std::vector<std::int32_t>> tokens;  // per choice
    std::vector<FinishReason> finish;
    std::optional<Error> error;
  };
  static Result collect(RequestStream& stream, std::size_t n = 1) {
    Result result;
    result.tokens.resize(n);
    result.finish.resize(n, FinishReason::kCancelled);
    std::vector<StreamEvent> events;
    while (stream.next(events)) {
      for (const StreamEvent& e : events) {
        if (e.token) result.tokens[e.choice].push_back(e.token->token);
        if (e.finish) result.finish[e.choice] = *e.finish;
      }
      events.clear();
    }
    result.error = stream.error();
    return result;
  }

  static formats::ModelConfig* config_;
  static formats::WeightSource* weights_;
  static models::CausalLM* model_;
  static std::vector<std::int32_t> golden_;
};

formats::ModelConfig* EngineTest::config_ = nullptr;
formats::WeightSource* EngineTest::weights_ = nullptr;
models::CausalLM* EngineTest::model_ = nullptr;
std::vector<std::int32_t> EngineTest::golden_;

TEST_F(EngineTest, GreedyMatchesLlama2c) {
  Engine engine(*model_, {2}, options());
  Result r = collect(*engine.submit(greedy({1}, 255)));
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.tokens[0], golden(0, 255));
  EXPECT_EQ(r.finish[0], FinishReason::kLength);
}

// Eight requests at different points of the story, submitted together: one batch,
// prompts of different lengths prefilled in 24-token chunks beside the decodes.
TEST_F(EngineTest, FullBatchWithChunkedPrefillMatchesSingleRuns) {
  EngineOptions o = options();
  o.max_num_batched_tokens = 24;
  Engine engine(*model_, {2}, o);
  std::vector<std::shared_ptr<RequestStream>> streams;
  const std::vector<std::size_t> starts = {0, 5, 17, 40, 63, 90, 120, 150};
  for (std::size_t start : starts) streams.push_back(engine.submit(greedy(prompt(start), 40)));
  for (std::size_t i = 0; i < starts.size(); ++i) {
    Result r = collect(*streams[i]);
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.tokens[0], golden(starts[i], 40)) << "request starting at " << starts[i];
  }
  engine.wait_until_idle();
  EXPECT_EQ(engine.stats().kv_usage, 0.0);
}

// 20 blocks hold 320 tokens; six requests of up to 16 + 120 tokens do not fit together,
// so the newest are preempted and recomputed. Nobody fails and every answer is right.
TEST_F(EngineTest, PreemptedSequencesRecomputeToTheSameTokens) {
  EngineOptions o = options(20);
  o.max_model_len = 160;
  Engine engine(*model_, {2}, o);
  std::vector<std::shared_ptr<RequestStream>> streams;
  const std::vector<std::size_t> starts = {0, 3, 7, 11, 13, 16};
  for (std::size_t start : starts) streams.push_back(engine.submit(greedy(prompt(start), 120)));
  for (std::size_t i = 0; i < starts.size(); ++i) {
    Result r = collect(*streams[i]);
    ASSERT_FALSE(r.error) << r.error->what();
    EXPECT_EQ(r.tokens[0], golden(starts[i], 120)) << "request starting at " << starts[i];
  }
  EXPECT_GT(engine.stats().preemptions, 0u);
  engine.wait_until_idle();
  EXPECT_EQ(engine.stats().kv_usage, 0.0);
}

TEST_F(EngineTest, RepeatedPromptComesFromThePrefixCache) {
  Engine engine(*model_, {2}, options());
  auto first = engine.submit(greedy(prompt(100), 20));
  Result a = collect(*first);
  EXPECT_EQ(first->cached_prompt_tokens(), 0u);
  auto second = engine.submit(greedy(prompt(100), 20));
  Result b = collect(*second);
  // Whole blocks before the last prompt token: 101 tokens → 6 blocks of 16.
  EXPECT_EQ(second->cached_prompt_tokens(), 96u);
  EXPECT_EQ(a.tokens[0], golden(100, 20));
  EXPECT_EQ(b.tokens[0], golden(100, 20));
}

TEST_F(EngineTest, SeededSamplingIsTheSameAloneAndInABatch) {
  Engine engine(*model_, {2}, options());
  GenerationRequest sampled = greedy({1}, 60);
  sampled.sampling.temperature = 1.0f;
  sampled.sampling.seed = 1234;
  std::vector<std::int32_t> alone = collect(*engine.submit(sampled)).tokens[0];

  std::vector<std::shared_ptr<RequestStream>> others;
  for (std::size_t start : {10, 30, 50}) others.push_back(engine.submit(greedy(prompt(start), 60)));
  auto in_batch = engine.submit(sampled);
  EXPECT_EQ(collect(*in_batch).tokens[0], alone);
  for (auto& other : others) collect(*other);
  EXPECT_NE(alone, golden(0, 60)) << "temperature 1 should wander off the greedy story";
}

TEST_F(EngineTest, ChoicesShareThePromptAndDrawIndependently) {
  Engine engine(*model_, {2}, options());
  GenerationRequest r = greedy(prompt(40), 30);
  r.sampling.temperature = 1.0f;
  r.sampling.seed = 7;
  r.n = 3;
  Result result = collect(*engine.submit(r), 3);
  ASSERT_FALSE(result.error);
  for (const auto& tokens : result.tokens) EXPECT_EQ(tokens.size(), 30u);
  EXPECT_NE(result.tokens[0], result.tokens[1]);
  // A seeded choice is reproducible on its own.
  Result again = collect(*engine.submit(r), 3);
  EXPECT_EQ(again.tokens, result.tokens);
  engine.wait_until_idle();
  EXPECT_EQ(engine.stats().kv_usage, 0.0);
}

TEST_F(EngineTest, SeveralPromptsShareOneStreamNumberedPromptByPrompt) {
  Engine engine(*model_, {2}, options());
  GenerationRequest sampled = greedy(prompt(40), 20);
  sampled.sampling.temperature = 1.0f;
  sampled.sampling.seed = 11;
  sampled.n = 2;
  const Result alone = collect(*engine.submit(sampled), 2);
  GenerationRequest plain = greedy({1}, 25);
  plain.n = 2;
  std::vector<GenerationRequest> both = {plain, sampled};
  const Result together = collect(*engine.submit(std::move(both)), 4);
  ASSERT_FALSE(together.error);
  // Prompt 0's choices are 0 and 1, prompt 1's are 2 and 3, each as when run alone.
  EXPECT_EQ(together.tokens[0], golden(0, 25));
  EXPECT_EQ(together.tokens[1], golden(0, 25));
  EXPECT_EQ(together.tokens[2], alone.tokens[0]);
  EXPECT_EQ(together.tokens[3], alone.tokens[1]);
  engine.wait_until_idle();
  EXPECT_EQ(engine.stats().kv_usage, 0.0);

  // A bad prompt refuses the whole request, naming the prompt, before any is queued.
  const std::uint64_t computed = engine.stats().prompt_tokens;
  std::vector<GenerationRequest> one_bad = {greedy({1}, 5), greedy({1, 100000}, 5)};
  try {
    engine.submit(std::move(one_bad));
    FAIL() << "a token id past the vocabulary was queued";
  } catch (const Error& e) {
    EXPECT_EQ(e.message().rfind("prompt 1: ", 0), 0u) << e.message();
  }
  engine.wait_until_idle();
  EXPECT_EQ(engine.stats().prompt_tokens, computed) << "the good prompt ran";
}

TEST_F(EngineTest, StopTokenEndsTheChoiceAndIsReported) {
  Engine engine(*model_, {2}, options());
  GenerationRequest r = greedy({1}, 100);
  r.sampling.stop_token_ids = {golden_[10]};
  Result result = collect(*engine.submit(r));
  // The first occurrence of the stop token ends it, and is reported.
  auto first = std::find(golden_.begin(), golden_.end(), golden_[10]) - golden_.begin();
  EXPECT_EQ(result.tokens[0], golden(0, static_cast<std::size_t>(first) + 1));
  EXPECT_EQ(result.finish[0], FinishReason::kStop);
}

TEST_F(EngineTest, CancelledRequestLeavesAndFreesItsBlocks) {
  Engine engine(*model_, {2}, options());
  auto keep = engine.submit(greedy({1}, 200));
  auto cancelled = engine.submit(greedy(prompt(20), 200));
  std::vector<StreamEvent> events;
  ASSERT_TRUE(cancelled->next(events));
  cancelled->cancel();
  Result c = collect(*cancelled);
  EXPECT_EQ(c.finish[0], FinishReason::kCancelled);
  EXPECT_LT(c.tokens[0].size() + events.size(), 200u);
  EXPECT_EQ(collect(*keep).tokens[0], golden(0, 200));
  engine.wait_until_idle();
  EXPECT_EQ(engine.stats().kv_usage, 0.0);
}

TEST_F(EngineTest, RefusesWhatCannotRun) {
  EngineOptions o = options();
  o.max_model_len = 64;
  Engine engine(*model_, {2}, o);
  try {
    engine.submit(greedy(prompt(40), 30));
    FAIL() << "a 41 + 30 token request fit in 64";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(e.message().find("64"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("71"), std::string::npos) << e.message();
  }
  GenerationRequest bad = greedy({1, 100000}, 5);
  EXPECT_THROW(engine.submit(bad), Error);
  GenerationRequest hot = greedy({1}, 5);
  hot.sampling.top_p = 0;
  EXPECT_THROW(engine.submit(hot), Error);
  EXPECT_THROW(engine.submit(greedy({}, 5)), Error);
}

TEST_F(EngineTest, RefusesACacheTooSmallForOneSequence) {
  EngineOptions o = options(4);
  o.max_model_len = 128;
  EXPECT_THROW(Engine(*model_, {2}, o), Error);
}

TEST_F(EngineTest, FullQueueIsRefused) {
  EngineOptions o = options();
  o.max_queue = 2;
  o.max_num_seqs = 1;
  Engine engine(*model_, {2}, o);
  std::vector<std::shared_ptr<RequestStream>> streams;
  std::size_t refused = 0;
  for (int i = 0; i < 8; ++i) {
    try {
      streams.push_back(engine.submit(greedy({1}, 200)));
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kResourceExhausted);
      ++refused;
    }
  }
  EXPECT_GT(refused, 0u);
  for (auto& s : streams) EXPECT_EQ(collect(*s).tokens[0], golden(0, 200));
}

}  // namespace
}  // namespace hfserve::engine
