// Paged attention, every variant, causal and not, against a double-precision
// softmax(QK^T)V computed here from contiguous K/V, and the SIMD variants against the
// scalar one. The cache holds the same K/V scattered over shuffled blocks, and every slot
// no sequence owns is NaN, so reading outside the block table shows up.
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
  bool causal = true;
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
    // Bidirectional (an encoder's sequence): every query sees every key.
    {4, 4, 16, 16, 0, 1, 0, false},   // one token
    {6, 6, 17, 16, 0, 23, 0, false},  // odd sizes over two blocks
    {3, 3, 5, 1, 0, 9, 0, false},     // one token per block
    {8, 2, 64, 16, 0, 64, 0, false},  // grouped heads, whole blocks
    {20, 1, 32, 7, 0, 13, 4, false},  // a window, which a non-causal pass ignores
    {4, 4, 32, 16, 11, 5, 0, false},  // after a prefix: the prefix's keys are seen too
};

// The test's K/V in a paged cache over shuffled blocks, NaN wherever no sequence writes,
// and the arguments that point the kernel at it.
struct Paged {
  std::vector<float> q, k, v, k_cache, v_cache;
  std::vector<std::int32_t> block_table;
  tensor::PagedAttentionArgs args;
};

Paged make_paged(const Case& c, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Paged p;
  const std::size_t kv_len = c.first_position + c.n_tokens;
  const std::size_t dim = c.head_dim;
  p.q.resize(c.n_tokens * c.n_heads * dim);
  p.k.resize(kv_len * c.n_kv_heads * dim);
  p.v.resize(p.k.size());
  for (float& x : p.q) x = normal(rng);
  for (float& x : p.k) x = normal(rng);
  for (float& x : p.v) x = normal(rng);

  const std::size_t used_blocks = (kv_len + c.block_size - 1) / c.block_size;
  const std::size_t num_blocks = used_blocks + 3;
  std::vector<std::int32_t> ids(num_blocks);
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  p.block_table.assign(ids.begin(), ids.begin() + used_blocks);
  p.k_cache.assign(num_blocks * c.n_kv_heads * c.block_size * dim, nan);
  p.v_cache.assign(p.k_cache.size(), nan);
  for (std::size_t pos = 0; pos < kv_len; ++pos) {
    for (std::size_t kh = 0; kh < c.n_kv_heads; ++kh) {
      std::size_t at = ((p.block_table[pos / c.block_size] * c.n_kv_heads + kh) * c.block_size +
                        pos % c.block_size) *
                       dim;
      std::copy_n(&p.k[(pos * c.n_kv_heads + kh) * dim], dim, &p.k_cache[at]);
      std::copy_n(&p.v[(pos * c.n_kv_heads + kh) * dim], dim, &p.v_cache[at]);
    }
  }
  tensor::PagedAttentionArgs& args = p.args;
  args.q = p.q.data();
  args.k_cache = p.k_cache.data();
  args.v_cache = p.v_cache.data();
  args.block_table = p.block_table.data();
  args.n_tokens = c.n_tokens;
  args.n_heads = c.n_heads;
  args.n_kv_heads = c.n_kv_heads;
  args.head_dim = dim;
  args.block_size = c.block_size;
  args.first_position = c.first_position;
  args.sliding_window = c.window;
  args.causal = c.causal;
  args.scale = 1.0f / std::sqrt(static_cast<float>(dim));
  return p;
}

// Runs the kernel in two calls over halves of the items, as two threads would make them.
std::vector<float> attend(const tensor::KernelTable& table, Paged& p) {
  std::vector<float> out(p.q.size(), std::numeric_limits<float>::quiet_NaN());
  tensor::PagedAttentionArgs args = p.args;
  args.out = out.data();
  const std::size_t items = args.n_tokens * args.n_kv_heads;
  table.paged_attention_f32(args, 0, items / 2);
  table.paged_attention_f32(args, items / 2, items);
  return out;
}

bool runs_here(Isa isa) {
  std::vector<Isa> supported = supported_isas();
  return std::find(supported.begin(), supported.end(), isa) != supported.end();
}

class PagedAttentionTest : public ::testing::TestWithParam<Isa> {};

TEST_P(PagedAttentionTest, MatchesDoublePrecisionAttention) {
  if (!runs_here(GetParam())) GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
  tensor::KernelTable table = table_for(GetParam());
  std::mt19937 rng(3);

  for (const Case& c : kCases) {
    const std::size_t kv_len = c.first_position + c.n_tokens;
    const std::size_t dim = c.head_dim;
    Paged p = make_paged(c, rng);
    const std::vector<float> out = attend(table, p);
    const std::vector<float>&q = p.q, &k = p.k, &v = p.v;

    for (std::size_t t = 0; t < c.n_tokens; ++t) {
      std::size_t pos = c.first_position + t;
      for (std::size_t h = 0; h < c.n_heads; ++h) {
        std::size_t kh = h / (c.n_heads / c.n_kv_heads);
        std::vector<double> scores;
        std::vector<std::size_t> keys;
        for (std::size_t j = 0; j < (c.causal ? pos + 1 : kv_len); ++j) {
          if (c.causal && c.window != 0 && pos - j >= c.window) continue;
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
              << dim << " block " << c.block_size << " causal " << c.causal << " token " << t
              << " head " << h << " d " << d;
        }
      }
    }
  }
}

// The SIMD variants sum in another order than the scalar one, so they agree closely but
// not bit for bit.
TEST_P(PagedAttentionTest, MatchesScalarVariant) {
  if (!runs_here(GetParam())) GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
  const tensor::KernelTable table = table_for(GetParam());
  const tensor::KernelTable scalar = table_for(Isa::kScalar);
  std::mt19937 rng(5);
  for (const Case& c : kCases) {
    Paged p = make_paged(c, rng);
    const std::vector<float> expected = attend(scalar, p);
    const std::vector<float> actual = attend(table, p);
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(actual[i], expected[i], 1e-5f * (1 + std::abs(expected[i])))
          << isa_name(GetParam()) << " heads " << c.n_heads << "/" << c.n_kv_heads << " dim "
          << c.head_dim << " causal " << c.causal << " at " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, PagedAttentionTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512,
                                           Isa::kAvx512Vnni),
                         [](const auto& param_info) {
                           return std::string(isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::kernels
