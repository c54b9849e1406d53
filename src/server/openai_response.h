// OpenAI response bodies: whole responses (chat.completion, text_completion) and the SSE
// chunks of a stream (chat.completion.chunk, text_completion), built from the pipeline's
// ChoiceDeltas. Logprobs come in the shape of each endpoint: chat's content list with
// bytes and top_logprobs, the completions' tokens/token_logprobs/top_logprobs/text_offset.
// Not thread-safe: one ResponseWriter per request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipelines/text_generation.h"
#include "server/openai_request.h"

namespace hfserve::server {

// A response and request id: `prefix` and 32 random hex digits ("chatcmpl-…").
std::string random_id(const char* prefix);

class ResponseWriter {
 public:
  // `fingerprint` is OpenAI's system_fingerprint ("hfserve-<version>"); `id` is the
  // response's id (random_id("chatcmpl-") or ("cmpl-")), made when the request arrived.
  ResponseWriter(const OpenAiCall& call, std::string model_name, std::string fingerprint,
                 const pipelines::TextGenerator& generator, std::string id);

  // The response's "id" (chatcmpl-…, cmpl-…), which is also its request id.
  const std::string& id() const { return id_; }

  // Streaming: the chunks for `deltas` (chat's first chunk per choice carries the role).
  std::vector<nlohmann::json> chunks(const std::vector<pipelines::ChoiceDelta>& deltas);
  // The final usage chunk (choices: []).
  nlohmann::json usage_chunk(const pipelines::Generation& generation) const;

  // Whole response: accumulate, then build.
  void add(const std::vector<pipelines::ChoiceDelta>& deltas);
  nlohmann::json response(const pipelines::Generation& generation) const;

 private:
  struct ChoiceState {
    std::string text;
    std::vector<engine::SampledToken> tokens;
    std::string finish_reason;
    bool started = false;    // chat: the role chunk went out
    std::size_t offset = 0;  // completions logprobs: text_offset of the next token
  };
  nlohmann::json base(const char* object) const;
  // `offset`: completions' text_offset of the first token; advanced past the tokens.
  nlohmann::json logprobs(const std::vector<engine::SampledToken>& tokens,
                          std::size_t& offset) const;
  nlohmann::json usage(const pipelines::Generation& generation) const;
  // The text of the prompt choice `index` continues (for echo).
  const std::string& prompt_text(std::size_t index) const {
    return call_.prompt_texts[index / call_.text.n];
  }

  const OpenAiCall& call_;
  std::string model_name_;
  std::string fingerprint_;
  const pipelines::TextGenerator& generator_;
  std::string id_;
  std::int64_t created_;
  std::vector<ChoiceState> choices_;
};

}  // namespace hfserve::server
