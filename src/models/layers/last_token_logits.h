// The decoders' last step: for every sequence of the batch that asks for logits, its last
// token's hidden state through the final norm, then one product with the head for all of
// them (the head is the largest matrix: read once per step, not once per sequence).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "models/causal_lm.h"
#include "models/layers/linear.h"
#include "util/thread_pool.h"

namespace hfserve::models {

// x: [tokens, hidden]; norm(row, out) writes the normed row. logits: [sequences asking,
// head.out_features()], in batch order.
void last_token_logits(const ForwardBatch& batch, const std::vector<float>& x, std::size_t hidden,
                       const std::function<void(const float*, float*)>& norm, const Linear& head,
                       ThreadPool& pool, std::vector<float>& logits);

}  // namespace hfserve::models
