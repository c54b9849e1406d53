#include "pipelines/encoder_tasks.h"

#include "chat/python_text.h"
#include "util/error.h"

namespace hfserve::pipelines {

EncoderTasks::EncoderTasks(const LoadedEncoder& model, engine::EncoderRunnerOptions options)
    : model_(model), runner_(*model.model, options) {}

std::string EncoderTasks::prepare(std::string_view text) const {
  // sentence-transformers lowercases with Python's str.lower() before tokenizing.
  return model_.sentence_transformers.do_lower_case ? chat::python::lower(text) : std::string(text);
}

Error EncoderTasks::too_long(const std::string& what, std::size_t length) const {
  return Error(ErrorCode::kInvalidArgument,
               what + " has " + std::to_string(length) + " tokens, more than the " +
                   std::to_string(max_model_len()) +
                   " this model takes (max_model_len): shorten it, or send \"truncate\": true to "
                   "cut it there");
}

engine::EncoderInput EncoderTasks::to_input(const tokenizer::Encoding& encoding,
                                            const std::string& what) const {
  if (encoding.size() > max_model_len()) throw too_long(what, encoding.size());
  engine::EncoderInput input;
  input.tokens.assign(encoding.ids.begin(), encoding.ids.end());
  // A model without token types (DistilBERT) takes none, as transformers' tokenizers
  // leave them out of its inputs.
  if (model_.config.type_vocab_size > 0) {
    input.token_types.assign(encoding.type_ids.begin(), encoding.type_ids.end());
  }
  return input;
}

engine::EncoderInput EncoderTasks::encode(std::string_view text, bool truncate,
                                          const std::string& what) const {
  tokenizer::EncodeOptions options;
  if (truncate) options.truncation = tokenizer::TruncationParams{max_model_len()};
  return to_input(model_.tokenizer->encode(prepare(text), options), what);
}

engine::EncoderInput EncoderTasks::encode_pair(std::string_view first, std::string_view second,
                                               bool truncate, const std::string& what) const {
  tokenizer::EncodeOptions options;
  if (truncate) options.truncation = tokenizer::TruncationParams{max_model_len()};
  return to_input(model_.tokenizer->encode_pair(prepare(first), prepare(second), options), what);
}

tokenizer::Encoding EncoderTasks::tokenize(std::string_view text, bool add_special_tokens) const {
  tokenizer::EncodeOptions options;
  options.add_special_tokens = add_special_tokens;
  options.char_offsets = true;
  options.truncation = tokenizer::TruncationParams{max_model_len()};
  return model_.tokenizer->encode(prepare(text), options);
}

std::vector<engine::EncoderInput> EncoderTasks::encode_instances(
    const std::vector<std::string>& texts, bool add_special_tokens,
    std::vector<tokenizer::Encoding>* encodings) const {
  if (texts.empty()) throw Error(ErrorCode::kInvalidArgument, "no instances: send at least one");
  std::vector<engine::EncoderInput> inputs;
  inputs.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string what = "instance " + std::to_string(i);
    tokenizer::Encoding encoding = tokenize(texts[i], add_special_tokens);
    if (encoding.ids.empty()) throw Error(ErrorCode::kInvalidArgument, what + " has no tokens");
    inputs.push_back(to_input(encoding, what));
    if (encodings) encodings->push_back(std::move(encoding));
  }
  return inputs;
}

engine::EncoderInput EncoderTasks::from_ids(std::vector<std::int32_t> ids, bool truncate,
                                            const std::string& what) const {
  if (ids.size() > max_model_len()) {
    if (!truncate) throw too_long(what, ids.size());
    ids.resize(max_model_len());
  }
  engine::EncoderInput input;
  input.tokens = std::move(ids);
  if (model_.config.type_vocab_size > 0) input.token_types.assign(input.tokens.size(), 0);
  return input;
}

}  // namespace hfserve::pipelines
