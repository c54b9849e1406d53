#include "tokenizer/post_processors.h"

#include <algorithm>
#include <unordered_map>

#include "tokenizer/byte_level.h"
#include "tokenizer/unicode.h"

namespace hfserve::tokenizer {
namespace {

// Special tokens go onto the overflowing windows too, as HF merges them with each.
void add_special(Encoding& out, std::uint32_t id, const std::string& token, std::uint32_t type_id) {
  out.push_everywhere(id, type_id, token);
}

void add_sequence(Encoding& out, const Encoding& sequence, std::uint32_t type_id,
                  std::int32_t sequence_id) {
  std::size_t start = out.size();
  out.append(sequence);
  for (std::size_t i = start; i < out.size(); ++i) {
    out.type_ids[i] = type_id;
    out.sequence_ids[i] = sequence_id;
  }
}

// RobertaProcessing gives every token type 0, in the overflowing windows too (where
// Template and Bert keep the type the model gave them).
void zero_type_ids(Encoding& encoding) {
  std::fill(encoding.type_ids.begin(), encoding.type_ids.end(), 0);
  for (Encoding& window : encoding.overflowing) zero_type_ids(window);
}

class ByteLevelProcessor : public PostProcessor {
 public:
  ByteLevelProcessor(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  std::size_t added_tokens(bool) const override { return 0; }
  std::vector<Encoding> process(std::vector<Encoding> encodings, bool) const override {
    if (trim_offsets_) {
      for (Encoding& e : encodings) trim_byte_level_offsets(e, add_prefix_space_);
    }
    return encodings;
  }

 private:
  bool trim_offsets_;
  bool add_prefix_space_;
};

struct SpecialPiece {
  bool is_sequence;        // a Sequence piece (A or B) rather than a special token
  bool is_b;               // for a Sequence piece
  std::string special_id;  // for a SpecialToken piece: key into special tokens
  std::uint32_t type_id;
};

struct SpecialTokenIds {
  std::vector<std::uint32_t> ids;
  std::vector<std::string> tokens;
};

class TemplateProcessor : public PostProcessor {
 public:
  TemplateProcessor(std::vector<SpecialPiece> single, std::vector<SpecialPiece> pair,
                    std::unordered_map<std::string, SpecialTokenIds> specials)
      : single_(std::move(single)), pair_(std::move(pair)), specials_(std::move(specials)) {}

  std::size_t added_tokens(bool pair) const override {
    std::size_t n = 0;
    for (const SpecialPiece& piece : pair ? pair_ : single_) {
      if (!piece.is_sequence) n += specials_.at(piece.special_id).ids.size();
    }
    return n;
  }

  std::vector<Encoding> process(std::vector<Encoding> encodings,
                                bool add_special_tokens) const override {
    if (!add_special_tokens) return encodings;
    bool pair = encodings.size() > 1;
    Encoding out;
    for (const SpecialPiece& piece : pair ? pair_ : single_) {
      if (piece.is_sequence) {
        std::size_t index = piece.is_b ? 1 : 0;
        if (index < encodings.size()) {
          add_sequence(out, encodings[index], piece.type_id, static_cast<std::int32_t>(index));
        }
        continue;
      }
      const SpecialTokenIds& special = specials_.at(piece.special_id);
      for (std::size_t i = 0; i < special.ids.size(); ++i) {
        add_special(out, special.ids[i], special.tokens[i], piece.type_id);
      }
    }
    return {std::move(out)};
  }

 private:
  std::vector<SpecialPiece> single_;
  std::vector<SpecialPiece> pair_;
  std::unordered_map<std::string, SpecialTokenIds> specials_;
};

// BertProcessing ([CLS] A [SEP] B [SEP], types 0/1) and RobertaProcessing
// (<s> A </s> </s> B </s>, all type 0, with optional byte-level offset trimming).
class BertLikeProcessor : public PostProcessor {
 public:
  BertLikeProcessor(std::pair<std::string, std::uint32_t> cls,
                    std::pair<std::string, std::uint32_t> sep, bool roberta, bool trim_offsets,
                    bool add_prefix_space)
      : cls_(std::move(cls)),
        sep_(std::move(sep)),
        roberta_(roberta),
        trim_offsets_(trim_offsets),
        add_prefix_space_(add_prefix_space) {}

  std::size_t added_tokens(bool pair) const override { return pair ? (roberta_ ? 4 : 3) : 2; }

  std::vector<Encoding> process(std::vector<Encoding> encodings,
                                bool add_special_tokens) const override {
    if (roberta_ && trim_offsets_) {
      for (Encoding& e : encodings) trim_byte_level_offsets(e, add_prefix_space_);
    }
    if (!add_special_tokens) return encodings;
    if (roberta_) {
      for (Encoding& e : encodings) zero_type_ids(e);
    }
    Encoding out;
    add_special(out, cls_.second, cls_.first, 0);
    add_sequence(out, encodings[0], 0, 0);
    add_special(out, sep_.second, sep_.first, 0);
    if (encodings.size() > 1) {
      std::uint32_t type = roberta_ ? 0 : 1;
      if (roberta_) add_special(out, sep_.second, sep_.first, 0);
      add_sequence(out, encodings[1], type, 1);
      add_special(out, sep_.second, sep_.first, type);
    }
    return {std::move(out)};
  }

