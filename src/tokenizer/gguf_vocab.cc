// The GGUF vocabulary becomes the tokenizer.json document of the model it was converted
// from (or, for vocabularies without merges, the one transformers' GGUF conversion
// makes), which the ordinary tokenizer.json builder then loads: one implementation of
// BPE, WordPiece, added tokens and decoders serves both sources.
#include "tokenizer/gguf_vocab.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "tokenizer/gguf_pre_tokenizers.h"
#include "tokenizer/unicode.h"
#include "util/base64.h"
#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

using Json = nlohmann::json;
using TokenIds = std::unordered_map<std::string, std::uint32_t>;

constexpr const char* kSpace = "\xE2\x96\x81";  // "▁", SentencePiece's space

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "GGUF vocabulary: " + what);
}

GgufTokenType type_of(const GgufVocab& vocab, std::size_t id) {
  if (vocab.token_types.empty()) return GgufTokenType::kNormal;
  return static_cast<GgufTokenType>(vocab.token_types[id]);
}

bool is_added(GgufTokenType type) {
  return type == GgufTokenType::kControl || type == GgufTokenType::kUnknown ||
         type == GgufTokenType::kUserDefined;
}

// An id of the file, when it names a token; llama.cpp ignores one out of range too.
std::optional<std::uint32_t> in_range(std::optional<std::uint32_t> id, const GgufVocab& vocab) {
  if (id && *id < vocab.tokens.size()) return id;
  return std::nullopt;
}

// The token strings the tokenizer.json vocabulary holds. llama.cpp names an empty token
// "[EMPTY_<id>]"; BERT's GGUF form ("▁word", "ing") goes back to WordPiece's
// ("word", "##ing"), undoing convert_hf_to_gguf.py's phantom-space rewrite.
std::vector<std::string> model_tokens(const GgufVocab& vocab) {
  std::vector<std::string> out;
  out.reserve(vocab.tokens.size());
  for (std::size_t id = 0; id < vocab.tokens.size(); ++id) {
    std::string token = vocab.tokens[id];
    if (token.empty()) token = "[EMPTY_" + std::to_string(id) + "]";
    if (unicode::sanitize_utf8(token) != token) {
      invalid("token " + std::to_string(id) + " is not valid UTF-8");
    }
    if (vocab.model == "bert" && !is_added(type_of(vocab, id))) {
      if (token.rfind(kSpace, 0) == 0) {
        token.erase(0, 3);
      } else if (!(token.size() >= 2 && token.front() == '[' && token.back() == ']')) {
        token = "##" + token;
      }
    }
    out.push_back(std::move(token));
  }
  return out;
}

TokenIds index_tokens(const std::vector<std::string>& tokens) {
  TokenIds ids;
  ids.reserve(tokens.size());
  for (std::uint32_t id = 0; id < tokens.size(); ++id) {
    auto [it, inserted] = ids.emplace(tokens[id], id);
    if (!inserted) {
      invalid("duplicate token \"" + tokens[id] + "\" (ids " + std::to_string(it->second) +
              " and " + std::to_string(id) + ")");
    }
  }
  return ids;
}

Json vocab_object(const std::vector<std::string>& tokens) {
  Json object = Json::object();
  for (std::uint32_t id = 0; id < tokens.size(); ++id) object[tokens[id]] = id;
  return object;
}

// "left right" merges as stored (llama.cpp splits at the first space after the first
// byte, so a left part may itself be a space).
Json stored_merges(const GgufVocab& vocab) {
  Json out = Json::array();
  for (std::size_t i = 0; i < vocab.merges.size(); ++i) {
    const std::string& merge = vocab.merges[i];
    std::size_t space = merge.empty() ? std::string::npos : merge.find(' ', 1);
    if (space == std::string::npos) {
      invalid("merge " + std::to_string(i) + " (\"" + merge + "\") is not \"left right\"");
    }
    out.push_back({merge.substr(0, space), merge.substr(space + 1)});
  }
  return out;
}

