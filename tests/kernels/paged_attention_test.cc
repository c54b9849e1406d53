// Paged attention, every variant, against a double-precision softmax(QK^T)V computed here
// from contiguous K/V. The cache holds the same K/V scattered over shuffled blocks, and
// every slot no sequence owns is NaN, so reading outside the block table shows up.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/install.h"
#include "tensor/kernel_table.h"

namespace hfserve::kernels {
namespace {

struct Case {
  std::size_t n_heads, n_kv_heads, head_dim, block_size, first_position, n_tokens, window;
};

const std::vector<Case> kCases = {
    {4, 4, 16, 16, 0, 1, 0},      // first decode step
    {8, 2, 64, 16, 37, 1, 0},     // decode with grouped-query attention
    {6, 3, 17, 5, 0, 23, 0},      // a prefill with odd sizes
    {4, 1, 128, 16, 10, 30, 8},   // a chunk after a prefix, sliding window
    {2, 2, 3, 1, 0, 7, 0},        // one token per block
    {16, 4, 80, 256, 300, 4, 0},  // large blocks, head_dim 80 (Phi-like)
    {4, 2, 256, 16, 5, 3, 2},     // the largest head_dim, window smaller than a block
    {20, 1, 32, 16, 40, 2, 0},    // multi-query: a group larger than one pass of heads
};

class PagedAttentionTest : public ::testing::TestWithParam<Isa> {};

TEST_P(PagedAttentionTest, MatchesDoublePrecisionAttention) {
  std::vector<Isa> supported = supported_isas();
  if (std::find(supported.begin(), supported.end(), GetParam()) == supported.end()) {
    GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
  }
  tensor::KernelTable table = table_for(GetParam());
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();

  for (const Case& c : kCases) {
    const std::size_t kv_len = c.first_position + c.n_tokens;
    const std::size_t dim = c.head_dim;
    std::vector<float> q(c.n_tokens * c.n_heads * dim), k(kv_len * c.n_kv_heads * dim), v(k.size());
    for (float& x : q) x = normal(rng);
    for (float& x : k) x = normal(rng);
    for (float& x : v) x = normal(rng);

    const std::size_t used_blocks = (kv_len + c.block_size - 1) / c.block_size;
    const std::size_t num_blocks = used_blocks + 3;
    std::vector<std::int32_t> ids(num_blocks);
    std::iota(ids.begin(), ids.end(), 0);
    std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<std::int32_t> block_table(ids.begin(), ids.begin() + used_blocks);
    std::vector<float> k_cache(num_blocks * c.n_kv_heads * c.block_size * dim, nan);
    std::vector<float> v_cache(k_cache.size(), nan);
    for (std::size_t p = 0; p < kv_len; ++p) {
      for (std::size_t kh = 0; kh < c.n_kv_heads; ++kh) {
        std::size_t at = ((block_table[p / c.block_size] * c.n_kv_heads + kh) * c.block_size +
                          p % c.block_size) *
                         dim;
        std::copy_n(&k[(p * c.n_kv_heads + kh) * dim], dim, &k_cache[at]);
        std::copy_n(&v[(p * c.n_kv_heads + kh) * dim], dim, &v_cache[at]);
      }
    }

    tensor::PagedAttentionArgs args;
    std::vector<float> out(q.size(), nan);
    args.q = q.data();
    args.out = out.data();
    args.k_cache = k_cache.data();
    args.v_cache = v_cache.data();
    args.block_table = block_table.data();
    args.n_tokens = c.n_tokens;
    args.n_heads = c.n_heads;
    args.n_kv_heads = c.n_kv_heads;
    args.head_dim = dim;
    args.block_size = c.block_size;
    args.first_position = c.first_position;
    args.sliding_window = c.window;
    args.scale = 1.0f / std::sqrt(static_cast<float>(dim));
    // Two calls over halves of the items, as two threads would make them.
    std::size_t items = c.n_tokens * c.n_kv_heads;
    table.paged_attention_f32(args, 0, items / 2);
    table.paged_attention_f32(args, items / 2, items);

    for (std::size_t t = 0; t < c.n_tokens; ++t) {
      std::size_t pos = c.first_position + t;
      for (std::size_t h = 0; h < c.n_heads; ++h) {
        std::size_t kh = h / (c.n_heads / c.n_kv_heads);
        std::vector<double> scores;
        std::vector<std::size_t> keys;
        for (std::size_t j = 0; j <= pos; ++j) {
          if (c.window != 0 && pos - j >= c.window) continue;
          double s = 0;
          for (std::size_t d = 0; d < dim; ++d) {
            s += double(q[(t * c.n_heads + h) * dim + d]) * k[(j * c.n_kv_heads + kh) * dim + d];
          }
          scores.push_back(s / std::sqrt(double(dim)));
          keys.push_back(j);
        }
        double max = *std::max_element(scores.begin(), scores.end()), z = 0;
        for (double& s : scores) z += (s = std::exp(s - max));
        for (std::size_t d = 0; d < dim; ++d) {
          double expected = 0;
          for (std::size_t i = 0; i < keys.size(); ++i) {
            expected += scores[i] / z * v[(keys[i] * c.n_kv_heads + kh) * dim + d];
          }
          float actual = out[(t * c.n_heads + h) * dim + d];
          ASSERT_NEAR(actual, expected, 2e-5 * (1 + std::abs(expected)))
              << isa_name(GetParam()) << " heads " << c.n_heads << "/" << c.n_kv_heads << " dim "
              << dim << " block " << c.block_size << " token " << t << " head " << h << " d " << d;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, PagedAttentionTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const auto& param_info) {
                           return std::string(isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::kernels
