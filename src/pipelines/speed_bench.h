// Prompt-processing and generation speed of a causal LM, measured as llama.cpp's
// llama-bench measures it, so `hfserve bench` and llama-bench can be run side by side on
// one GGUF file: a prompt test feeds n_prompt random token ids (which ids does not change
// the work) in batches of n_batch with logits for the last token only; a generation test feeds
// n_gen tokens one at a time from an empty cache, each asking for logits. One warm-up run,
// then `reps` timed runs, each on a cleared cache. Runs on the calling thread with its own
// KV cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/causal_lm.h"
#include "util/thread_pool.h"

namespace hfserve::pipelines {

// The mean and sample standard deviation (0 for fewer than two samples) of `samples`, as
// llama-bench reports its figures.
struct SampleStats {
  double mean = 0;
  double stddev = 0;
};
SampleStats sample_stats(const std::vector<double>& samples);

struct SpeedTest {
  std::size_t n_prompt = 0;     // prompt tokens (a pp test), or 0
  std::size_t n_gen = 0;        // generated tokens (a tg test), or 0
  std::vector<double> seconds;  // one per timed run

  // Tokens per second of each run (their sample_stats are llama-bench's avg_ts and
  // stddev_ts).
  std::vector<double> tokens_per_second() const;
};

struct SpeedBenchOptions {
  std::size_t n_prompt = 512;
  std::size_t n_gen = 128;
  std::size_t n_batch = 2048;
  std::size_t reps = 5;
};

// The pp test (when n_prompt > 0), then the tg test (when n_gen > 0). Throws
// Error(kInvalidArgument) when n_prompt or n_gen exceeds the model's positions, when
// both are 0, or when n_batch or reps is 0.
std::vector<SpeedTest> speed_bench(const models::CausalLM& model, const SpeedBenchOptions& options,
                                   ThreadPool& pool);

}  // namespace hfserve::pipelines
