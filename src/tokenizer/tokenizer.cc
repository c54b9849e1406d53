#include "tokenizer/tokenizer.h"

#include <exception>
#include <fstream>
#include <sstream>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/decoders.h"
#include "tokenizer/json_fields.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/post_processors.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/unicode.h"
#include "util/error.h"
#include "util/thread_pool.h"

namespace hfserve::tokenizer {
namespace {

std::optional<TruncationParams> read_truncation(const json::Json& root) {
  const json::Json* config = json::optional(root, "truncation");
  if (config == nullptr) return std::nullopt;
  const std::string where = "truncation";
  TruncationParams params;
  std::int64_t max_length = json::int_or(*config, "max_length", where, 512);
  std::int64_t stride = json::int_or(*config, "stride", where, 0);
  if (max_length < 0 || stride < 0) json::fail(where, "max_length and stride must not be negative");
  params.max_length = static_cast<std::size_t>(max_length);
  params.stride = static_cast<std::size_t>(stride);
  std::string strategy = json::string_or(*config, "strategy", where, "LongestFirst");
  if (strategy == "LongestFirst") {
    params.strategy = TruncationStrategy::kLongestFirst;
  } else if (strategy == "OnlyFirst") {
    params.strategy = TruncationStrategy::kOnlyFirst;
  } else if (strategy == "OnlySecond") {
    params.strategy = TruncationStrategy::kOnlySecond;
  } else {
    json::fail(where + ".strategy", "unknown strategy \"" + strategy + "\"");
  }
  std::string direction = json::string_or(*config, "direction", where, "Right");
  if (direction != "Right" && direction != "Left") {
    json::fail(where + ".direction", "expected Right or Left, found \"" + direction + "\"");
  }
  params.truncate_right = direction == "Right";
  return params;
}

std::optional<PaddingParams> read_padding(const json::Json& root) {
  const json::Json* config = json::optional(root, "padding");
  if (config == nullptr) return std::nullopt;
  const std::string where = "padding";
  PaddingParams params;
  if (const json::Json* strategy = json::optional(*config, "strategy")) {
    if (strategy->is_object() && strategy->contains("Fixed")) {
      std::int64_t n = json::int_or(*strategy, "Fixed", where + ".strategy", 0);
      if (n < 0) json::fail(where + ".strategy.Fixed", "must not be negative");
      params.fixed_length = static_cast<std::size_t>(n);
    } else if (!(strategy->is_string() && strategy->get<std::string>() == "BatchLongest")) {
      json::fail(where + ".strategy", "expected \"BatchLongest\" or {\"Fixed\": n}");
    }
  }
  params.pad_right = json::string_or(*config, "direction", where, "Right") != "Left";
  if (const json::Json* multiple = json::optional(*config, "pad_to_multiple_of")) {
    params.pad_to_multiple_of = json::require_id(*multiple, where + ".pad_to_multiple_of");
  }
  params.pad_id = static_cast<std::uint32_t>(json::int_or(*config, "pad_id", where, 0));
  params.pad_type_id = static_cast<std::uint32_t>(json::int_or(*config, "pad_type_id", where, 0));
  params.pad_token = json::string_or(*config, "pad_token", where, "[PAD]");
  return params;
}

// Byte offsets into `text` to character offsets, the way HF's Python binding converts
// them: each byte maps to the index of the character it belongs to; the end of the text
// maps past the last character.
void to_char_offsets(const std::string& text, std::vector<Offsets>& offsets) {
  std::vector<std::size_t> char_of(text.size() + 1);
  std::size_t index = 0;
  for (std::size_t b = 0; b < text.size(); ++b) {
    if (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80) ++index;
    char_of[b] = index;
  }
  char_of[text.size()] = text.empty() ? 0 : index + 1;
  for (Offsets& o : offsets) {
    o.first = char_of[std::min(o.first, text.size())];
    o.second = char_of[std::min(o.second, text.size())];
  }
}

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read tokenizer file " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  try {
    return from_json(buffer.str(), path);
  } catch (const Error& error) {
    if (error.message().rfind(path, 0) == 0) throw;
    throw Error(error.code(), path + ": " + error.message());
  }
}

Tokenizer Tokenizer::from_json(std::string_view text, const std::string& name) {
  try {
    return build(json::parse(text, name));
  } catch (const json::Json::exception& error) {
    // Every field is checked before use; this is the safety net for anything missed.
    throw Error(ErrorCode::kInvalidArgument, name + ": malformed tokenizer: " + error.what());
  }
}

Tokenizer Tokenizer::from_document(const json::Json& root, const std::string& name) {
  try {
    return build(root);
  } catch (const json::Json::exception& error) {
    throw Error(ErrorCode::kInvalidArgument, name + ": malformed tokenizer: " + error.what());
  }
}

Tokenizer Tokenizer::build(const json::Json& root) {
  if (!root.is_object()) json::fail("(root)", "expected an object");
  Tokenizer t;
  if (const json::Json* n = json::optional(root, "normalizer")) {
    t.normalizer_ = make_normalizer(*n, "normalizer");
  }
  if (const json::Json* p = json::optional(root, "pre_tokenizer")) {
    t.pre_tokenizer_ = make_pre_tokenizer(*p, "pre_tokenizer");
  }
  t.model_ = make_model(json::require(root, "model", "(root)"), "model");
  if (const json::Json* p = json::optional(root, "post_processor")) {
    t.post_processor_ = make_post_processor(*p, "post_processor");
  }
  if (const json::Json* d = json::optional(root, "decoder")) {
    t.decoder_ = make_decoder(*d, "decoder");
  }
  std::vector<AddedToken> added;
  if (const json::Json* list = json::optional(root, "added_tokens")) {
    added = read_added_tokens(*list, "added_tokens");
  }
  t.added_ = std::make_unique<AddedVocabulary>(std::move(added), t.normalizer_.get());
  t.truncation_ = read_truncation(root);
  t.padding_ = read_padding(root);
  return t;
}