// SentencePiece vocabularies carry scores, not merges. As transformers' GGUF conversion
// does: every split of every token into two tokens is a merge, ranked by the merged
// token's score, then by the parts' scores (best first, ties in vocabulary order). Then
// BPE's lowest-rank-first merging is SentencePiece's highest-score-first.
Json merges_from_scores(const std::vector<std::string>& tokens, const TokenIds& ids,
                        const std::vector<float>& scores) {
  struct Merge {
    std::uint32_t left, right;
    float score, left_score, right_score;
  };
  auto score = [&](std::uint32_t id) { return scores.empty() ? 0.0f : scores[id]; };
  std::vector<Merge> merges;
  for (std::uint32_t id = 0; id < tokens.size(); ++id) {
    const std::string& piece = tokens[id];
    std::size_t first = merges.size();
    for (std::size_t cut = unicode::sequence_length(piece[0]); cut < piece.size();
         cut += unicode::sequence_length(static_cast<unsigned char>(piece[cut]))) {
      auto left = ids.find(piece.substr(0, cut));
      auto right = ids.find(piece.substr(cut));
      if (left == ids.end() || right == ids.end()) continue;
      merges.push_back(
          {left->second, right->second, score(id), score(left->second), score(right->second)});
    }
    std::stable_sort(merges.begin() + static_cast<std::ptrdiff_t>(first), merges.end(),
                     [](const Merge& a, const Merge& b) {
                       return std::pair(a.left_score, a.right_score) >
                              std::pair(b.left_score, b.right_score);
                     });
  }
  std::stable_sort(merges.begin(), merges.end(),
                   [](const Merge& a, const Merge& b) { return a.score > b.score; });
  Json out = Json::array();
  for (const Merge& m : merges) out.push_back({tokens[m.left], tokens[m.right]});
  return out;
}

Json added_tokens(const GgufVocab& vocab, const std::vector<std::string>& tokens) {
  Json out = Json::array();
  for (std::uint32_t id = 0; id < tokens.size(); ++id) {
    GgufTokenType type = type_of(vocab, id);
    if (!is_added(type)) continue;
    out.push_back({{"id", id},
                   {"content", tokens[id]},
                   {"single_word", false},
                   {"lstrip", false},
                   {"rstrip", false},
                   {"normalized", false},
                   {"special", type != GgufTokenType::kUserDefined}});
  }
  return out;
}

Json split(const std::string& regex) {
  return {{"type", "Split"},
          {"pattern", {{"Regex", regex}}},
          {"behavior", "Isolated"},
          {"invert", false}};
}

Json replace(const std::string& from, const std::string& to) {
  return {{"type", "Replace"}, {"pattern", {{"String", from}}}, {"content", to}};
}

Json replace_regex(const std::string& regex, const std::string& to) {
  return {{"type", "Replace"}, {"pattern", {{"Regex", regex}}}, {"content", to}};
}

// The special tokens added around one sequence ([BOS] $A [EOS] [SEP]) and a pair: BERT
// writes [CLS] A [SEP] B [SEP], the others repeat the whole frame for B (what
// transformers' Llama tokenizer does).
struct Frame {
  std::optional<std::uint32_t> bos, eos, sep;
  bool repeat_prefix_for_pair = true;
  int pair_type_id = 1;  // the type id of B's tokens
};

Json template_processing(const Frame& frame, const std::vector<std::string>& tokens) {
  Json special = Json::object();
  auto piece = [&](std::uint32_t id, int type_id) {
    special[tokens[id]] = {{"id", tokens[id]}, {"ids", {id}}, {"tokens", {tokens[id]}}};
    return Json{{"SpecialToken", {{"id", tokens[id]}, {"type_id", type_id}}}};
  };
  auto sequence = [&](Json& out, const char* name, int type_id, bool prefix) {
    if (prefix && frame.bos) out.push_back(piece(*frame.bos, type_id));
    out.push_back({{"Sequence", {{"id", name}, {"type_id", type_id}}}});
    if (frame.eos) out.push_back(piece(*frame.eos, type_id));
    if (frame.sep) out.push_back(piece(*frame.sep, type_id));
  };
  Json single = Json::array();
  sequence(single, "A", 0, true);
  Json pair = Json::array();
  sequence(pair, "A", 0, true);
  sequence(pair, "B", frame.pair_type_id, frame.repeat_prefix_for_pair);
  return {{"type", "TemplateProcessing"},
          {"single", single},
          {"pair", pair},
          {"special_tokens", special}};
}

// The id a flag asks to add; a flag set without its id is an error, as in llama.cpp.
std::optional<std::uint32_t> wanted(bool add, std::optional<std::uint32_t> id, const char* flag,
                                    const char* key) {
  if (!add) return std::nullopt;
  if (!id) {
    invalid(std::string(flag) + " is true but " + key + " is missing or out of range");
  }
  return id;
}

