#include "tokenizer/pre_tokenizers.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"
#include "tokenizer/unicode_scripts.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {
namespace {

// Replaces every piece without tokens by the pieces fn returns for it.
template <typename Fn>
void split_each(PreTokenized& pieces, Fn fn) {
  PreTokenized out;
  out.reserve(pieces.size());
  for (Split& piece : pieces) {
    if (piece.tokens) {
      out.push_back(std::move(piece));
      continue;
    }
    for (NormalizedString& part : fn(piece.normalized)) {
      if (!part.empty()) out.push_back({std::move(part), std::nullopt});
    }
  }
  pieces = std::move(out);
}

bool is_bert_punctuation(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
           (cp >= 123 && cp <= 126);
  }
  return unicode::is_punctuation(cp);
}

SplitBehavior parse_behavior(const json::Json& config, const std::string& where,
                             SplitBehavior fallback) {
  auto name = json::optional_string(config, "behavior", where);
  if (!name) return fallback;
  if (*name == "Removed") return SplitBehavior::kRemoved;
  if (*name == "Isolated") return SplitBehavior::kIsolated;
  if (*name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (*name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (*name == "Contiguous") return SplitBehavior::kContiguous;
  json::fail(where + ".behavior", "unknown split behavior \"" + *name + "\"");
}

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? std::make_unique<Regex>(byte_level::kGpt2Pattern) : nullptr) {}

  void pre_tokenize(PreTokenized& pieces) const override {
    split_each(pieces, [&](NormalizedString& piece) {
      if (add_prefix_space_ && piece.get().rfind(' ', 0) != 0) piece.prepend(" ");
      if (!regex_) return std::vector<NormalizedString>{std::move(piece)};
      return piece.split(regex_->find_all(piece.get()), SplitBehavior::kIsolated, false);
    });
    for (Split& piece : pieces) {
      if (!piece.tokens) to_byte_level(piece.normalized);
    }
  }

 private:
  // Each byte becomes its alphabet character; the extra characters of a multi-byte
  // character count as inserted, so all of them keep the character's alignment.
  static void to_byte_level(NormalizedString& text) {
    const std::string& s = text.get();
    std::vector<CharChange> changes;
    changes.reserve(s.size());
    std::size_t pos = 0;
    while (pos < s.size()) {
      std::size_t len =
          std::min(unicode::sequence_length(static_cast<unsigned char>(s[pos])), s.size() - pos);
      for (std::size_t i = 0; i < len; ++i) {
        changes.push_back(
            {byte_level::byte_to_char(static_cast<std::uint8_t>(s[pos + i])), i > 0 ? 1 : 0});
      }
      pos += len;
    }
    text.transform(changes, 0);
  }

  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(PreTokenized& pieces) const override {
    split_each(pieces, [&](NormalizedString& piece) {
      return piece.split(pattern_.find(piece.get()), behavior_, invert_);
    });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

// Splits on characters matching a predicate.
template <typename Pred>
class CharSplitPreTokenizer : public PreTokenizer {
 public:
  CharSplitPreTokenizer(Pred pred, SplitBehavior behavior) : pred_(pred), behavior_(behavior) {}
  void pre_tokenize(PreTokenized& pieces) const override {
    split_each(pieces, [&](NormalizedString& piece) {
      return piece.split(find_chars(piece.get(), pred_), behavior_, false);
    });
  }

 private:
  Pred pred_;
  SplitBehavior behavior_;
};

template <typename Pred>
std::unique_ptr<PreTokenizer> char_split(Pred pred, SplitBehavior behavior) {
  return std::make_unique<CharSplitPreTokenizer<Pred>>(pred, behavior);
}

class BertPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenized& pieces) const override {
    // HF splits at whitespace (removed), then each part at punctuation (isolated); one
    // pass that ends a word at either gives the same pieces with one copy of each.
    split_each(pieces, [](NormalizedString& piece) {
      std::vector<NormalizedString> out;
      const std::string& text = piece.get();
      std::size_t word = 0;
      std::size_t pos = 0;
      while (pos < text.size()) {
        std::size_t start = pos;
        char32_t cp = utf8::decode(text, pos);
        bool space = unicode::is_whitespace(cp);
        if (!space && !is_bert_punctuation(cp)) continue;
        if (start > word) out.push_back(piece.slice(word, start));
        if (!space) out.push_back(piece.slice(start, pos));
        word = pos;
      }
      if (text.size() > word) out.push_back(piece.slice(word, text.size()));
      return out;
    });
  }
};

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : text_(utf8::encode(replacement)), scheme_(scheme), split_(split) {}

  void pre_tokenize(PreTokenized& pieces) const override {
    split_each(pieces, [&](NormalizedString& piece) {
      piece.replace(" ", text_);
      bool starts = piece.get().rfind(text_, 0) == 0;
      if (!starts && (scheme_ == PrependScheme::kAlways ||
                      (scheme_ == PrependScheme::kFirst && piece.original_offsets().first == 0))) {
        piece.prepend(text_);
      }
      if (!split_) return std::vector<NormalizedString>{std::move(piece)};
      return piece.split(find_literal(piece.get(), text_), SplitBehavior::kMergedWithNext, false);
    });
  }

 private:
  std::string text_;
  PrependScheme scheme_;
  bool split_;
};

