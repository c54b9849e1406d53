// Hugging Face token discovery, in the order of docs/model-references.md: the value the
// caller was given (--hf_token or config hf_token) -> HF_TOKEN -> HUGGING_FACE_HUB_TOKEN
// -> HF_HUB_TOKEN -> the file at HF_TOKEN_PATH -> $HF_HOME/token. Surrounding whitespace is
// stripped and an empty value counts as unset.
//
// A Token never formats itself: there is no operator<< or fmt formatter, and errors about
// a token never quote it, so the secret can only reach the Authorization header. Log
// `TokenSource::source`, never the value.
#pragma once

#include <optional>
#include <string>

#include "hub/hub_settings.h"

namespace hfserve::hub {

class Token {
 public:
  // Throws Error(kInvalidArgument) (without the value) when the token holds characters
  // that cannot go into an HTTP header (control characters, spaces).
  explicit Token(std::string value);
  const std::string& reveal() const { return value_; }

 private:
  std::string value_;
};

struct TokenSource {
  std::optional<Token> token;
  // Where it came from, for logs: "--hf_token", "hf_token in hfserve.yaml line 3",
  // "HF_TOKEN", "the file at HF_TOKEN_PATH (/x/token)", ... or "none".
  std::string source = "none";
};

// `configured` is the flag or config value (app/ reads those) and `configured_source` says
// which of them it is, for the log. Unreadable token files are skipped like missing ones.
TokenSource discover_token(const std::optional<std::string>& configured,
                           const HubSettings& settings, const EnvLookup& env,
                           const std::string& configured_source = "--hf_token");

}  // namespace hfserve::hub
