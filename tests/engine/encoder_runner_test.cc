// The encoder runner's scheduling, with a model whose outputs tell which token, type and
// sequence slot produced them: packing under max_batch_tokens, splitting a client batch
// over passes, results back in order and shaped per head, checks at submit, a full queue.
// (That the real encoders give each sequence what it gets alone is tested in tests/models
// against transformers and end to end in tests/server.)
#include "engine/encoder_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <numeric>
#include <thread>

#include "util/error.h"

namespace hfserve::engine {
namespace {

constexpr std::size_t kHidden = 3;
constexpr std::size_t kLabels = 2;
constexpr std::int64_t kVocab = 50;

formats::ModelConfig tracing_config() {
  formats::ModelConfig c;
  c.model_type = "bert";
  c.vocab_size = kVocab;
  c.hidden_size = kHidden;
  c.num_labels = kLabels;
  c.type_vocab_size = 2;
  return c;
}

// hidden[t] = {token, type, position in its sequence}; logits from the same numbers.
class TracingEncoder final : public models::EncoderModel {
 public:
  explicit TracingEncoder(models::EncoderHead head) : EncoderModel(tracing_config(), head) {}
  std::size_t max_tokens() const override { return 8; }

  void forward(const models::EncoderBatch& batch, ThreadPool&,
               models::EncoderOutput& out) const override {
    {
      std::lock_guard lock(mutex);
      batch_tokens.push_back(batch.tokens.size());
    }
    gate.wait(false);
    out.hidden.assign(batch.tokens.size() * kHidden, 0);
    std::vector<float> position(batch.tokens.size());
    for (const models::EncoderSequence& s : batch.sequences) {
      for (std::size_t i = 0; i < s.n_tokens; ++i) position[s.first_token + i] = float(i);
    }
    for (std::size_t t = 0; t < batch.tokens.size(); ++t) {
      out.hidden[t * kHidden] = float(batch.tokens[t]);
      out.hidden[t * kHidden + 1] = batch.token_types.empty() ? 0.f : float(batch.token_types[t]);
      out.hidden[t * kHidden + 2] = position[t];
    }
    out.logits.clear();
    switch (head()) {
      case models::EncoderHead::kNone:
        break;
      case models::EncoderHead::kSequenceClassification:
        for (const models::EncoderSequence& s : batch.sequences) {
          out.logits.push_back(float(batch.tokens[s.first_token]));
          out.logits.push_back(float(s.n_tokens));
        }
        break;
      case models::EncoderHead::kTokenClassification:
        for (std::int32_t token : batch.tokens) {
          out.logits.push_back(float(token));
          out.logits.push_back(-float(token));
        }
        break;
      case models::EncoderHead::kMaskedLm:
        for (std::size_t at : batch.lm_tokens) {
          for (std::int64_t v = 0; v < kVocab; ++v) {
            out.logits.push_back(v == batch.tokens[at] ? 1.f : 0.f);
          }
        }
        break;
    }
  }

