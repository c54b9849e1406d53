// Template members of NormalizedString (normalized_string.h); not included directly.
#pragma once

#include "util/utf8.h"

namespace hfserve::tokenizer {

template <typename Keep>
void NormalizedString::filter(Keep keep) {
  // A removed character is folded into the kept one before it; removed ones at the start
  // are dropped through initial_removed (as HF's filter does).
  bool keeps_all = true;
  for (std::size_t pos = 0; pos < normalized_.size() && keeps_all;) {
    keeps_all = keep(utf8::decode(normalized_, pos));
  }
  if (keeps_all) return;
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  int removed = 0;
  std::size_t removed_start = 0;
  bool have_last = false;
  char32_t last = 0;
  std::size_t pos = 0;
  while (pos < normalized_.size()) {
    char32_t cp = utf8::decode(normalized_, pos);
    if (keep(cp)) {
      if (have_last) {
        changes.push_back({last, -removed});
      } else {
        removed_start = static_cast<std::size_t>(removed);
      }
      last = cp;
      have_last = true;
      removed = 0;
    } else {
      ++removed;
    }
  }
  if (have_last) {
    changes.push_back({last, -removed});
  } else {
    removed_start = static_cast<std::size_t>(removed);
  }
  transform(changes, removed_start);
}

template <typename Map>
void NormalizedString::map(Map fn) {
  // A character mapped to one of the same UTF-8 length is rewritten in place: its bytes
  // keep their alignment, as transform() would give them. Only a change of length needs
  // the whole transform.
  bool changes_any = false;
  bool same_lengths = true;
  for (std::size_t pos = 0; pos < normalized_.size() && same_lengths;) {
    std::size_t start = pos;
    char32_t cp = utf8::decode(normalized_, pos);
    char32_t mapped = fn(cp);
    if (mapped == cp) continue;
    changes_any = true;
    same_lengths = utf8::encode(mapped).size() == pos - start;
  }
  if (!changes_any) return;
  if (same_lengths) {
    for (std::size_t pos = 0; pos < normalized_.size();) {
      std::size_t start = pos;
      char32_t cp = utf8::decode(normalized_, pos);
      char32_t mapped = fn(cp);
      if (mapped != cp) normalized_.replace(start, pos - start, utf8::encode(mapped));
    }
    return;
  }
  std::vector<CharChange> changes;
  changes.reserve(normalized_.size());
  std::size_t pos = 0;
  while (pos < normalized_.size()) changes.push_back({fn(utf8::decode(normalized_, pos)), 0});
  transform(changes, 0);
}

template <typename Pred>
std::vector<Match> find_chars(std::string_view text, Pred pred) {
  std::vector<Match> out;
  std::size_t last = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    char32_t cp = utf8::decode(text, pos);
    if (pred(cp)) {
      if (start > last) out.push_back({last, start, false});
      out.push_back({start, pos, true});
      last = pos;
    }
  }
  if (last < text.size()) out.push_back({last, text.size(), false});
  return out;
}

}  // namespace hfserve::tokenizer
