// How the classification and fill-mask tasks turn one row of a head's logits into an
// answer, exactly as KServe's Hugging Face server does: the argmax index (the first of
// equal maxima, as torch.argmax), or softmax probabilities rounded to 4 decimals (Python's
// f"{p:.4f}" of the float32 probability), or the logits as they are. Stateless.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pipelines/task.h"

namespace hfserve::pipelines {

std::int64_t argmax(std::span<const float> logits);

// kProbabilities: the rounded softmax; kRawLogits: the logits widened to double (what
// Python's tensor.item() gives). Not for kIndex.
std::vector<double> class_scores(std::span<const float> logits, ScoreFormat format);

// `value` rounded to 4 decimals as Python's float(f"{value:.4f}") rounds it.
double round_4_decimals(double value);

}  // namespace hfserve::pipelines
