// EncoderTasks: a loaded encoder model as the server uses it: text in, the runner's
// batched forward passes, results out. It owns the EncoderRunner and turns text (or a
// client's token ids) into model inputs the way sentence-transformers and transformers'
// pipelines do (lowercased when sentence_bert_config.json says so, special tokens added,
// cut to max_model_len only when the caller asks). The tasks themselves are
// pipelines/embeddings.h and pipelines/rerank.h.
//
// Any thread may call the const methods at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/encoder_runner.h"
#include "pipelines/loaded_encoder.h"
#include "util/error.h"

namespace hfserve::pipelines {

class EncoderTasks {
 public:
  // `model` must outlive this object.
  EncoderTasks(const LoadedEncoder& model, engine::EncoderRunnerOptions options);

  const LoadedEncoder& model() const { return model_; }
  std::size_t max_model_len() const { return model_.max_model_len; }
  engine::EncoderRunner& runner() const { return runner_; }

  // One text, or a pair (query and document for a cross-encoder, with token types), as
  // the model's input. Longer than max_model_len: cut there when `truncate` (longest
  // member first for a pair, as transformers' default), else Error(kInvalidArgument) that
  // names `what` ("input 3") and both lengths.
  engine::EncoderInput encode(std::string_view text, bool truncate, const std::string& what) const;
  engine::EncoderInput encode_pair(std::string_view first, std::string_view second, bool truncate,
                                   const std::string& what) const;
  // The text's tokens as KServe's V1/V2 tasks take them: always cut to max_model_len (KServe
  // tokenizes with truncation=True), special tokens as asked, offsets in characters as
  // transformers' offset_mapping gives them. to_input() makes the model's input of it.
  tokenizer::Encoding tokenize(std::string_view text, bool add_special_tokens) const;
  engine::EncoderInput to_input(const tokenizer::Encoding& encoding, const std::string& what) const;
  // Every text of a KServe V1/V2 request as tokenize() and to_input() make it; with
  // `encodings`, their encodings too. Throws Error(kInvalidArgument) for no texts or a
  // text without tokens (naming "instance i").
  std::vector<engine::EncoderInput> encode_instances(
      const std::vector<std::string>& texts, bool add_special_tokens,
      std::vector<tokenizer::Encoding>* encodings = nullptr) const;
  // A client's token ids, used as given (no special tokens added), cut or refused as above.
  engine::EncoderInput from_ids(std::vector<std::int32_t> ids, bool truncate,
                                const std::string& what) const;

 private:
  Error too_long(const std::string& what, std::size_t length) const;
  std::string prepare(std::string_view text) const;

  const LoadedEncoder& model_;
  mutable engine::EncoderRunner runner_;
};

}  // namespace hfserve::pipelines
