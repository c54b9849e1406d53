// A configuration file (`hfserve serve --config hfserve.yaml`): one YAML mapping whose keys
// are the command's long option names and whose values are what the flags take, a scalar
// or a list of scalars; for `hfserve serve`, also a `models:` list of such mappings, one
// per model served. This file reads and checks the YAML; config_apply.h puts the values
// into the command's options. The schema and the decisions are in docs/configuration.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub/hub_settings.h"

namespace hfserve::app {

// One key of the file.
struct ConfigEntry {
  std::string key;                  // as written: max_model_len, max-model-len, token, ...
  int line = 0;                     // 1-based, where the key is
  std::vector<std::string> values;  // one for a scalar, one per item of a list
  bool is_list = false;
  // An unquoted scalar, so that YAML's true/false/yes/no/on/off read as booleans (as
  // PyYAML's YAML 1.1 does); a quoted "true" is text.
  bool plain = false;
  // A value came from ${env:..} or ${file:..}: messages never show it.
  bool secret = false;
};

struct ConfigFile {
  std::string path;
  int line = 0;                      // where the mapping starts; 0 for the file's top level
  std::vector<ConfigEntry> entries;  // in file order
  // `models:`, one mapping per model (`line` says where each starts), in file order.
  std::vector<ConfigFile> models;
  int models_line = 0;  // where `models:` is; 0 when the file has none

  // "hfserve.yaml line 3", for messages.
  std::string where(const ConfigEntry& entry) const;
};

// Parses `text` (the content of `path`) and substitutes secret references. Throws
// Error(kInvalidArgument) naming the file, the line and what to fix for YAML syntax errors,
// several documents, a top level that is not a mapping, a key given twice, a mapping as a
// value, an empty value, a bad secret reference, and a `models:` that is not a non-empty
// list of such mappings.
ConfigFile parse_config(std::string_view text, const std::string& path, const hub::EnvLookup& env);

// Reads the file at `path`, then parse_config. Throws Error naming the path and the reason
// when it cannot be read.
ConfigFile read_config_file(const std::string& path, const hub::EnvLookup& env);

}  // namespace hfserve::app
