#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace hfserve::engine {
namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

// log(sum(exp(x))), stable.
float log_sum_exp(std::span<const float> x) {
  float max = *std::max_element(x.begin(), x.end());
  if (!std::isfinite(max)) return max;
  double sum = 0;
  for (float v : x) sum += std::exp(static_cast<double>(v - max));
  return max + static_cast<float>(std::log(sum));
}

void fill_logprobs(std::span<const float> raw, int top_n, std::int32_t chosen, SampledToken& out) {
  const float lse = log_sum_exp(raw);
  out.logprob = raw[static_cast<std::size_t>(chosen)] - lse;
  if (top_n <= 0) return;
  std::vector<std::int32_t> ids(raw.size());
  std::iota(ids.begin(), ids.end(), 0);
  const auto n = std::min<std::size_t>(static_cast<std::size_t>(top_n), raw.size());
  std::partial_sort(
      ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(),
      [&](std::int32_t a, std::int32_t b) { return raw[a] != raw[b] ? raw[a] > raw[b] : a < b; });
  for (std::size_t i = 0; i < n; ++i) out.top.push_back({ids[i], raw[ids[i]] - lse});
}

void apply_penalties(std::span<float> logits, const SamplingParams& p,
                     const SamplingContext& context) {
  if (p.repetition_penalty != 1.0f) {
    // HF's RepetitionPenaltyLogitsProcessor: once per distinct seen token.
    std::vector<bool> seen(logits.size());
    auto penalise = [&](std::int32_t token) {
      auto t = static_cast<std::size_t>(token);
      if (t >= logits.size() || seen[t]) return;
      seen[t] = true;
      logits[t] =
          logits[t] > 0 ? logits[t] / p.repetition_penalty : logits[t] * p.repetition_penalty;
    };
    for (std::int32_t token : context.prompt) penalise(token);
    for (std::int32_t token : context.output) penalise(token);
  }
  if (p.presence_penalty != 0 || p.frequency_penalty != 0) {
    std::unordered_map<std::int32_t, int> counts;
    for (std::int32_t token : context.output) ++counts[token];
    for (const auto& [token, count] : counts) {
      auto t = static_cast<std::size_t>(token);
      if (t >= logits.size()) continue;
      logits[t] -= p.frequency_penalty * static_cast<float>(count) + p.presence_penalty;
    }
  }
}

std::int32_t argmax(std::span<const float> logits) {
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Candidates most likely first (ties: lower id first, so the order is deterministic),
// restricted by top-k, top-p and min-p; probabilities renormalised over what is left.
struct Candidate {
  std::int32_t token;
  float prob;
};

std::vector<Candidate> filtered_candidates(std::span<const float> logits, const SamplingParams& p) {
  const float max = *std::max_element(logits.begin(), logits.end());
  std::vector<Candidate> c;
  c.reserve(logits.size());
  double sum = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] == kMasked) continue;
    float e = std::exp((logits[i] - max) / p.temperature);
    c.push_back({static_cast<std::int32_t>(i), e});
    sum += e;
  }
  for (Candidate& x : c) x.prob = static_cast<float>(x.prob / sum);
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.prob != b.prob ? a.prob > b.prob : a.token < b.token;
  };
  std::size_t keep = c.size();
  if (p.top_k > 0) keep = std::min(keep, static_cast<std::size_t>(p.top_k));
  // Sorting all of a 150k vocabulary per token is costly; the top few hundred almost
  // always hold top_p's mass, so sort those first and fall back to everything if not.
  std::size_t sorted = std::min<std::size_t>(keep, p.top_p < 1 ? 512 : keep);
  auto sort_prefix = [&](std::size_t n) {
    std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n), c.end(), better);
  };
  sort_prefix(sorted);
  if (p.top_p < 1) {
    auto cut = [&](std::size_t n) -> std::size_t {
      double mass = 0;
      for (std::size_t i = 0; i < n; ++i) {
        mass += c[i].prob;
        if (mass >= p.top_p) return i + 1;
      }
      return 0;
    };
    std::size_t n = cut(sorted);
    if (n == 0 && sorted < keep) {
      sort_prefix(keep);
      n = cut(keep);
    }
    if (n != 0) keep = std::min(keep, n);
  } else if (sorted < keep) {
    sort_prefix(keep);
  }
  c.resize(keep);
  if (p.min_p > 0 && !c.empty()) {
    const float threshold = p.min_p * c.front().prob;
    while (c.size() > 1 && c.back().prob < threshold) c.pop_back();
  }
  double total = 0;
  for (const Candidate& x : c) total += x.prob;
  for (Candidate& x : c) x.prob = static_cast<float>(x.prob / total);
  return c;
}

}  // namespace

std::mt19937_64 make_rng(const SamplingParams& params, std::size_t choice) {
  if (!params.seed) {
    std::random_device device;
    return std::mt19937_64((static_cast<std::uint64_t>(device()) << 32) ^ device());
  }
  std::seed_seq seq{static_cast<std::uint32_t>(*params.seed),
                    static_cast<std::uint32_t>(*params.seed >> 32),
                    static_cast<std::uint32_t>(choice)};
  return std::mt19937_64(seq);
}

SampledToken sample(std::span<float> logits, const SamplingParams& p,
                    const SamplingContext& context) {
  std::vector<float> raw;
  if (p.logprobs >= 0) raw.assign(logits.begin(), logits.end());

  for (const auto& [token, bias] : p.logit_bias) logits[static_cast<std::size_t>(token)] += bias;
  if (context.output.size() < p.min_tokens) {
    for (std::int32_t id : context.eos_ids) logits[static_cast<std::size_t>(id)] = kMasked;
    for (std::int32_t id : p.stop_token_ids) logits[static_cast<std::size_t>(id)] = kMasked;
  }
  apply_penalties(logits, p, context);

  SampledToken out;
  if (p.temperature == 0 || p.top_k == 1) {
    out.token = argmax(logits);
  } else {
    std::vector<Candidate> candidates = filtered_candidates(logits, p);
    if (candidates.empty()) candidates.push_back({argmax(logits), 1.0f});
    // 53 random bits as a double in [0, 1): the same on every platform, unlike
    // std::uniform_real_distribution.
    const double u = static_cast<double>((*context.rng)() >> 11) * 0x1.0p-53;
    double cumulative = 0;
    out.token = candidates.back().token;
    for (const Candidate& c : candidates) {
      cumulative += c.prob;
      if (u < cumulative) {
        out.token = c.token;
        break;
      }
    }
  }
  if (p.logprobs >= 0) fill_logprobs(raw, p.logprobs, out.token, out);
  return out;
}

}  // namespace hfserve::engine
