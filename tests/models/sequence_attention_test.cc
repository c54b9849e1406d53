// models::attend, the whole-sequence attention of the encoders and T5, on every kernel
// variant: spans of odd lengths around its 48-query chunks, an odd head size, causal with
// fewer queries than keys (T5's decoder), and an additive bias, against the textbook
// softmax(scale * Q Kᵀ + bias) V in double precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/install.h"
#include "models/layers/sequence_attention.h"
#include "tensor/kernel_table.h"
#include "util/thread_pool.h"

namespace hfserve::models {
namespace {

class SequenceAttentionTest : public ::testing::TestWithParam<kernels::Isa> {
 protected:
  void SetUp() override {
    std::vector<kernels::Isa> supported = kernels::supported_isas();
    if (std::find(supported.begin(), supported.end(), GetParam()) == supported.end()) {
      GTEST_SKIP() << "this CPU cannot run " << kernels::isa_name(GetParam());
    }
    tensor::set_kernel_table(kernels::table_for(GetParam()));
  }
  // The other tests of this binary run on the variant the CPU picks.
  void TearDown() override { kernels::install(); }
};

// out[q_first + i] of one span, head h, by the definition.
std::vector<double> expected_row(const SequenceAttention& a, const AttentionSpan& span,
                                 std::size_t h, std::size_t i) {
  const std::size_t width = a.heads * a.head_dim;
  const std::size_t seen = a.causal ? span.n_kv - span.n_q + i + 1 : span.n_kv;
  std::vector<double> scores(seen);
  double max = -1e300;
  for (std::size_t j = 0; j < seen; ++j) {
    double dot = 0;
    for (std::size_t c = 0; c < a.head_dim; ++c) {
      dot += double(a.q[(span.q_first + i) * width + h * a.head_dim + c]) *
             a.k[(span.kv_first + j) * width + h * a.head_dim + c];
    }
    scores[j] = dot * a.scale + (a.bias ? a.bias[(h * span.n_q + i) * span.n_kv + j] : 0.0);
    max = std::max(max, scores[j]);
  }
  double sum = 0;
  for (double& s : scores) sum += s = std::exp(s - max);
  std::vector<double> out(a.head_dim, 0.0);
  for (std::size_t j = 0; j < seen; ++j) {
    for (std::size_t c = 0; c < a.head_dim; ++c) {
      out[c] += scores[j] / sum * a.v[(span.kv_first + j) * width + h * a.head_dim + c];
    }
  }
  return out;
}

void check(const SequenceAttention& a, const std::vector<AttentionSpan>& spans, std::size_t rows) {
  const std::size_t width = a.heads * a.head_dim;
  for (const AttentionSpan& span : spans) {
    for (std::size_t h = 0; h < a.heads; ++h) {
      for (std::size_t i = 0; i < span.n_q; ++i) {
        const std::vector<double> want = expected_row(a, span, h, i);
        for (std::size_t c = 0; c < a.head_dim; ++c) {
          ASSERT_NEAR(a.out[(span.q_first + i) * width + h * a.head_dim + c], want[c], 2e-5)
              << "span at " << span.q_first << " head " << h << " query " << i << " dim " << c;
        }
      }
    }
  }
  // Rows no span owns are left alone.
  std::vector<bool> owned(rows, false);
  for (const AttentionSpan& span : spans) {
    std::fill(owned.begin() + span.q_first, owned.begin() + span.q_first + span.n_q, true);
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (!owned[r]) {
      ASSERT_EQ(a.out[r * width], -7.0f) << "row " << r;
    }
  }
}

struct Buffers {
  std::vector<float> q, k, v, out, bias;
};

Buffers random_buffers(std::size_t rows, std::size_t width, std::size_t bias_size) {
  std::mt19937 rng(41);
  std::normal_distribution<float> normal(0, 1);
  Buffers b;
  b.q.resize(rows * width);
  b.k.resize(rows * width);
  b.v.resize(rows * width);
  b.bias.resize(bias_size);
  for (auto* values : {&b.q, &b.k, &b.v, &b.bias}) {
    for (float& x : *values) x = normal(rng);
  }
  b.out.assign(rows * width, -7.0f);
  return b;
}

// The attention of `b`'s rows, with no scale, bias or mask yet.
SequenceAttention over(Buffers& b, std::size_t heads, std::size_t head_dim) {
  SequenceAttention a;
  a.q = b.q.data();
  a.k = b.k.data();
  a.v = b.v.data();
  a.out = b.out.data();
  a.heads = heads;
  a.head_dim = head_dim;
  return a;
}

TEST_P(SequenceAttentionTest, BidirectionalSpansOfABatch) {
  const std::size_t heads = 3, head_dim = 17, width = heads * head_dim;
  // Spans of 1, 5, 48 (one whole chunk), 49 and 100 tokens, with an unowned row between.
  const std::vector<AttentionSpan> spans = {
      {0, 1, 0, 1}, {1, 5, 1, 5}, {7, 48, 7, 48}, {55, 49, 55, 49}, {104, 100, 104, 100}};
  const std::size_t rows = 204;
  Buffers b = random_buffers(rows, width, 0);
  SequenceAttention a = over(b, heads, head_dim);
  a.scale = 1.0f / std::sqrt(float(head_dim));
  ThreadPool pool(2);
  attend(pool, a, spans);
  check(a, spans, rows);
}

TEST_P(SequenceAttentionTest, CausalWithBiasAndFewerQueriesThanKeys) {
  const std::size_t heads = 2, head_dim = 64, width = heads * head_dim;
  for (const std::size_t n_q : {1, 3, 60}) {
    const std::size_t n_kv = 70;
    // Queries are the last n_q rows of the keys' rows, as in T5's decoder.
    const std::vector<AttentionSpan> spans = {{n_kv - n_q, n_q, 0, n_kv}};
    Buffers b = random_buffers(n_kv, width, heads * n_q * n_kv);
    SequenceAttention a = over(b, heads, head_dim);
    a.bias = b.bias.data();
    a.causal = true;
    ThreadPool pool(2);
    attend(pool, a, spans);
    check(a, spans, n_kv);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryVariant, SequenceAttentionTest,
                         ::testing::Values(kernels::Isa::kScalar, kernels::Isa::kAvx2,
                                           kernels::Isa::kAvx512, kernels::Isa::kAvx512Vnni),
                         [](const auto& param_info) {
                           return std::string(kernels::isa_name(param_info.param));
                         });

}  // namespace
}  // namespace hfserve::models
