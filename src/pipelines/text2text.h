// Text2text generation: an encoder-decoder model (T5) as a task. The input text is
// tokenized with the model's special tokens (T5's tokenizer appends </s>), the encoder
// runs once, then the decoder generates from decoder_start_token_id one token per step
// with the engine's sampler (greedy at temperature 0) until EOS, a stop token id, a stop
// string or max_tokens; the output is detokenised as it grows (never a broken UTF-8
// character) with special tokens skipped, as transformers' decode(skip_special_tokens).
//
// load_seq2seq reads a pulled folder (config.json + safetensors + tokenizer.json).
// Text2TextGenerator may be called from any thread. The model's forward passes share one
// ThreadPool, so each (encoder run, decoder step) holds a mutex: requests interleave step
// by step instead of running at once. Each request keeps its own DecoderCache and random
// generator, so its result does not depend on what else runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sampling_params.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "hub/pull.h"
#include "models/load_options.h"
#include "models/seq2seq.h"
#include "tokenizer/tokenizer.h"
#include "util/thread_pool.h"

namespace hfserve::pipelines {

struct LoadedSeq2Seq {
  std::string source;  // the folder, for logs
  formats::ModelConfig config;
  std::unique_ptr<formats::WeightSource> weights;
  std::unique_ptr<models::Seq2SeqModel> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
};

// Whether the pulled model is an encoder-decoder (its config.json names a T5).
bool is_seq2seq_model(const hub::PulledModel& pulled);

// Throws Error: kNotFound for missing files, kUnsupported for GGUF or another T5 head,
// kInvalidArgument for malformed files.
LoadedSeq2Seq load_seq2seq(const hub::PulledModel& pulled, const models::LoadOptions& options = {});

struct Text2TextRequest {
  std::string text;
  engine::SamplingParams sampling;  // max_tokens, temperature, top_p, top_k, seed, ...
  std::vector<std::string> stop;    // stop strings: the text ends before the first one
};

struct Text2TextResult {
  std::string text;
  // "stop" (EOS, stop id or string), "length", or "abort" when the caller's step callback
  // stopped it.
  std::string finish_reason;
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;  // generated ids, EOS included
};

class Text2TextGenerator {
 public:
  // `model` must outlive the generator; num_threads 0: one per hardware thread.
  Text2TextGenerator(const LoadedSeq2Seq& model, std::size_t num_threads);

  // Called after every generated token with the text that became final (empty while a
  // character or a possible stop string is incomplete): a stream's next piece. Returning
  // false ends the generation ("abort"), e.g. when the client has gone.
  using OnStep = std::function<bool(std::string_view text)>;

  // Throws Error(kInvalidArgument) for sampling parameters out of range or an input with no
  // tokens. The pieces given to on_step add up to the result's text. `choice`: which of a
  // request's n choices this is, for its own random stream (engine::make_rng).
  Text2TextResult generate(const Text2TextRequest& request, const OnStep& on_step = {},
                           std::size_t choice = 0) const;

  const LoadedSeq2Seq& model() const { return model_; }

 private:
  const LoadedSeq2Seq& model_;
  mutable std::mutex mutex_;  // guards pool_ (see the header)
  mutable ThreadPool pool_;
};

}  // namespace hfserve::pipelines