  mutable std::mutex mutex;
  mutable std::vector<std::size_t> batch_tokens;
  mutable std::atomic<bool> gate{true};  // forward waits while false
};

EncoderInput input(std::vector<std::int32_t> tokens, std::vector<std::int32_t> types = {}) {
  EncoderInput in;
  in.tokens = std::move(tokens);
  in.token_types = std::move(types);
  return in;
}

void expect_alone(const EncoderInput& in, const EncoderResult& result) {
  ASSERT_EQ(result.hidden.size(), in.tokens.size() * kHidden);
  for (std::size_t t = 0; t < in.tokens.size(); ++t) {
    EXPECT_EQ(result.hidden[t * kHidden], float(in.tokens[t]));
    EXPECT_EQ(result.hidden[t * kHidden + 1],
              in.token_types.empty() ? 0.f : float(in.token_types[t]));
    EXPECT_EQ(result.hidden[t * kHidden + 2], float(t));
  }
}

TEST(EncoderRunnerTest, SplitsAClientBatchUnderTheTokenBudgetAndKeepsItsOrder) {
  TracingEncoder model(models::EncoderHead::kNone);
  EncoderRunner runner(model, {.max_batch_tokens = 10, .max_queue = 8, .num_threads = 1});
  std::vector<EncoderInput> inputs;
  for (int i = 0; i < 9; ++i) {
    std::vector<std::int32_t> tokens(1 + i % 7);
    std::iota(tokens.begin(), tokens.end(), i);
    inputs.push_back(input(tokens, std::vector<std::int32_t>(tokens.size(), i % 2)));
  }
  const std::vector<EncoderInput> copy = inputs;
  const std::vector<EncoderResult> results = runner.submit(std::move(inputs)).get();
  ASSERT_EQ(results.size(), copy.size());
  for (std::size_t i = 0; i < copy.size(); ++i) expect_alone(copy[i], results[i]);
  std::size_t total = 0;
  for (std::size_t n : model.batch_tokens) {
    EXPECT_LE(n, 10u);
    total += n;
  }
  EXPECT_EQ(total, 1u + 2 + 3 + 4 + 5 + 6 + 7 + 1 + 2);
  EXPECT_GT(model.batch_tokens.size(), 3u);
  const EncoderRunnerStats stats = runner.stats();
  EXPECT_EQ(stats.sequences, 9u);
  EXPECT_EQ(stats.tokens, total);
}

TEST(EncoderRunnerTest, ASequenceLongerThanTheBudgetRunsAlone) {
  TracingEncoder model(models::EncoderHead::kNone);
  EncoderRunner runner(model, {.max_batch_tokens = 2, .max_queue = 8, .num_threads = 1});
  const std::vector<EncoderResult> results =
      runner.submit({input({1, 2, 3, 4, 5}), input({6})}).get();
  expect_alone(input({1, 2, 3, 4, 5}), results[0]);
  expect_alone(input({6}), results[1]);
  EXPECT_EQ(model.batch_tokens, (std::vector<std::size_t>{5, 1}));
}

TEST(EncoderRunnerTest, ConcurrentRequestsShareBatchesAndGetTheirOwnResults) {
  TracingEncoder model(models::EncoderHead::kSequenceClassification);
  EncoderRunner runner(model, {.max_batch_tokens = 64, .max_queue = 64, .num_threads = 1});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < 8; ++c) {
    threads.emplace_back([&, c] {
      for (int r = 0; r < 20; ++r) {
        const std::int32_t first = (c * 20 + r) % kVocab;
        const std::vector<EncoderResult> results =
            runner.submit({input({first, 1, 2}), input({first})}).get();
        if (results[0].logits != std::vector<float>{float(first), 3.f} ||
            results[1].logits != std::vector<float>{float(first), 1.f}) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(runner.stats().sequences, 8u * 20 * 2);
}

TEST(EncoderRunnerTest, ShapesTokenAndMaskedLmLogitsPerInput) {
  TracingEncoder tokens_model(models::EncoderHead::kTokenClassification);
  EncoderRunner tokens_runner(tokens_model, {.num_threads = 1});
  const auto per_token = tokens_runner.submit({input({4, 5}), input({6})}).get();
  EXPECT_EQ(per_token[0].logits, (std::vector<float>{4, -4, 5, -5}));
  EXPECT_EQ(per_token[1].logits, (std::vector<float>{6, -6}));

  TracingEncoder lm_model(models::EncoderHead::kMaskedLm);
  EncoderRunner lm_runner(lm_model, {.num_threads = 1});
  EncoderInput a = input({7, 8, 9});
  a.lm_tokens = {2, 0};
  EncoderInput b = input({10});
  b.lm_tokens = {0};
  const auto masked = lm_runner.submit({a, b}).get();
  ASSERT_EQ(masked[0].logits.size(), 2u * kVocab);
  ASSERT_EQ(masked[1].logits.size(), 1u * kVocab);
  EXPECT_EQ(masked[0].logits[9], 1.f);
  EXPECT_EQ(masked[0].logits[kVocab + 7], 1.f);
  EXPECT_EQ(masked[1].logits[10], 1.f);
}

std::string submit_error(EncoderRunner& runner, std::vector<EncoderInput> inputs) {
  try {
    runner.submit(std::move(inputs)).get();
  } catch (const Error& error) {
    return error.message();
  }
  return "no error";
}

TEST(EncoderRunnerTest, RefusesBadInputsByIndexBeforeTheyReachABatch) {
  TracingEncoder model(models::EncoderHead::kNone);
  EncoderRunner runner(model, {.num_threads = 1});
  EXPECT_EQ(submit_error(runner, {input({1}), input({})}), "input 1 has no tokens");
  EXPECT_EQ(submit_error(runner, {input({1, 2, 3, 4, 5, 6, 7, 8, 9})}),
            "the input has 9 tokens; the model takes at most 8");
  EXPECT_EQ(submit_error(runner, {input({50})}),
            "the input holds token id 50, outside the vocabulary of 50");
  EXPECT_EQ(submit_error(runner, {input({1, 2}, {0})}), "the input has 1 token types for 2 tokens");
  EXPECT_EQ(submit_error(runner, {input({1}, {2})}),
            "the input holds token type 2; the model has 2");
  EncoderInput lm = input({1, 2});
  lm.lm_tokens = {2};
  EXPECT_EQ(submit_error(runner, {lm}),
            "the input asks for the logits of position 2 past its 2 tokens");
  EXPECT_TRUE(model.batch_tokens.empty());
  EXPECT_TRUE(runner.submit({}).get().empty());
}

TEST(EncoderRunnerTest, AFullQueueIsRefused) {
  auto model = std::make_unique<TracingEncoder>(models::EncoderHead::kNone);
  model->gate = false;  // the first pass blocks until opened
  auto runner = std::make_unique<EncoderRunner>(
      *model, EncoderRunnerOptions{.max_batch_tokens = 1, .max_queue = 1, .num_threads = 1});
  auto first = runner->submit({input({1})});
  while (true) {  // the first request is in its pass, out of the queue
    std::lock_guard lock(model->mutex);
    if (!model->batch_tokens.empty()) break;
  }
  auto second = runner->submit({input({2})});
  try {
    runner->submit({input({3})});
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kResourceExhausted);
  }
  model->gate = true;
  model->gate.notify_all();
  expect_alone(input({1}), first.get()[0]);
  expect_alone(input({2}), second.get()[0]);
}

}  // namespace
}  // namespace hfserve::engine
