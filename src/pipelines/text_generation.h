// Text generation: the pipeline between a request that speaks text and the engine that
// speaks token ids. It submits prompt ids with their sampling parameters, turns each
// choice's tokens back into text as they come (streaming detokenisation, never a broken
// UTF-8 character), applies stop strings (also across tokens, holding back a tail that
// could still become one), and counts tokens for usage.
//
// TextGenerator is shared by all HTTP threads; start() and the const methods are
// thread-safe. A Generation belongs to the one thread that reads it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "pipelines/loaded_model.h"
#include "pipelines/stop_strings.h"
#include "tokenizer/decode_stream.h"

namespace hfserve::pipelines {

struct TextRequest {
  // One prompt, or several (a completions request with a list): prompt p's choices are
  // numbered p * n to p * n + n - 1.
  std::vector<std::vector<std::int32_t>> prompts;
  engine::SamplingParams sampling;
  std::size_t n = 1;
  std::vector<std::string> stop;
  bool include_stop_str_in_output = false;
  bool skip_special_tokens = true;
};

// What one choice produced since the last call.
struct ChoiceDelta {
  std::size_t index = 0;
  std::string text;
  std::vector<engine::SampledToken> tokens;  // with logprobs when they were asked for
  std::optional<std::string> finish_reason;  // "stop", "length" or "abort"
};

class Generation {
 public:
  // Without a tokenizer (nullptr) the deltas carry tokens and no text.
  Generation(const tokenizer::Tokenizer* tokenizer, TextRequest request,
             std::shared_ptr<engine::RequestStream> stream);
  ~Generation();  // cancels what is still running

  // Waits for progress and appends one delta per choice that moved. Returns false once
  // every choice has finished. Throws the request's Error if the engine failed it.
  bool next(std::vector<ChoiceDelta>& out);
  void cancel() { stream_->cancel(); }

  std::size_t prompt_tokens() const { return prompt_tokens_; }
  std::size_t cached_prompt_tokens() const { return stream_->cached_prompt_tokens(); }
  std::size_t completion_tokens() const { return completion_tokens_; }
  // Seconds it waited for its first forward pass; nullopt while it still waits.
  std::optional<double> queue_seconds() const { return stream_->queue_seconds(); }

 private:
  struct Choice {
    std::optional<tokenizer::DecodeStream> decoder;
    StopStrings stops;
    bool finished = false;
  };
  ChoiceDelta& delta_for(std::vector<ChoiceDelta>& out, std::size_t first, std::size_t choice);

  std::shared_ptr<engine::RequestStream> stream_;
  std::vector<Choice> choices_;
  std::size_t open_ = 0;
  std::size_t prompt_tokens_ = 0;
  std::size_t completion_tokens_ = 0;
  std::vector<engine::StreamEvent> events_;
};

class TextGenerator {
 public:
  // `model` must outlive the generator.
  TextGenerator(const LoadedModel& model, engine::EngineOptions options);

  // Submits the request (Error as Engine::submit says).
  std::unique_ptr<Generation> start(TextRequest request);

  // The sampling defaults of the model's generation_config (temperature, top_p, top_k,
  // repetition_penalty), as vLLM applies them when a request leaves a field out.
  engine::SamplingParams default_sampling() const;

  // Whether the model has a tokenizer; without one, encode, decode and token_text throw
  // Error(kUnsupported) and generations carry token ids only.
  bool has_tokenizer() const { return model_.tokenizer != nullptr; }
  std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens) const;
  std::string decode(const std::vector<std::int32_t>& ids, bool skip_special_tokens) const;
  // One token's text as logprobs report it (special tokens included).
  std::string token_text(std::int32_t id) const;

  const LoadedModel& model() const { return model_; }
  engine::Engine& engine() { return engine_; }
  const engine::Engine& engine() const { return engine_; }

 private:
  const tokenizer::Tokenizer& tokenizer() const;

  const LoadedModel& model_;
  engine::Engine engine_;
};

}  // namespace hfserve::pipelines
