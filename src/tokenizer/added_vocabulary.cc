#include "tokenizer/added_vocabulary.h"

#include <algorithm>

#include "tokenizer/unicode.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {
namespace {

bool is_word_char(char32_t cp) { return cp == '_' || unicode::is_alphanumeric(cp); }

char32_t last_char(std::string_view text) {
  std::size_t start = text.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return utf8::decode(text, start);
}

}  // namespace

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& token = tokens_[i];
    by_content_[token.content] = token.id;
    by_id_[token.id] = i;
    if (token.special) special_.insert(token.content);
    if (token.content.empty()) continue;
    if (token.normalized) {
      NormalizedString content(token.content);
      if (normalizer != nullptr) normalizer->normalize(content);
      if (!content.empty()) add_pattern(normalized_, content.get(), i);
    } else {
      add_pattern(raw_, token.content, i);
    }
  }
}

void AddedVocabulary::add_pattern(Matcher& matcher, std::string pattern, std::size_t index) {
  auto& bucket = matcher.by_first_byte[static_cast<unsigned char>(pattern[0])];
  // A later token with the same pattern replaces the earlier one.
  auto same = std::find_if(bucket.begin(), bucket.end(),
                           [&](const auto& entry) { return entry.first == pattern; });
  if (same != bucket.end()) {
    same->second = index;
  } else {
    bucket.emplace_back(std::move(pattern), index);
  }
  std::stable_sort(bucket.begin(), bucket.end(),
                   [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  matcher.empty = false;
}

std::vector<Split> AddedVocabulary::split_with(const NormalizedString& text, const Matcher& matcher,
                                               bool split_special) const {
  const std::string& s = text.get();
  std::vector<Split> out;
  if (matcher.empty) {
    out.push_back({text, std::nullopt});
    return out;
  }
  std::size_t start_offset = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto& bucket = matcher.by_first_byte[static_cast<unsigned char>(s[pos])];
    const std::pair<std::string, std::size_t>* hit = nullptr;
    for (const auto& entry : bucket) {
      if (s.compare(pos, entry.first.size(), entry.first) == 0) {
        hit = &entry;
        break;
      }
    }
    if (hit == nullptr) {
      ++pos;
      continue;
    }
    std::size_t start = pos;
    std::size_t stop = pos + hit->first.size();
    pos = stop;  // matches do not overlap
    const AddedToken& token = tokens_[hit->second];
    if (split_special && token.special) continue;
    if (token.single_word) {
      bool start_ok = start == 0 || !is_word_char(last_char(std::string_view(s).substr(0, start)));
      std::size_t after = stop;
      bool stop_ok = stop == s.size() || !is_word_char(utf8::decode(s, after));
      if (!start_ok || !stop_ok) continue;
    }
    if (token.lstrip) {
      std::size_t new_start = start;
      while (new_start > start_offset) {
        std::size_t prev = new_start - 1;
        while (prev > 0 && (static_cast<unsigned char>(s[prev]) & 0xC0) == 0x80) --prev;
        std::size_t probe = prev;
        if (!unicode::is_whitespace(utf8::decode(s, probe))) break;
        new_start = prev;
      }
      start = new_start;
    }
    if (token.rstrip) {
      while (stop < s.size()) {
        std::size_t next = stop;
        if (!unicode::is_whitespace(utf8::decode(s, next))) break;
        stop = next;
      }
      pos = stop;
    }
    if (start < start_offset) continue;
    if (start_offset < start) out.push_back({text.slice(start_offset, start), std::nullopt});
    Split match{text.slice(start, stop), std::vector<Token>{}};
    // The token's text is what matched (normalized, with any stripped spaces), as in HF.
    match.tokens->push_back({token.id, match.normalized.get(), {0, stop - start}});
    out.push_back(std::move(match));
    start_offset = stop;
  }
  if (start_offset < s.size()) out.push_back({text.slice(start_offset, s.size()), std::nullopt});
  return out;
}

PreTokenized AddedVocabulary::extract_and_normalize(std::string_view text,
                                                    const Normalizer* normalizer,
                                                    bool split_special) const {
  PreTokenized pieces;
  for (Split& piece : split_with(NormalizedString(text), raw_, split_special)) {
    if (piece.tokens) {
      pieces.push_back(std::move(piece));
      continue;
    }
    if (normalizer != nullptr) normalizer->normalize(piece.normalized);
    for (Split& part : split_with(piece.normalized, normalized_, split_special)) {
      pieces.push_back(std::move(part));
    }
  }
  return pieces;
}

std::optional<std::uint32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::find(std::uint32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

bool AddedVocabulary::is_special(std::string_view content) const {
  return special_.count(std::string(content)) > 0;
}

std::vector<AddedToken> read_added_tokens(const json::Json& list, const std::string& where) {
  if (!list.is_array())
    json::fail(where, "expected an array, found " + std::string(list.type_name()));
  std::vector<AddedToken> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    const json::Json& entry = list[i];
    AddedToken token;
    token.id = json::require_id(json::require(entry, "id", at), at + ".id");
    token.content = json::require_string(entry, "content", at);
    token.single_word = json::bool_or(entry, "single_word", at, false);
    token.lstrip = json::bool_or(entry, "lstrip", at, false);
    token.rstrip = json::bool_or(entry, "rstrip", at, false);
    token.special = json::bool_or(entry, "special", at, false);
    token.normalized = json::bool_or(entry, "normalized", at, !token.special);
    out.push_back(std::move(token));
  }
  return out;
}

}  // namespace hfserve::tokenizer