void Tokenizer::set_post_processor(const json::Json& config, const std::string& name) {
  try {
    post_processor_ = config.is_null() ? nullptr : make_post_processor(config, "post_processor");
  } catch (const json::Json::exception& error) {
    throw Error(ErrorCode::kInvalidArgument, name + ": malformed post_processor: " + error.what());
  } catch (const Error& error) {
    throw Error(error.code(), name + ": " + error.message());
  }
}

Encoding Tokenizer::encode_sequence(std::string_view raw, std::uint32_t type_id,
                                    std::int32_t sequence_id, const EncodeOptions& options) const {
  std::string text = unicode::sanitize_utf8(raw);
  PreTokenized pieces =
      added_->extract_and_normalize(text, normalizer_.get(), options.split_special);
  if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pieces);
  Encoding out;
  for (std::size_t word = 0; word < pieces.size(); ++word) {
    const Split& piece = pieces[word];
    std::vector<Token> tokens =
        piece.tokens ? *piece.tokens : model_->tokenize(piece.normalized.get());
    for (Token& token : tokens) {
      Offsets offsets =
          piece.normalized.original_offsets(token.offsets.first, token.offsets.second);
      out.push(token.id, type_id, std::move(token.value), offsets, false,
               static_cast<std::int64_t>(word), sequence_id);
    }
  }
  if (options.char_offsets) to_char_offsets(text, out.offsets);
  return out;
}

Encoding Tokenizer::finish(std::vector<Encoding> encodings, const EncodeOptions& options) const {
  const bool add_special_tokens = options.add_special_tokens;
  const std::optional<TruncationParams>& truncation =
      options.truncation ? options.truncation : truncation_;
  if (truncation) {
    TruncationParams params = *truncation;
    std::size_t added = post_processor_ && add_special_tokens
                            ? post_processor_->added_tokens(encodings.size() > 1)
                            : 0;
    params.max_length = params.max_length > added ? params.max_length - added : 0;
    truncate_encodings(encodings[0], encodings.size() > 1 ? &encodings[1] : nullptr, params,
                       options.overflowing);
  }
  if (post_processor_)
    encodings = post_processor_->process(std::move(encodings), add_special_tokens);
  Encoding out;
  for (const Encoding& e : encodings) out.append(e);
  return out;
}

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<Encoding> encodings;
  encodings.push_back(encode_sequence(text, 0, 0, options));
  Encoding out = finish(std::move(encodings), options);
  if (padding_) pad_encoding(out, padding_->fixed_length.value_or(out.size()), *padding_);
  return out;
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second,
                                const EncodeOptions& options) const {
  std::vector<Encoding> encodings;
  encodings.push_back(encode_sequence(first, 0, 0, options));
  encodings.push_back(encode_sequence(second, 1, 1, options));
  Encoding out = finish(std::move(encodings), options);
  if (padding_) pad_encoding(out, padding_->fixed_length.value_or(out.size()), *padding_);
  return out;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                              const EncodeOptions& options,
                                              ThreadPool* pool) const {
  std::vector<Encoding> out(texts.size());
  std::vector<std::exception_ptr> errors(texts.size());
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      try {
        std::vector<Encoding> encodings;
        encodings.push_back(encode_sequence(texts[i], 0, 0, options));
        out[i] = finish(std::move(encodings), options);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  if (pool != nullptr) {
    pool->parallel_for(texts.size(), run);
  } else {
    run(0, texts.size());
  }
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  if (padding_) {
    std::size_t longest = 0;
    for (const Encoding& e : out) longest = std::max(longest, e.size());
    for (Encoding& e : out) pad_encoding(e, padding_->fixed_length.value_or(longest), *padding_);
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<std::uint32_t>& ids,
                              bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (std::uint32_t id : ids) {
    std::optional<std::string> token = id_to_token(id);
    if (!token) continue;
    if (skip_special_tokens && added_->is_special(*token)) continue;
    tokens.push_back(std::move(*token));
  }
  if (decoder_) tokens = decoder_->decode_chain(std::move(tokens));
  std::string out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && !decoder_) out.push_back(' ');
    out += tokens[i];
  }
  return out;
}

std::optional<std::uint32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = added_->token_to_id(token)) return id;
  return model_->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(std::uint32_t id) const {
  if (const AddedToken* token = added_->find(id)) return token->content;
  return model_->id_to_token(id);
}

std::size_t Tokenizer::vocab_size() const {
  std::size_t n = model_->vocab_size();
  for (std::uint32_t id = static_cast<std::uint32_t>(n); added_->find(id) != nullptr; ++id) ++n;
  return n;
}

bool Tokenizer::is_special(std::uint32_t id) const {
  const AddedToken* token = added_->find(id);
  return token != nullptr && token->special;
}

}  // namespace hfserve::tokenizer
