#include "pipelines/speed_bench.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "engine/kv_cache.h"
#include "util/error.h"

namespace hfserve::pipelines {
namespace {

constexpr std::size_t kBlockSize = 16;

std::int32_t random_token(const models::CausalLM& model, std::mt19937& rng) {
  return static_cast<std::int32_t>(rng() % model.vocab_size());
}

// One run of a test on an empty sequence; returns its seconds.
double run_once(const models::CausalLM& model, const engine::KvCache& cache,
                const std::vector<std::int32_t>& table, std::size_t n_prompt, std::size_t n_gen,
                std::size_t n_batch, std::mt19937& rng, ThreadPool& pool) {
  std::vector<float> logits;
  std::vector<std::int32_t> tokens;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t done = 0; done < n_prompt;) {
    const std::size_t n = std::min(n_batch, n_prompt - done);
    tokens.clear();
    for (std::size_t i = 0; i < n; ++i) tokens.push_back(random_token(model, rng));
    const models::SequenceChunk chunk{0, n, done, table.data(), done + n == n_prompt};
    model.forward({tokens, {&chunk, 1}}, cache.view(), pool, logits);
    done += n;
  }
  for (std::size_t i = 0; i < n_gen; ++i) {
    tokens.assign(1, random_token(model, rng));
    const models::SequenceChunk chunk{0, 1, i, table.data(), true};
    model.forward({tokens, {&chunk, 1}}, cache.view(), pool, logits);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::vector<double> SpeedTest::tokens_per_second() const {
  std::vector<double> rates;
  for (double s : seconds) rates.push_back(static_cast<double>(n_prompt + n_gen) / s);
  return rates;
}

SampleStats sample_stats(const std::vector<double>& samples) {
  SampleStats stats;
  if (samples.empty()) return stats;
  stats.mean =
      std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  if (samples.size() < 2) return stats;
  double squares = 0;
  for (double s : samples) squares += (s - stats.mean) * (s - stats.mean);
  stats.stddev = std::sqrt(squares / static_cast<double>(samples.size() - 1));
  return stats;
}

std::vector<SpeedTest> speed_bench(const models::CausalLM& model, const SpeedBenchOptions& options,
                                   ThreadPool& pool) {
  const auto positions = static_cast<std::size_t>(model.config().max_position_embeddings);
  for (auto [flag, n] : {std::pair{"-p", options.n_prompt}, std::pair{"-n", options.n_gen}}) {
    if (positions > 0 && n > positions) {
      throw Error(ErrorCode::kInvalidArgument, std::string(flag) + " " + std::to_string(n) +
                                                   " exceeds the model's " +
                                                   std::to_string(positions) + " positions");
    }
  }
  if (options.n_prompt == 0 && options.n_gen == 0) {
    throw Error(ErrorCode::kInvalidArgument, "-p and -n are both 0: there is nothing to measure");
  }
  if (options.n_batch == 0 || options.reps == 0) {
    throw Error(ErrorCode::kInvalidArgument, "-b and -r must be at least 1");
  }
  const std::size_t longest = std::max(options.n_prompt, options.n_gen);
  const std::size_t blocks = (longest + kBlockSize - 1) / kBlockSize;
  engine::KvCache cache(model, blocks, kBlockSize);
  std::vector<std::int32_t> table(blocks);
  std::iota(table.begin(), table.end(), 0);
  std::mt19937 rng(1234);

  std::vector<SpeedTest> tests;
  if (options.n_prompt > 0) tests.push_back({options.n_prompt, 0, {}});
  if (options.n_gen > 0) tests.push_back({0, options.n_gen, {}});
  for (SpeedTest& test : tests) {
    // llama-bench's warm-up: the whole prompt, or one generated token.
    run_once(model, cache, table, test.n_prompt, test.n_gen > 0 ? 1 : 0, options.n_batch, rng,
             pool);
    for (std::size_t r = 0; r < options.reps; ++r) {
      test.seconds.push_back(
          run_once(model, cache, table, test.n_prompt, test.n_gen, options.n_batch, rng, pool));
    }
  }
  return tests;
}

}  // namespace hfserve::pipelines