void check_arrays(const GgufVocab& vocab) {
  if (vocab.tokens.empty()) invalid("tokenizer.ggml.tokens is empty");
  // llama.cpp accepts longer arrays and reads the first n_tokens entries; so do we.
  if (!vocab.scores.empty() && vocab.scores.size() < vocab.tokens.size()) {
    invalid("tokenizer.ggml.scores has " + std::to_string(vocab.scores.size()) + " entries for " +
            std::to_string(vocab.tokens.size()) + " tokens");
  }
  if (!vocab.token_types.empty() && vocab.token_types.size() < vocab.tokens.size()) {
    invalid("tokenizer.ggml.token_type has " + std::to_string(vocab.token_types.size()) +
            " entries for " + std::to_string(vocab.tokens.size()) + " tokens");
  }
  for (std::size_t i = 0; i < vocab.tokens.size() && i < vocab.scores.size(); ++i) {
    if (std::isnan(vocab.scores[i])) invalid("score " + std::to_string(i) + " is NaN");
  }
}

Json gpt2_document(const GgufVocab& vocab, const std::vector<std::string>& tokens,
                   const GgufPreTokenizer& pre) {
  Json pre_tokenizers = Json::array();
  for (const std::string& regex : pre.regexes) pre_tokenizers.push_back(split(regex));
  pre_tokenizers.push_back({{"type", "ByteLevel"},
                            {"add_prefix_space", false},
                            {"trim_offsets", true},
                            {"use_regex", false}});
  return {{"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", pre_tokenizers}}},
          {"model",
           {{"type", "BPE"},
            {"vocab", vocab_object(tokens)},
            {"merges", stored_merges(vocab)},
            {"ignore_merges", pre.ignore_merges}}},
          {"decoder",
           {{"type", "ByteLevel"},
            {"add_prefix_space", false},
            {"trim_offsets", true},
            {"use_regex", true}}}};
}

// Llama 2's own tokenizer.json, the "legacy" SentencePiece layout: spaces become "▁",
// one "▁" is prepended to each piece of text between added tokens (llama.cpp prefixes
// the text after each special token likewise) and stripped again when decoding.
Json llama_document(const GgufVocab& vocab, const std::vector<std::string>& tokens,
                    const TokenIds& ids, std::optional<std::uint32_t> unk) {
  bool prefix = vocab.add_space_prefix.value_or(true);
  Json normalizers = Json::array();
  if (prefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", kSpace}});
  normalizers.push_back(replace(" ", kSpace));
  Json decoders =
      Json::array({replace(kSpace, " "), {{"type", "ByteFallback"}}, {{"type", "Fuse"}}});
  if (prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  Json model = {{"type", "BPE"},
                {"vocab", vocab_object(tokens)},
                {"merges", vocab.merges.empty() ? merges_from_scores(tokens, ids, vocab.scores)
                                                : stored_merges(vocab)},
                {"fuse_unk", true},
                {"byte_fallback", true}};
  if (unk) model["unk_token"] = tokens[*unk];
  return {{"normalizer", {{"type", "Sequence"}, {"normalizers", normalizers}}},
          {"model", model},
          {"decoder", {{"type", "Sequence"}, {"decoders", decoders}}}};
}

// BERT's own tokenizer.json (uncased unless the file says otherwise).
Json bert_document(const GgufVocab& vocab, const std::vector<std::string>& tokens,
                   std::optional<std::uint32_t> unk) {
  return {{"normalizer",
           {{"type", "BertNormalizer"},
            {"clean_text", true},
            {"handle_chinese_chars", true},
            {"strip_accents", nullptr},
            {"lowercase", vocab.lowercase.value_or(true)}}},
          {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
          {"model",
           {{"type", "WordPiece"},
            {"vocab", vocab_object(tokens)},
            {"unk_token", unk ? tokens[*unk] : "[UNK]"},
            {"continuing_subword_prefix", "##"},
            {"max_input_chars_per_word", 100}}},
          {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}}};
}

// T5's tokenizer.json as transformers writes it from the spiece.model the GGUF came from:
// the precompiled charsmap, with remove_extra_whitespaces the end stripped and runs of
// spaces made one "▁", then Metaspace ("▁" for spaces, one in front of each piece of
// text when add_space_prefix) and Unigram over the scores.
Json t5_document(const GgufVocab& vocab, const std::vector<std::string>& tokens,
                 std::optional<std::uint32_t> unk) {
  if (!unk) invalid("a t5 vocabulary needs tokenizer.ggml.unknown_token_id (in range)");
  Json normalizers = Json::array();
  if (!vocab.precompiled_charsmap.empty()) {
    normalizers.push_back({{"type", "Precompiled"},
                           {"precompiled_charsmap", encode_base64(vocab.precompiled_charsmap)}});
  }
  if (vocab.remove_extra_whitespaces.value_or(false)) {
    normalizers.push_back({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}});
    normalizers.push_back(replace_regex(" {2,}", kSpace));
  }
  const Json metaspace = {
      {"type", "Metaspace"},
      {"replacement", kSpace},
      {"prepend_scheme", vocab.add_space_prefix.value_or(false) ? "always" : "never"},
      {"split", true}};
  // No byte fallback, as transformers' T5 conversion has none.
  Json pieces = Json::array();
  for (std::uint32_t id = 0; id < tokens.size(); ++id) {
    pieces.push_back({tokens[id], vocab.scores.empty() ? 0.0f : vocab.scores[id]});
  }
  Json doc = {{"pre_tokenizer", metaspace},
              {"model", {{"type", "Unigram"}, {"vocab", pieces}, {"unk_id", *unk}}},
              {"decoder", metaspace}};
  if (!normalizers.empty())
    doc["normalizer"] = {{"type", "Sequence"}, {"normalizers", normalizers}};
  return doc;
}

// llama.cpp's choices, per model kind, for what a file does not say.
struct KindDefaults {
  std::optional<std::uint32_t> unk, bos, eos, sep;
  bool add_bos = false, add_eos = false, add_sep = false;
};

KindDefaults kind_defaults(const std::string& model) {
  if (model == "llama") return {0, 1, 2, std::nullopt, true, false, false};
  if (model == "bert") return {100, 101, std::nullopt, 102, true, false, true};
  if (model == "t5") return {2, std::nullopt, 1, std::nullopt, false, true, false};
  return {};
}

}  // namespace

