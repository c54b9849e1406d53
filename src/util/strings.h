// Small text helpers shared by layers that read values people type or paste (tokens,
// secrets in files, config values).
#pragma once

#include <string>
#include <string_view>

namespace hfserve {

// `text` without leading and trailing ASCII whitespace (space, \t, \r, \n, \v, \f), as
// Python's str.strip() does for ASCII; what the Hugging Face tools do to a token.
std::string strip_whitespace(std::string_view text);

}  // namespace hfserve
