// Template members of NormalizedString (normalized_string.h); not included directly.
#pragma once

#include "util/utf8.h"

namespace hfserve::tokenizer {

template <typename Keep>
void NormalizedString::filter(Keep keep) {
  // A removed character is folded into the kept one before it; removed ones at the start
  // are dropped through initial_removed (as HF's filter does).
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
