#include "pipelines/fill_mask.h"

#include <span>

#include "pipelines/class_scores.h"
#include "util/error.h"

namespace hfserve::pipelines {

FillMask fill_mask(const EncoderTasks& tasks, const std::vector<std::string>& texts,
                   const TaskSettings& settings) {
  const LoadedEncoder& model = tasks.model();
  if (!model.mask_token_id) {
    throw Error(ErrorCode::kUnsupported,
                "this model's tokenizer has no mask token (tokenizer_config.json's mask_token)");
  }
  const std::int32_t mask = static_cast<std::int32_t>(*model.mask_token_id);
  std::vector<engine::EncoderInput> inputs =
      tasks.encode_instances(texts, settings.add_special_tokens);
  FillMask result;
  result.format = settings.format;
  result.vocab_size = static_cast<std::size_t>(model.config.vocab_size);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    engine::EncoderInput& input = inputs[i];
    for (std::size_t t = 0; t < input.tokens.size(); ++t) {
      if (input.tokens[t] == mask) input.lm_tokens.push_back(t);
    }
    if (input.lm_tokens.empty()) {
      const std::string name = model.tokenizer->id_to_token(*model.mask_token_id).value_or("");
      throw Error(ErrorCode::kInvalidArgument,
                  "instance " + std::to_string(i) + " has no " + name +
                      " token to fill (or it lies past max_model_len)");
    }
    result.prompt_tokens += input.tokens.size();
  }
  const std::vector<engine::EncoderResult> outputs = tasks.runner().submit(std::move(inputs)).get();
  const std::size_t vocab = result.vocab_size;
  for (const engine::EncoderResult& output : outputs) {
    const std::span<const float> logits(output.logits);
    const std::size_t masks = logits.size() / vocab;
    if (settings.format == ScoreFormat::kIndex) {
      std::vector<std::uint32_t> ids;
      for (std::size_t m = 0; m < masks; ++m) {
        ids.push_back(static_cast<std::uint32_t>(argmax(logits.subspan(m * vocab, vocab))));
      }
      // KServe decodes the masks' tokens in one call, with transformers' defaults.
      std::string text = model.tokenizer->decode(ids, false);
      if (model.tokenizer_config.clean_up_tokenization_spaces) {
        text = tokenizer::clean_up_tokenization(std::move(text));
      }
      result.tokens.push_back(std::move(text));
    } else {
      std::vector<std::vector<double>>& rows = result.scores.emplace_back();
      for (std::size_t m = 0; m < masks; ++m) {
        rows.push_back(class_scores(logits.subspan(m * vocab, vocab), settings.format));
      }
    }
  }
  return result;
}

}  // namespace hfserve::pipelines
