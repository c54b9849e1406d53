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
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/config_file.h"

namespace hfserve::app {

struct AppliedConfig {
  std::size_t applied = 0;     // keys whose value is now in its option
  std::size_t overridden = 0;  // keys the command line overrode
  // For each option the file set: its long name -> "token in hfserve.yaml line 3".
  std::map<std::string, std::string> origins;
  // The long names of the command's options given on the command line.
  std::set<std::string> command_line;
  // The file's `models:` entries, which the command applies itself (app/cmd_serve.cc).
  std::vector<ConfigFile> models;
};

struct ApplyOptions {
  // Whether the command takes `models:` (`hfserve serve`); else a file with it is refused.
  bool models_allowed = false;
  // More names a key may use for an option (a `models:` entry's name and from).
  std::vector<std::pair<std::string, std::string>> aliases;
  // Options that the command line set for a command not parsed from it (a `models:`
  // entry): the file's keys for them are overridden, as for those with results.
  std::set<std::string> command_line;
  // What the keys are set for, in messages, when not the command itself ("a model of
  // `models:`"), and where its keys are listed.
  std::string scope;
  std::string keys_hint;
};

// Throws Error(kInvalidArgument) naming the file, the line and the key for an unknown key
// (with the known keys closest to it), a key given twice (under any spelling), a value
// the option refuses, a list for an option that takes one value, and a switch that is not
// true or false, and `models:` unless options.models_allowed. A value from a secret
// reference is never shown. Only the file's top level is applied; its `models:` entries are
// applied each on its own (app/cmd_serve.cc).
AppliedConfig apply_config(const ConfigFile& file, CLI::App& command,
                           const ApplyOptions& options = {});

}  // namespace hfserve::app
