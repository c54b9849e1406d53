#include "tokenizer/normalizers.h"

#include <algorithm>
#include <vector>

#include "tokenizer/pattern.h"
#include "tokenizer/precompiled_charsmap.h"
#include "tokenizer/unicode.h"
#include "util/base64.h"
#include "util/utf8.h"

#include <utf8proc.h>

namespace hfserve::tokenizer {
namespace {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Hangul jamo vowels and trailing consonants compose with the syllable before them even
// though they are starters, so they never begin a segment.
bool starts_segment(char32_t cp) {
  if (cp >= 0x1160 && cp <= 0x11FF) return false;
  return unicode::combining_class(cp) == 0;
}

// Applies a normal form segment by segment (a starter and the marks after it), aligning
// each output character with the input characters it came from, as HF's alignments do.
void apply_normal_form(NormalizedString& text, unicode::NormalForm form) {
  const std::string& s = text.get();
  if (is_ascii(s)) return;
  if (unicode::normalize(s, form) == s) return;
  std::u32string chars = unicode::to_u32(s);
  std::vector<CharChange> changes;
  changes.reserve(chars.size());
  std::size_t i = 0;
  while (i < chars.size()) {
    std::size_t j = i + 1;
    while (j < chars.size() && !starts_segment(chars[j])) ++j;
    std::u32string_view in = std::u32string_view(chars).substr(i, j - i);
    if (in.size() == 1 && in[0] < 0x80) {  // ASCII is its own normal form in all four
      changes.push_back({in[0], 0});
      i = j;
      continue;
    }
    std::u32string out = unicode::to_u32(unicode::normalize(unicode::to_utf8(in), form));
    // An output character that composes several inputs consumes all of them (the
    // extra ones count as removed); otherwise characters pair up by position and any
    // output left over counts as inserted.
    std::size_t used = 0;
    for (char32_t c : out) {
      if (used >= in.size()) {
        changes.push_back({c, 1});
        continue;
      }
      std::size_t consumed = 1;
      if (c != in[used]) {
        for (std::size_t n = 2; used + n <= in.size(); ++n) {
          std::u32string composed = unicode::to_u32(
              unicode::normalize(unicode::to_utf8(in.substr(used, n)), unicode::NormalForm::kNfc));
          if (composed.size() == 1 && composed[0] == c) {
            consumed = n;
            break;
          }
        }
      }
      changes.push_back({c, -static_cast<int>(consumed - 1)});
      used += consumed;
    }
    if (used < in.size()) {
      if (!changes.empty()) {
        changes.back().change -= static_cast<int>(in.size() - used);
      }
    }
    i = j;
  }
  text.transform(changes, 0);
}

class NormalFormNormalizer : public Normalizer {
 public:
  explicit NormalFormNormalizer(unicode::NormalForm form) : form_(form) {}
  void normalize(NormalizedString& text) const override { apply_normal_form(text, form_); }

 private:
  unicode::NormalForm form_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override { text.lowercase(); }
};

class StripAccentsNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& text) const override {
    if (is_ascii(text.get())) return;
    text.filter([](char32_t cp) { return !unicode::is_combining_mark(cp); });
  }
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& text) const override { text.strip(left_, right_); }

 private:
  bool left_;
  bool right_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(NormalizedString& text) const override {
    text.replace_matches(pattern_.find(text.get()), content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(NormalizedString& text) const override { text.prepend(prefix_); }

 private:
  std::string prefix_;
};

bool is_chinese_char(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool chinese, bool strip_accents, bool lowercase)
      : clean_text_(clean_text),
        chinese_(chinese),
        strip_accents_(strip_accents),
        lowercase_(lowercase) {}

  void normalize(NormalizedString& text) const override {
    if (clean_text_) {
      text.filter([](char32_t cp) {
        bool control = cp != '\t' && cp != '\n' && cp != '\r' && unicode::is_other(cp);
        return !(cp == 0 || cp == 0xFFFD || control);
      });
      text.map([](char32_t cp) { return unicode::is_whitespace(cp) ? U' ' : cp; });
    }
    if (chinese_ && !is_ascii(text.get())) {
      std::vector<CharChange> changes;
      bool any = false;
      const std::string& s = text.get();
      std::size_t pos = 0;
      while (pos < s.size()) {
        char32_t cp = utf8::decode(s, pos);
        if (is_chinese_char(cp)) {
          changes.push_back({U' ', 0});
          changes.push_back({cp, 1});
          changes.push_back({U' ', 1});
          any = true;
        } else {
          changes.push_back({cp, 0});
        }
      }
      if (any) text.transform(changes, 0);
    }
    if (strip_accents_ && !is_ascii(text.get())) {
      apply_normal_form(text, unicode::NormalForm::kNfd);
      text.filter([](char32_t cp) { return !unicode::is_nonspacing_mark(cp); });
    }
    if (lowercase_) text.lowercase();
  }

 private:
  bool clean_text_;
  bool chinese_;
  bool strip_accents_;
  bool lowercase_;
};