 private:
  std::pair<std::string, std::uint32_t> cls_;
  std::pair<std::string, std::uint32_t> sep_;
  bool roberta_;
  bool trim_offsets_;
  bool add_prefix_space_;
};

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts)
      : parts_(std::move(parts)) {}
  std::size_t added_tokens(bool pair) const override {
    std::size_t n = 0;
    for (const auto& p : parts_) n += p->added_tokens(pair);
    return n;
  }
  std::vector<Encoding> process(std::vector<Encoding> encodings,
                                bool add_special_tokens) const override {
    for (const auto& p : parts_) encodings = p->process(std::move(encodings), add_special_tokens);
    return encodings;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

std::vector<SpecialPiece> read_template(const json::Json& list, const std::string& where) {
  if (!list.is_array()) json::fail(where, "expected an array of template pieces");
  std::vector<SpecialPiece> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    const json::Json& entry = list[i];
    SpecialPiece piece{};
    if (const json::Json* seq = json::optional(entry, "Sequence")) {
      std::string id = json::require_string(*seq, "id", at + ".Sequence");
      if (id != "A" && id != "B") json::fail(at + ".Sequence.id", "expected \"A\" or \"B\"");
      piece.is_sequence = true;
      piece.is_b = id == "B";
      piece.type_id = static_cast<std::uint32_t>(json::int_or(*seq, "type_id", at, 0));
    } else if (const json::Json* special = json::optional(entry, "SpecialToken")) {
      piece.special_id = json::require_string(*special, "id", at + ".SpecialToken");
      piece.type_id = static_cast<std::uint32_t>(json::int_or(*special, "type_id", at, 0));
    } else {
      json::fail(at, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
    out.push_back(std::move(piece));
  }
  return out;
}

std::pair<std::string, std::uint32_t> read_token_pair(const json::Json& config, const char* key,
                                                      const std::string& where) {
  const json::Json& value = json::require(config, key, where);
  std::string at = where + "." + key;
  if (!value.is_array() || value.size() != 2 || !value[0].is_string()) {
    json::fail(at, "expected [\"token\", id], found " + value.dump());
  }
  return {value[0].get<std::string>(), json::require_id(value[1], at + "[1]")};
}

}  // namespace

void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space) {
  for (Encoding& window : encoding.overflowing) trim_byte_level_offsets(window, add_prefix_space);
  const char32_t space = byte_level::byte_to_char(' ');
  for (std::size_t i = 0; i < encoding.size(); ++i) {
    std::u32string chars = unicode::to_u32(encoding.tokens[i]);
    auto is_space = [&](char32_t c) { return c == space || unicode::is_whitespace(c); };
    std::size_t leading = 0;
    while (leading < chars.size() && is_space(chars[leading])) ++leading;
    std::size_t trailing = 0;
    while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
    Offsets& offsets = encoding.offsets[i];
    if (leading > 0) {
      bool is_first = i == 0 || offsets.first == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      offsets.first = std::min(offsets.first + leading, offsets.second);
    }
    if (trailing > 0 && offsets.second >= trailing) {
      offsets.second = std::max(offsets.second - trailing, offsets.first);
    }
  }
}

std::unique_ptr<PostProcessor> make_post_processor(const json::Json& config,
                                                   const std::string& where) {
  std::string type = json::type_of(config, where);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelProcessor>(
        json::bool_or(config, "trim_offsets", where, true),
        json::bool_or(config, "add_prefix_space", where, true));
  }
  if (type == "TemplateProcessing") {
    std::unordered_map<std::string, SpecialTokenIds> specials;
    if (const json::Json* map = json::optional(config, "special_tokens")) {
      if (!map->is_object()) json::fail(where + ".special_tokens", "expected an object");
      for (auto it = map->begin(); it != map->end(); ++it) {
        std::string at = where + ".special_tokens[\"" + it.key() + "\"]";
        SpecialTokenIds entry;
        const json::Json& ids = json::require_array(it.value(), "ids", at);
        const json::Json& tokens = json::require_array(it.value(), "tokens", at);
        if (ids.size() != tokens.size()) json::fail(at, "\"ids\" and \"tokens\" differ in length");
        for (std::size_t i = 0; i < ids.size(); ++i) {
          entry.ids.push_back(json::require_id(ids[i], at + ".ids"));
          if (!tokens[i].is_string()) json::fail(at + ".tokens", "expected strings");
          entry.tokens.push_back(tokens[i].get<std::string>());
        }
        specials[json::string_or(it.value(), "id", at, it.key())] = std::move(entry);
      }
    }
    auto single = read_template(json::require(config, "single", where), where + ".single");
    auto pair = read_template(json::require(config, "pair", where), where + ".pair");
    for (const auto* list : {&single, &pair}) {
      for (const SpecialPiece& piece : *list) {
        if (!piece.is_sequence && specials.count(piece.special_id) == 0) {
          json::fail(where, "the template uses \"" + piece.special_id +
                                "\", which is not in special_tokens");
        }
      }
    }
    return std::make_unique<TemplateProcessor>(std::move(single), std::move(pair),
                                               std::move(specials));
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    bool roberta = type == "RobertaProcessing";
    return std::make_unique<BertLikeProcessor>(
        read_token_pair(config, "cls", where), read_token_pair(config, "sep", where), roberta,
        roberta && json::bool_or(config, "trim_offsets", where, true),
        json::bool_or(config, "add_prefix_space", where, true));
  }
  if (type == "Sequence") {
    const json::Json& list = json::require_array(config, "processors", where);
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) {
      parts.push_back(
          make_post_processor(list[i], where + ".processors[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequenceProcessor>(std::move(parts));
  }
  json::fail(where,
             type.empty() ? "missing \"type\"" : "unknown post-processor type \"" + type + "\"");
}

}  // namespace hfserve::tokenizer
