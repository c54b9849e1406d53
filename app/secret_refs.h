// Secret references in configuration values: `${env:NAME}` is the environment variable
// NAME and `${file:/path}` the content of a file (surrounding whitespace stripped), so a
// config file can name a token or API key without holding it (Kubernetes mounts secrets
// as variables or files). Every `${` starts a reference; there is no other form.
#pragma once

#include <string>
#include <string_view>

#include "hub/hub_settings.h"

namespace hfserve::app {

struct Substituted {
  std::string text;
  bool had_reference = false;  // the text holds a secret: never echo it
};

// `text` with each reference replaced. Throws Error(kInvalidArgument) for an unknown
// reference kind, an unset variable or an unreadable file; the message names the
// reference, never what it stands for.
Substituted substitute_secret_refs(std::string_view text, const hub::EnvLookup& env);

}  // namespace hfserve::app
