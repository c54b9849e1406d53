#include "tokenizer/normalized_string.h"

#include <algorithm>

#include "tokenizer/unicode.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {

NormalizedString::NormalizedString(std::string_view original, std::size_t base)
    : normalized_(original) {
  alignments_.resize(original.size());
  std::size_t pos = 0;
  while (pos < original.size()) {
    std::size_t start = pos;
    pos += std::min(unicode::sequence_length(static_cast<unsigned char>(original[pos])),
                    original.size() - pos);
    for (std::size_t i = start; i < pos; ++i) alignments_[i] = {base + start, base + pos};
  }
}

Offsets NormalizedString::original_offsets(std::size_t start, std::size_t end) const {
  if (alignments_.empty()) return {0, 0};
  if (start >= end || start >= alignments_.size()) {
    std::size_t at = std::min(start, alignments_.size());
    std::size_t x = at < alignments_.size() ? alignments_[at].first : alignments_.back().second;
    return {x, x};
  }
  end = std::min(end, alignments_.size());
  return {alignments_[start].first, alignments_[end - 1].second};
}

void NormalizedString::transform_range(std::size_t start, std::size_t end,
                                       const std::vector<CharChange>& changes,
                                       std::size_t initial_removed) {
  start = std::min(start, normalized_.size());
  end = std::clamp(end, start, normalized_.size());
  // The characters being replaced, walked in step with `changes` to know which input
  // character each output character takes its alignment from.
  std::size_t cursor = start;
  auto skip_char = [&]() {
    if (cursor < end) {
      cursor += std::min(unicode::sequence_length(static_cast<unsigned char>(normalized_[cursor])),
                         end - cursor);
    }
  };
  for (std::size_t i = 0; i < initial_removed; ++i) skip_char();
  auto alignment_at = [&](std::size_t idx) -> Offsets {
    if (alignments_.empty()) return {0, 0};
    return alignments_[std::min(idx, alignments_.size() - 1)];
  };

  std::string out;
  std::vector<Offsets> out_alignments;
  out.reserve(end - start);
  out_alignments.reserve(end - start);
  for (const CharChange& c : changes) {
    Offsets align;
    if (c.change > 0) {
      align = cursor < 1 ? Offsets{0, 0} : alignment_at(cursor - 1);
    } else {
      align = alignment_at(cursor);
      skip_char();
      for (int k = 0; k < -c.change; ++k) skip_char();
    }
    std::size_t before = out.size();
    utf8::append(out, c.cp);
    out_alignments.insert(out_alignments.end(), out.size() - before, align);
  }
  normalized_.replace(start, end - start, out);
  alignments_.erase(alignments_.begin() + static_cast<std::ptrdiff_t>(start),
                    alignments_.begin() + static_cast<std::ptrdiff_t>(end));
  alignments_.insert(alignments_.begin() + static_cast<std::ptrdiff_t>(start),
                     out_alignments.begin(), out_alignments.end());
}

void NormalizedString::prepend(std::string_view text) {
  if (normalized_.empty() || text.empty()) return;
  std::size_t pos = 0;
  char32_t next = utf8::decode(normalized_, pos);
  std::vector<CharChange> changes;
  bool first = true;
  std::size_t tpos = 0;
  while (tpos < text.size()) {
    changes.push_back({utf8::decode(text, tpos), first ? 0 : 1});
    first = false;
  }
  changes.push_back({next, 1});
  transform_range(0, pos, changes, 0);
}

void NormalizedString::append(std::string_view text) {
  if (normalized_.empty() || text.empty()) return;
  // The last character stays, the appended ones take its alignment.
  std::size_t last = normalized_.size() - 1;
  while (last > 0 && (static_cast<unsigned char>(normalized_[last]) & 0xC0) == 0x80) --last;
  std::size_t pos = last;
  char32_t prev = utf8::decode(normalized_, pos);
  std::vector<CharChange> changes{{prev, 0}};
  std::size_t tpos = 0;
  while (tpos < text.size()) changes.push_back({utf8::decode(text, tpos), 1});
  transform_range(last, normalized_.size(), changes, 0);
}

void NormalizedString::lowercase() {
  bool ascii = std::all_of(normalized_.begin(), normalized_.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    for (char& c : normalized_) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return;
  }
  std::vector<CharChange> changes;
  std::u32string lower;
  std::size_t pos = 0;
  while (pos < normalized_.size()) {
    lower.clear();
    unicode::append_lowercase(lower, utf8::decode(normalized_, pos));
    for (std::size_t i = 0; i < lower.size(); ++i) changes.push_back({lower[i], i > 0 ? 1 : 0});
  }
  transform(changes, 0);
}

