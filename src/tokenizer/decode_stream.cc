#include "tokenizer/decode_stream.h"

#include "util/utf8.h"

namespace hfserve::tokenizer {

std::optional<std::string> DecodeStream::step(std::uint32_t id) {
  ids_.push_back(id);
  std::string text = tokenizer_.decode(ids_, skip_special_tokens_);
  bool ends_with_replacement =
      text.size() >= 3 && text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0;
  if (text.size() <= prefix_.size() || ends_with_replacement) return std::nullopt;
  // The window's decode may differ from the prefix in its first bytes (a decoder that
  // strips a leading space): emit only past the prefix, keeping whole characters.
  std::string fresh = text.substr(prefix_.size());
  std::size_t new_prefix_index = ids_.size() - prefix_index_;
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_index_));
  prefix_ = tokenizer_.decode(ids_, skip_special_tokens_);
  prefix_index_ = new_prefix_index;
  return fresh;
}

}  // namespace hfserve::tokenizer
