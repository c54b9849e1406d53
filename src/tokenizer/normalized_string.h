// NormalizedString: a piece of text as it moves through normalizers and pre-tokenizers,
// with, for every byte of the current (normalized) text, the byte range of the original
// input it came from. That alignment is what turns token positions back into offsets in
// the user's text, following the rules of the Hugging Face tokenizers library (a
// replaced character takes the alignment of the character it replaces, an inserted one
// that of the character before it, a removed one is folded into its neighbour).
//
// A value type; not shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfserve::tokenizer {

// [start, end) in bytes.
using Offsets = std::pair<std::size_t, std::size_t>;

// One output character of a transformation and how it relates to the input: 0 replaces
// the next input character, +1 is inserted, -n replaces the next character and removes
// n more after it.
struct CharChange {
  char32_t cp;
  int change;
};

// How a split keeps the delimiter it found (the "behavior" of tokenizer.json).
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// A match of a pattern, [start, end) in bytes of the normalized text.
struct Match {
  std::size_t start;
  std::size_t end;
  bool is_match;
};

class NormalizedString {
 public:
  NormalizedString() = default;
  // The whole of `original` (valid UTF-8); alignments start at `base` in the input.
  explicit NormalizedString(std::string_view original, std::size_t base = 0);

  const std::string& get() const { return normalized_; }
  bool empty() const { return normalized_.empty(); }
  // Original byte range of normalized bytes [start, end); (x, x) for an empty range.
  Offsets original_offsets(std::size_t start, std::size_t end) const;
  // Original range of the whole piece.
  Offsets original_offsets() const { return original_offsets(0, normalized_.size()); }

  // Replaces the normalized bytes [start, end) by `changes` (HF transform_range);
  // `initial_removed` characters at the start of the range are dropped first.
  void transform_range(std::size_t start, std::size_t end, const std::vector<CharChange>& changes,
                       std::size_t initial_removed);
  void transform(const std::vector<CharChange>& changes, std::size_t initial_removed) {
    transform_range(0, normalized_.size(), changes, initial_removed);
  }
  // Keeps only the characters for which keep(cp) is true.
  template <typename Keep>
  void filter(Keep keep);
  // Maps every character to one other.
  template <typename Map>
  void map(Map fn);

  void prepend(std::string_view text);
  void append(std::string_view text);
  void lowercase();
  // Replaces every literal occurrence of `pattern` by `content`.
  void replace(std::string_view pattern, std::string_view content);
  // Replaces each match (is_match entries of `matches`) by `content`.
  void replace_matches(const std::vector<Match>& matches, std::string_view content);
  // Strips Unicode whitespace at the left and/or right.
  void strip(bool left, bool right);

  // Splits at the matches (which cover the text in order) with the given behaviour;
  // empty pieces are dropped.
  std::vector<NormalizedString> split(std::vector<Match> matches, SplitBehavior behavior,
                                      bool invert) const;
  // The sub-piece for normalized bytes [start, end).
  NormalizedString slice(std::size_t start, std::size_t end) const;

 private:
  std::string normalized_;
  std::vector<Offsets> alignments_;  // one per byte of normalized_
};

// Matches of a literal string, covering the whole text.
std::vector<Match> find_literal(std::string_view text, std::string_view pattern);
// Matches of single characters for which pred(cp) is true.
template <typename Pred>
std::vector<Match> find_chars(std::string_view text, Pred pred);

}  // namespace hfserve::tokenizer

#include "tokenizer/normalized_string_inl.h"
