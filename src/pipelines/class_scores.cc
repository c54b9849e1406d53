#include "pipelines/class_scores.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/error.h"

namespace hfserve::pipelines {

std::int64_t argmax(std::span<const float> logits) {
  HFSERVE_CHECK(!logits.empty());
  return std::max_element(logits.begin(), logits.end()) - logits.begin();
}

double round_4_decimals(double value) {
  // printf rounds the exact binary value correctly, as Python's format does; a scaled
  // std::round would not (0.00015 is 1.49999...e-4 in binary).
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", value);
  return std::strtod(text, nullptr);
}

std::vector<double> class_scores(std::span<const float> logits, ScoreFormat format) {
  HFSERVE_CHECK(format != ScoreFormat::kIndex);
  std::vector<double> out(logits.begin(), logits.end());
  if (format == ScoreFormat::kRawLogits) return out;
  const double max = *std::max_element(out.begin(), out.end());
  double sum = 0;
  for (double& v : out) {
    v = std::exp(v - max);
    sum += v;
  }
  // torch computes the probabilities in float32; KServe formats those.
  for (double& v : out) v = round_4_decimals(static_cast<float>(v / sum));
  return out;
}

}  // namespace hfserve::pipelines