void NormalizedString::replace_matches(const std::vector<Match>& matches,
                                       std::string_view content) {
  // Every byte of `content` takes the alignment of the last byte of the match it replaces
  // (what transform_range gives a range whose characters are all removed and whose new
  // ones are all inserted). Built in one pass: one transform_range per match would move
  // the whole tail each time, quadratic in a text with many spaces to replace.
  std::string out;
  std::vector<Offsets> out_alignments;
  std::size_t last = 0;
  for (const Match& m : matches) {
    if (!m.is_match || m.start == m.end) continue;
    if (out.empty()) {
      out.reserve(normalized_.size() + normalized_.size() / 2);
      out_alignments.reserve(out.capacity());
    }
    out.append(normalized_, last, m.start - last);
    out_alignments.insert(out_alignments.end(),
                          alignments_.begin() + static_cast<std::ptrdiff_t>(last),
                          alignments_.begin() + static_cast<std::ptrdiff_t>(m.start));
    out.append(content);
    out_alignments.insert(out_alignments.end(), content.size(), alignments_[m.end - 1]);
    last = m.end;
  }
  if (last == 0) return;  // no non-empty match
  out.append(normalized_, last, std::string::npos);
  out_alignments.insert(out_alignments.end(),
                        alignments_.begin() + static_cast<std::ptrdiff_t>(last), alignments_.end());
  normalized_ = std::move(out);
  alignments_ = std::move(out_alignments);
}

void NormalizedString::replace(std::string_view pattern, std::string_view content) {
  if (pattern.empty()) return;
  replace_matches(find_literal(normalized_, pattern), content);
}

void NormalizedString::strip(bool left, bool right) {
  std::u32string chars = unicode::to_u32(normalized_);
  std::size_t lead = 0;
  std::size_t trail = 0;
  if (left) {
    while (lead < chars.size() && unicode::is_whitespace(chars[lead])) ++lead;
  }
  if (right) {
    while (trail < chars.size() - lead && unicode::is_whitespace(chars[chars.size() - 1 - trail])) {
      ++trail;
    }
  }
  if (lead == 0 && trail == 0) return;
  std::vector<CharChange> changes;
  for (std::size_t i = lead; i < chars.size() - trail; ++i) changes.push_back({chars[i], 0});
  if (!changes.empty()) changes.back().change = -static_cast<int>(trail);
  transform(changes, lead);
}

NormalizedString NormalizedString::slice(std::size_t start, std::size_t end) const {
  NormalizedString out;
  out.normalized_ = normalized_.substr(start, end - start);
  out.alignments_.assign(alignments_.begin() + static_cast<std::ptrdiff_t>(start),
                         alignments_.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

std::vector<NormalizedString> NormalizedString::split(std::vector<Match> matches,
                                                      SplitBehavior behavior, bool invert) const {
  if (invert) {
    for (Match& m : matches) m.is_match = !m.is_match;
  }
  // Each piece: [start, end) and whether it is dropped.
  struct Piece {
    std::size_t start;
    std::size_t end;
    bool remove;
  };
  std::vector<Piece> pieces;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Match& m : matches) pieces.push_back({m.start, m.end, false});
      break;
    case SplitBehavior::kRemoved:
      for (const Match& m : matches) pieces.push_back({m.start, m.end, m.is_match});
      break;
    case SplitBehavior::kContiguous: {
      bool previous = false;
      for (const Match& m : matches) {
        if (m.is_match == previous && !pieces.empty()) {
          pieces.back().end = m.end;
        } else {
          pieces.push_back({m.start, m.end, false});
        }
        previous = m.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous = false;
      for (const Match& m : matches) {
        if (m.is_match && !previous && !pieces.empty()) {
          pieces.back().end = m.end;
        } else {
          pieces.push_back({m.start, m.end, false});
        }
        previous = m.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !previous && !pieces.empty()) {
          pieces.back().start = it->start;
        } else {
          pieces.push_back({it->start, it->end, false});
        }
        previous = it->is_match;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
    }
  }
  std::vector<NormalizedString> out;
  out.reserve(pieces.size());
  for (const Piece& p : pieces) {
    if (!p.remove && p.end > p.start) out.push_back(slice(p.start, p.end));
  }
  return out;
}

std::vector<Match> find_literal(std::string_view text, std::string_view pattern) {
  std::vector<Match> out;
  if (pattern.empty()) {
    if (!text.empty()) out.push_back({0, text.size(), false});
    return out;
  }
  std::size_t last = 0;
  std::size_t pos = text.find(pattern);
  while (pos != std::string_view::npos) {
    if (pos > last) out.push_back({last, pos, false});
    out.push_back({pos, pos + pattern.size(), true});
    last = pos + pattern.size();
    pos = text.find(pattern, last);
  }
  if (last < text.size()) out.push_back({last, text.size(), false});
  return out;
}

}  // namespace hfserve::tokenizer
