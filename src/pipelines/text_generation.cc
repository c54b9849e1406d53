#include "pipelines/text_generation.h"

#include "util/error.h"

namespace hfserve::pipelines {
namespace {

const char* finish_reason_name(engine::FinishReason reason) {
  switch (reason) {
    case engine::FinishReason::kStop:
      return "stop";
    case engine::FinishReason::kLength:
      return "length";
    case engine::FinishReason::kCancelled:
      return "abort";
  }
  return "abort";
}

}  // namespace

Generation::Generation(const tokenizer::Tokenizer* tokenizer, TextRequest request,
                       std::shared_ptr<engine::RequestStream> stream)
    : stream_(std::move(stream)), open_(request.prompts.size() * request.n) {
  for (const std::vector<std::int32_t>& prompt : request.prompts) prompt_tokens_ += prompt.size();
  choices_.reserve(open_);
  for (std::size_t i = 0; i < open_; ++i) {
    std::optional<tokenizer::DecodeStream> decoder;
    if (tokenizer != nullptr) decoder.emplace(*tokenizer, request.skip_special_tokens);
    choices_.push_back(
        {std::move(decoder), StopStrings(request.stop, request.include_stop_str_in_output)});
  }
}

Generation::~Generation() { stream_->cancel(); }

ChoiceDelta& Generation::delta_for(std::vector<ChoiceDelta>& out, std::size_t first,
                                   std::size_t choice) {
  for (std::size_t i = first; i < out.size(); ++i) {
    if (out[i].index == choice) return out[i];
  }
  out.push_back({});
  out.back().index = choice;
  return out.back();
}

bool Generation::next(std::vector<ChoiceDelta>& out) {
  const std::size_t first = out.size();
  while (open_ > 0 && out.size() == first) {
    events_.clear();
    if (!stream_->next(events_)) {
      if (std::optional<Error> error = stream_->error()) throw *error;
      break;
    }
    for (const engine::StreamEvent& event : events_) {
      Choice& choice = choices_[event.choice];
      if (choice.finished) continue;
      ChoiceDelta& delta = delta_for(out, first, event.choice);
      if (event.token) {
        ++completion_tokens_;
        delta.tokens.push_back(*event.token);
        // The token that ended the choice (EOS, a stop id) is counted, not shown.
        const bool stop_token = event.finish == engine::FinishReason::kStop;
        if (!stop_token && choice.decoder) {
          if (auto text = choice.decoder->step(static_cast<std::uint32_t>(event.token->token))) {
            delta.text += choice.stops.feed(*text);
          }
        }
      }
      if (choice.stops.matched()) {
        // The text reached a stop string: this choice is done; the engine drops it.
        stream_->stop_choice(event.choice);
        delta.finish_reason = "stop";
      } else if (event.finish) {
        delta.text += choice.stops.flush();
        delta.finish_reason = finish_reason_name(*event.finish);
      }
      if (delta.finish_reason) {
        choice.finished = true;
        --open_;
      }
    }
  }
  return out.size() > first;
}

TextGenerator::TextGenerator(const LoadedModel& model, engine::EngineOptions options)
    : model_(model), engine_(*model.model, model.eos_ids, options) {}

std::unique_ptr<Generation> TextGenerator::start(TextRequest request) {
  std::vector<engine::GenerationRequest> specs;
  for (const std::vector<std::int32_t>& prompt : request.prompts) {
    engine::GenerationRequest spec;
    spec.prompt = prompt;
    spec.sampling = request.sampling;
    spec.n = request.n;
    specs.push_back(std::move(spec));
  }
  std::shared_ptr<engine::RequestStream> stream = engine_.submit(std::move(specs));
  return std::make_unique<Generation>(model_.tokenizer.get(), std::move(request),
                                      std::move(stream));
}

engine::SamplingParams TextGenerator::default_sampling() const {
  engine::SamplingParams p;
  const formats::GenerationDefaults& g = model_.config.generation;
  if (g.temperature) p.temperature = static_cast<float>(*g.temperature);
  if (g.top_p) p.top_p = static_cast<float>(*g.top_p);
  if (g.top_k) p.top_k = *g.top_k;
  if (g.repetition_penalty) p.repetition_penalty = static_cast<float>(*g.repetition_penalty);
  return p;
}

std::vector<std::int32_t> TextGenerator::encode(std::string_view text,
                                                bool add_special_tokens) const {
  tokenizer::EncodeOptions options;
  options.add_special_tokens = add_special_tokens;
  const tokenizer::Encoding encoding = tokenizer().encode(text, options);
  return {encoding.ids.begin(), encoding.ids.end()};
}

std::string TextGenerator::decode(const std::vector<std::int32_t>& ids,
                                  bool skip_special_tokens) const {
  return tokenizer().decode({ids.begin(), ids.end()}, skip_special_tokens);
}

std::string TextGenerator::token_text(std::int32_t id) const {
  return tokenizer().decode({static_cast<std::uint32_t>(id)}, false);
}

const tokenizer::Tokenizer& TextGenerator::tokenizer() const {
  if (!model_.tokenizer) {
    throw Error(ErrorCode::kUnsupported,
                model_.source +
                    " carries no tokenizer (no tokenizer.json, no tokenizer.ggml.* "
                    "metadata): give the prompt as token ids");
  }
  return *model_.tokenizer;
}

}  // namespace hfserve::pipelines
