// Tokenizer: a Hugging Face tokenizer.json, loaded, turning text into ids and back with
// the same results as the HF `tokenizers` library: added tokens, normalizer,
// pre-tokenizer, model, post-processor (special tokens, pairs, token_type_ids),
// truncation and padding, decoder, offsets into the input.
//
// Input text that is not valid UTF-8 is first repaired the way HF's callers do (each
// maximal ill-formed sequence becomes U+FFFD, unicode::sanitize_utf8); offsets then refer
// to the repaired text.
//
// Immutable after load apart from the set_* methods, which must not race with
// encoding; encode/decode may be called from many threads at once.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/encoding.h"

namespace hfserve {
class ThreadPool;
}

namespace hfserve::tokenizer {

class AddedVocabulary;
class Normalizer;
class PreTokenizer;
class Model;
class PostProcessor;
class Decoder;

struct EncodeOptions {
  bool add_special_tokens = true;  // HF's add_special_tokens
  bool split_special = false;  // HF's encode_special_tokens: special tokens in text are plain text
  // Offsets in characters (code points) rather than bytes: what HF's Python Encoding
  // reports. Converted before post-processing, as HF does, so offset trimming counts
  // characters too.
  bool char_offsets = false;
  // Keep what truncation cuts off as Encoding::overflowing windows (HF always does). Off
  // by default: for a pair whose members both overflow, HF's rule combines every window
  // of one with every window of the other, which grows with the product of their lengths.
  bool overflowing = false;
  // This call's truncation instead of the tokenizer's own (set_truncation), so that
  // callers sharing one tokenizer across threads can each cut to their own length.
  std::optional<TruncationParams> truncation;
};

class Tokenizer {
 public:
  // Reads `path` (a tokenizer.json). Errors: not_found when it cannot be read,
  // invalid_argument naming the file and the JSON path of what is malformed,
  // unsupported for a component hfserve does not implement.
  static Tokenizer from_file(const std::string& path);
  // Parses tokenizer.json text; `name` is used in error messages.
  static Tokenizer from_json(std::string_view text, const std::string& name = "tokenizer.json");
  // Builds the tokenizer an already parsed tokenizer.json document describes (how the
  // GGUF vocabularies of gguf_vocab.h are assembled); errors as from_json.
  static Tokenizer from_document(const nlohmann::json& root, const std::string& name);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;
  Encoding encode_pair(std::string_view first, std::string_view second,
                       const EncodeOptions& options = {}) const;
  // Encodes every text, split across `pool` (inline when null), then pads as a batch.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts,
                                     const EncodeOptions& options = {},
                                     ThreadPool* pool = nullptr) const;

  std::string decode(const std::vector<std::uint32_t>& ids, bool skip_special_tokens = true) const;

  std::optional<std::uint32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(std::uint32_t id) const;
  // HF's get_vocab_size(with_added_tokens=True).
  std::size_t vocab_size() const;
  bool is_special(std::uint32_t id) const;

  const std::optional<TruncationParams>& truncation() const { return truncation_; }
  const std::optional<PaddingParams>& padding() const { return padding_; }
  void set_truncation(std::optional<TruncationParams> params) { truncation_ = std::move(params); }
  void set_padding(std::optional<PaddingParams> params) { padding_ = std::move(params); }
  // Replaces the post-processor by the one `config` describes (tokenizer.json's
  // "post_processor" format; null removes it), as transformers does for the Llama family.
  // Errors as from_json, naming `name`.
  void set_post_processor(const nlohmann::json& config, const std::string& name);

 private:
  Tokenizer();
  // The tokenizer a parsed tokenizer.json describes.
  static Tokenizer build(const nlohmann::json& root);
  Encoding encode_sequence(std::string_view text, std::uint32_t type_id, std::int32_t sequence_id,
                           const EncodeOptions& options) const;
  Encoding finish(std::vector<Encoding> encodings, const EncodeOptions& options) const;

  std::unique_ptr<AddedVocabulary> added_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::optional<TruncationParams> truncation_;
  std::optional<PaddingParams> padding_;
};

}  // namespace hfserve::tokenizer
