#include "pipelines/memory_plan.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace hfserve::pipelines {
namespace {

constexpr std::size_t kGiB = std::size_t{1} << 30;

TEST(MemoryPlanTest, AModelThatDoesNotFitSaysBothNumbersAndTheWayOut) {
  const MemoryNeeds needs{6 * kGiB, 2 * kGiB, kGiB / 2};
  try {
    check_memory_fits(needs, 4 * kGiB, "org/model");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kResourceExhausted);
    EXPECT_EQ(error.message(),
              "org/model needs 8.50 GiB (weights 6.00 GiB, KV cache 2.00 GiB, working memory "
              "0.50 GiB) but only 4.00 GiB are available: use a smaller quantisation "
              "(--quantization Q4_0, or a Q4 GGUF of the model), a lower --max_model_len or "
              "--kv_cache_memory, or a machine with more memory");
  }
}

TEST(MemoryPlanTest, FitsOrUnknownPasses) {
  const MemoryNeeds needs{6 * kGiB, 2 * kGiB, kGiB / 2};
  EXPECT_NO_THROW(check_memory_fits(needs, needs.total(), "m"));
  EXPECT_NO_THROW(check_memory_fits(needs, std::nullopt, "m"));
}

// Qwen2.5-0.5B's sizes: 2048 tokens of activations and 64 sequences of logits.
TEST(MemoryPlanTest, WorkingMemoryCountsActivationsAndLogits) {
  formats::ModelConfig c;
  c.hidden_size = 896;
  c.num_attention_heads = 14;
  c.num_key_value_heads = 2;
  c.head_dim = 64;
  c.intermediate_size = 4864;
  c.vocab_size = 151936;
  const std::size_t per_token = 2 * 896 + 2 * 14 * 64 + 2 * 2 * 64 + 2 * 4864;
  EXPECT_EQ(working_bytes(c, 2048, 64), (2048 * per_token + 64 * 151936) * sizeof(float));
}

TEST(MemoryPlanTest, AvailableMemoryIsReadHere) {
  const std::optional<std::size_t> available = available_memory();
  ASSERT_TRUE(available.has_value());
  EXPECT_GT(*available, std::size_t{64} << 20);
}

}  // namespace
}  // namespace hfserve::pipelines