class PrecompiledNormalizer : public Normalizer {
 public:
  explicit PrecompiledNormalizer(PrecompiledCharsmap map) : map_(std::move(map)) {}

  void normalize(NormalizedString& text) const override {
    const std::string& s = text.get();
    std::vector<CharChange> changes;
    changes.reserve(s.size());
    bool modified = false;
    auto replace = [&](std::string_view old_part, std::string_view new_part) {
      auto old_count = static_cast<int>(utf8::count_code_points(old_part));
      std::u32string repl = unicode::to_u32(new_part);
      int diff = static_cast<int>(repl.size()) - old_count;
      for (char32_t cp : repl) changes.push_back({cp, 0});
      if (diff > 0) {
        for (std::size_t k = 0; k < static_cast<std::size_t>(diff) && k < changes.size(); ++k) {
          changes[changes.size() - 1 - k].change = 1;
        }
      } else if (diff < 0 && !changes.empty()) {
        changes.back().change += diff;
      }
      modified = true;
    };
    // Grapheme by grapheme: a whole short grapheme first, then its characters one by one.
    std::size_t pos = 0;
    utf8proc_int32_t state = 0;
    while (pos < s.size()) {
      std::size_t start = pos;
      char32_t prev = utf8::decode(s, pos);
      while (pos < s.size()) {
        std::size_t next_pos = pos;
        char32_t next = utf8::decode(s, next_pos);
        if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                             static_cast<utf8proc_int32_t>(next), &state)) {
          break;
        }
        prev = next;
        pos = next_pos;
      }
      state = 0;
      std::string_view grapheme = std::string_view(s).substr(start, pos - start);
      if (grapheme.size() < 6) {
        if (auto norm = map_.transform(grapheme)) {
          replace(grapheme, *norm);
          continue;
        }
      }
      std::size_t cpos = 0;
      while (cpos < grapheme.size()) {
        std::size_t cstart = cpos;
        char32_t cp = utf8::decode(grapheme, cpos);
        std::string_view part = grapheme.substr(cstart, cpos - cstart);
        if (auto norm = map_.transform(part)) {
          replace(part, *norm);
        } else {
          changes.push_back({cp, 0});
        }
      }
    }
    if (modified) text.transform(changes, 0);
  }

 private:
  PrecompiledCharsmap map_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
      : parts_(std::move(parts)) {}
  void normalize(NormalizedString& text) const override {
    for (const auto& part : parts_) part->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json::Json& config, const std::string& where) {
  std::string type = json::type_of(config, where);
  if (type == "NFC") return std::make_unique<NormalFormNormalizer>(unicode::NormalForm::kNfc);
  if (type == "NFD") return std::make_unique<NormalFormNormalizer>(unicode::NormalForm::kNfd);
  if (type == "NFKC") return std::make_unique<NormalFormNormalizer>(unicode::NormalForm::kNfkc);
  if (type == "NFKD") return std::make_unique<NormalFormNormalizer>(unicode::NormalForm::kNfkd);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(json::bool_or(config, "strip_left", where, true),
                                             json::bool_or(config, "strip_right", where, true));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(
        make_pattern(json::require(config, "pattern", where), where + ".pattern"),
        json::require_string(config, "content", where));
  }
  if (type == "Prepend") {
    return std::make_unique<PrependNormalizer>(json::require_string(config, "prepend", where));
  }
  if (type == "BertNormalizer") {
    bool lowercase = json::bool_or(config, "lowercase", where, true);
    return std::make_unique<BertNormalizer>(
        json::bool_or(config, "clean_text", where, true),
        json::bool_or(config, "handle_chinese_chars", where, true),
        json::bool_or(config, "strip_accents", where, lowercase), lowercase);
  }
  if (type == "Precompiled") {
    std::string data = json::string_or(config, "precompiled_charsmap", where, "");
    if (data.empty())
      return std::make_unique<SequenceNormalizer>(std::vector<std::unique_ptr<Normalizer>>{});
    return std::make_unique<PrecompiledNormalizer>(PrecompiledCharsmap(
        decode_base64(data, "tokenizer.json: " + where + ".precompiled_charsmap")));
  }
  if (type == "Sequence") {
    const json::Json& list = json::require_array(config, "normalizers", where);
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) {
      parts.push_back(make_normalizer(list[i], where + ".normalizers[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  json::fail(where, type.empty() ? "missing \"type\"" : "unknown normalizer type \"" + type + "\"");
}

}  // namespace hfserve::tokenizer