// Cuts a piece where the Unicode script changes, as SentencePiece's script split and HF's
// UnicodeScripts do: Hiragana, Katakana and U+30FC (the prolonged sound mark) count as
// Han, so Japanese stays one piece; ' ' and characters without a script join whatever
// piece they are in. Like HF, characters without a script at the very start of a piece
// are dropped, because its first cut is at the first character that has one.
class UnicodeScriptsPreTokenizer : public PreTokenizer {
 public:
  UnicodeScriptsPreTokenizer()
      : han_(unicode::script_named("Han")),
        hiragana_(unicode::script_named("Hiragana")),
        katakana_(unicode::script_named("Katakana")) {}

  void pre_tokenize(PreTokenized& pieces) const override {
    split_each(pieces, [&](NormalizedString& piece) {
      const std::string& text = piece.get();
      std::vector<std::size_t> cuts;
      // The script of the last character that had one; kAnyScript before the first.
      unicode::ScriptId last = unicode::kAnyScript;
      std::size_t pos = 0;
      while (pos < text.size()) {
        std::size_t start = pos;
        unicode::ScriptId script = script_of(utf8::decode(text, pos));
        if (script == unicode::kAnyScript) continue;
        if (script != last) cuts.push_back(start);
        last = script;
      }
      cuts.push_back(text.size());
      std::vector<NormalizedString> parts;
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        parts.push_back(piece.slice(cuts[i], cuts[i + 1]));
      }
      return parts;
    });
  }

 private:
  unicode::ScriptId script_of(char32_t cp) const {
    if (cp == 0x30FC) return han_;
    if (cp == ' ') return unicode::kAnyScript;
    unicode::ScriptId script = unicode::script_of(cp);
    return script == hiragana_ || script == katakana_ ? han_ : script;
  }

  unicode::ScriptId han_;
  unicode::ScriptId hiragana_;
  unicode::ScriptId katakana_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
      : parts_(std::move(parts)) {}
  void pre_tokenize(PreTokenized& pieces) const override {
    for (const auto& part : parts_) part->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

char32_t single_char(const std::string& text, const std::string& where) {
  std::u32string chars = unicode::to_u32(text);
  if (chars.size() != 1)
    json::fail(where, "expected exactly one character, found \"" + text + "\"");
  return chars[0];
}

}  // namespace

PrependScheme parse_prepend_scheme(const json::Json& config, const std::string& where) {
  if (auto scheme = json::optional_string(config, "prepend_scheme", where)) {
    if (*scheme == "always") return PrependScheme::kAlways;
    if (*scheme == "first") return PrependScheme::kFirst;
    if (*scheme == "never") return PrependScheme::kNever;
    json::fail(where + ".prepend_scheme",
               "expected always, first or never, found \"" + *scheme + "\"");
  }
  return json::bool_or(config, "add_prefix_space", where, true) ? PrependScheme::kAlways
                                                                : PrependScheme::kNever;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json::Json& config,
                                                 const std::string& where) {
  std::string type = json::type_of(config, where);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(
        json::bool_or(config, "add_prefix_space", where, true),
        json::bool_or(config, "use_regex", where, true));
  }
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(
        make_pattern(json::require(config, "pattern", where), where + ".pattern"),
        parse_behavior(config, where, SplitBehavior::kIsolated),
        json::bool_or(config, "invert", where, false));
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspacePreTokenizer>(
        single_char(json::string_or(config, "replacement", where, "\u2581"),
                    where + ".replacement"),
        parse_prepend_scheme(config, where), json::bool_or(config, "split", where, true));
  }
  if (type == "Whitespace") {
    // \w+|[^\w\s]+ kept, everything else (whitespace) removed, with \w and \s spelled
    // out as Rust's regex defines them (UTS #18: letters, marks, decimal digits,
    // connector punctuation, joiners; White_Space), which PCRE2's are not.
    return std::make_unique<SplitPreTokenizer>(
        Pattern::regex(R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]+)"
                       R"(|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}\p{White_Space}]+)"),
        SplitBehavior::kRemoved, true);
  }
  if (type == "WhitespaceSplit") return char_split(unicode::is_whitespace, SplitBehavior::kRemoved);
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Punctuation") {
    return char_split(is_bert_punctuation, parse_behavior(config, where, SplitBehavior::kIsolated));
  }
  if (type == "Digits") {
    return char_split(unicode::is_numeric, json::bool_or(config, "individual_digits", where, false)
                                               ? SplitBehavior::kIsolated
                                               : SplitBehavior::kContiguous);
  }
  if (type == "CharDelimiterSplit") {
    char32_t delimiter =
        single_char(json::require_string(config, "delimiter", where), where + ".delimiter");
    return std::make_unique<SplitPreTokenizer>(Pattern::literal(utf8::encode(delimiter)),
                                               SplitBehavior::kRemoved, false);
  }
  if (type == "Sequence") {
    const json::Json& list = json::require_array(config, "pretokenizers", where);
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) {
      parts.push_back(
          make_pre_tokenizer(list[i], where + ".pretokenizers[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  if (type == "UnicodeScripts") return std::make_unique<UnicodeScriptsPreTokenizer>();
  json::fail(where,
             type.empty() ? "missing \"type\"" : "unknown pre-tokenizer type \"" + type + "\"");
}

}  // namespace hfserve::tokenizer