Tokenizer tokenizer_from_gguf_vocab(const GgufVocab& vocab) {
  if (vocab.model != "gpt2" && vocab.model != "llama" && vocab.model != "bert" &&
      vocab.model != "t5") {
    throw Error(ErrorCode::kUnsupported,
                "GGUF tokenizer model \"" + vocab.model +
                    "\" is not supported; supported: gpt2, llama, bert, t5");
  }
  check_arrays(vocab);
  const std::vector<std::string> tokens = model_tokens(vocab);
  const TokenIds ids = index_tokens(tokens);

  KindDefaults kind = kind_defaults(vocab.model);
  auto or_default = [&](std::optional<std::uint32_t> id, std::optional<std::uint32_t> fallback) {
    return in_range(id ? id : fallback, vocab);
  };
  const auto unk = or_default(vocab.unk_id, kind.unk);
  const auto bos = or_default(vocab.bos_id ? vocab.bos_id : vocab.cls_id, kind.bos);
  const auto eos = or_default(vocab.eos_id, kind.eos);
  const auto sep = or_default(vocab.sep_id, kind.sep);

  Json doc;
  Frame frame;
  if (vocab.model == "gpt2") {
    const GgufPreTokenizer& pre = gguf_pre_tokenizer(vocab.pre);
    kind.add_bos = pre.add_bos;
    kind.add_sep = pre.add_sep;
    doc = gpt2_document(vocab, tokens, pre);
  } else if (vocab.model == "llama") {
    doc = llama_document(vocab, tokens, ids, unk);
  } else if (vocab.model == "bert") {
    doc = bert_document(vocab, tokens, unk);
    frame.repeat_prefix_for_pair = false;
  } else {
    doc = t5_document(vocab, tokens, unk);
    frame.pair_type_id = 0;  // transformers' T5 template gives B type 0 too
  }
  frame.bos = wanted(vocab.add_bos.value_or(kind.add_bos), bos, "tokenizer.ggml.add_bos_token",
                     "tokenizer.ggml.bos_token_id");
  frame.eos = wanted(vocab.add_eos.value_or(kind.add_eos), eos, "tokenizer.ggml.add_eos_token",
                     "tokenizer.ggml.eos_token_id");
  frame.sep = wanted(vocab.add_sep.value_or(kind.add_sep), sep, "tokenizer.ggml.add_sep_token",
                     "tokenizer.ggml.seperator_token_id");
  if (frame.bos || frame.eos || frame.sep)
    doc["post_processor"] = template_processing(frame, tokens);
  doc["added_tokens"] = added_tokens(vocab, tokens);

  try {
    return Tokenizer::from_document(doc, "GGUF vocabulary");
  } catch (const Error& error) {
    if (error.message().rfind("GGUF vocabulary", 0) == 0) throw;
    throw Error(error.code(), "GGUF vocabulary: " + error.message());
  }
}

}  // namespace hfserve::tokenizer
