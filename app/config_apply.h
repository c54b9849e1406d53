// Puts a config file's values (config_file.h) into the options of the subcommand that
// took `--config`, after CLI11 parsed the command line, so a flag given there wins over
// the file. A key names one of the command's options by its long name (`-` and `_` alike:
// max-model-len is max_model_len), its positional (`model`) or a global option
// (`log_level`); `token` and `huggingface_token` are hf_token. Values are converted and
// checked by the option itself (types, ranges), as the same text on the command line is.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <map>
#include <string>

#include "app/config_file.h"

namespace hfserve::app {

struct AppliedConfig {
  std::size_t applied = 0;     // keys whose value is now in its option
  std::size_t overridden = 0;  // keys the command line overrode
  // For each option the file set: its long name -> "token in hfserve.yaml line 3".
  std::map<std::string, std::string> origins;
};

// Throws Error(kInvalidArgument) naming the file, the line and the key for an unknown key
// (with the known keys closest to it), a key given twice (under any spelling), a value
// the option refuses, a list for an option that takes one value, and a switch that is not
// true or false. A value from a secret reference is never shown.
AppliedConfig apply_config(const ConfigFile& file, CLI::App& command);

}  // namespace hfserve::app
