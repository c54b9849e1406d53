#include "server/openai_response.h"

#include <chrono>
#include <random>

namespace hfserve::server {

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return std::string(prefix) + hex;
}

namespace {

using Json = nlohmann::json;

Json bytes_of(const std::string& text) {
  Json bytes = Json::array();
  for (unsigned char c : text) bytes.push_back(static_cast<int>(c));
  return bytes;
}

}  // namespace

ResponseWriter::ResponseWriter(const OpenAiCall& call, std::string model_name,
                               std::string fingerprint, const pipelines::TextGenerator& generator,
                               std::string id)
    : call_(call),
      model_name_(std::move(model_name)),
      fingerprint_(std::move(fingerprint)),
      generator_(generator),
      id_(std::move(id)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()),
      choices_(call.text.prompts.size() * call.text.n) {}

Json ResponseWriter::base(const char* object) const {
  return {{"id", id_},
          {"object", object},
          {"created", created_},
          {"model", model_name_},
          {"system_fingerprint", fingerprint_}};
}

Json ResponseWriter::logprobs(const std::vector<engine::SampledToken>& tokens,
                              std::size_t& offset) const {
  if (!call_.logprobs) return nullptr;
  if (call_.chat) {
    Json content = Json::array();
    for (const engine::SampledToken& t : tokens) {
      const std::string text = generator_.token_text(t.token);
      Json top = Json::array();
      for (const engine::TokenLogprob& alt : t.top) {
        const std::string alt_text = generator_.token_text(alt.token);
        top.push_back(
            {{"token", alt_text}, {"logprob", alt.logprob}, {"bytes", bytes_of(alt_text)}});
      }
      content.push_back({{"token", text},
                         {"logprob", t.logprob},
                         {"bytes", bytes_of(text)},
                         {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  Json out = {{"tokens", Json::array()},
              {"token_logprobs", Json::array()},
              {"top_logprobs", Json::array()},
              {"text_offset", Json::array()}};
  for (const engine::SampledToken& t : tokens) {
    const std::string text = generator_.token_text(t.token);
    out["tokens"].push_back(text);
    out["token_logprobs"].push_back(t.logprob);
    Json top = Json::object();
    for (const engine::TokenLogprob& alt : t.top)
      top[generator_.token_text(alt.token)] = alt.logprob;
    out["top_logprobs"].push_back(top);
    out["text_offset"].push_back(offset);
    offset += text.size();
  }
  return out;
}

Json ResponseWriter::usage(const pipelines::Generation& generation) const {
  return {{"prompt_tokens", generation.prompt_tokens()},
          {"completion_tokens", generation.completion_tokens()},
          {"total_tokens", generation.prompt_tokens() + generation.completion_tokens()},
          {"prompt_tokens_details", {{"cached_tokens", generation.cached_prompt_tokens()}}}};
}

std::vector<Json> ResponseWriter::chunks(const std::vector<pipelines::ChoiceDelta>& deltas) {
  std::vector<Json> out;
  for (const pipelines::ChoiceDelta& delta : deltas) {
    ChoiceState& state = choices_[delta.index];
    Json choice = {{"index", delta.index}};
    if (call_.chat) {
      Json message = Json::object();
      if (!state.started) {
        message["role"] = "assistant";
        state.started = true;
      }
      if (!delta.text.empty() || message.contains("role")) message["content"] = delta.text;
      choice["delta"] = message;
    } else {
      std::string text = delta.text;
      if (call_.echo && !state.started) text = prompt_text(delta.index) + text;
      state.started = true;
      choice["text"] = text;
    }
    choice["logprobs"] = logprobs(delta.tokens, state.offset);
    choice["finish_reason"] = delta.finish_reason ? Json(*delta.finish_reason) : Json(nullptr);
    Json chunk = base(call_.chat ? "chat.completion.chunk" : "text_completion");
    chunk["choices"] = Json::array({choice});
    if (call_.include_usage) chunk["usage"] = nullptr;
    out.push_back(std::move(chunk));
  }
  return out;
}

Json ResponseWriter::usage_chunk(const pipelines::Generation& generation) const {
  Json chunk = base(call_.chat ? "chat.completion.chunk" : "text_completion");
  chunk["choices"] = Json::array();
  chunk["usage"] = usage(generation);
  return chunk;
}

void ResponseWriter::add(const std::vector<pipelines::ChoiceDelta>& deltas) {
  for (const pipelines::ChoiceDelta& delta : deltas) {
    ChoiceState& state = choices_[delta.index];
    state.text += delta.text;
    state.tokens.insert(state.tokens.end(), delta.tokens.begin(), delta.tokens.end());
    if (delta.finish_reason) state.finish_reason = *delta.finish_reason;
  }
}

Json ResponseWriter::response(const pipelines::Generation& generation) const {
  Json out = base(call_.chat ? "chat.completion" : "text_completion");
  Json choices = Json::array();
  for (std::size_t i = 0; i < choices_.size(); ++i) {
    const ChoiceState& state = choices_[i];
    Json choice = {{"index", i}};
    if (call_.chat) {
      choice["message"] = {{"role", "assistant"}, {"content", state.text}};
    } else {
      choice["text"] = call_.echo ? prompt_text(i) + state.text : state.text;
    }
    std::size_t offset = 0;
    choice["logprobs"] = logprobs(state.tokens, offset);
    choice["finish_reason"] = state.finish_reason;
    choices.push_back(std::move(choice));
  }
  out["choices"] = std::move(choices);
  out["usage"] = usage(generation);
  return out;
}

}  // namespace hfserve::server
