#include "app/config_apply.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace hfserve::app {
namespace {

// Names a file may use for an option that the command line spells otherwise (issue 3:
// the Hugging Face token is `hf_token`, `token` or `huggingface_token`).
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kAliases = {
    {{"token", "hf_token"}, {"huggingface_token", "hf_token"}}};

// Options that act on the command line itself, not on what hfserve does.
constexpr std::array<std::string_view, 4> kNotConfigurable = {"help", "help_all", "version",
                                                              "config"};

// YAML 1.1's booleans, as PyYAML resolves unquoted scalars.
constexpr std::array<std::string_view, 9> kTrue = {"true", "True", "TRUE", "yes", "Yes",
                                                   "YES",  "on",   "On",   "ON"};
constexpr std::array<std::string_view, 9> kFalse = {"false", "False", "FALSE", "no", "No",
                                                    "NO",    "off",   "Off",   "OFF"};

std::string normalized(std::string key, const ApplyOptions& options) {
  std::replace(key.begin(), key.end(), '-', '_');
  for (const auto& [alias, name] : kAliases) {
    if (key == alias) return std::string(name);
  }
  for (const auto& [alias, name] : options.aliases) {
    if (key == alias) return name;
  }
  return key;
}

bool configurable(std::string_view name) {
  return std::find(kNotConfigurable.begin(), kNotConfigurable.end(), name) ==
         kNotConfigurable.end();
}

// The option `name` (normalized) stands for: the command's, else a global one.
CLI::Option* find_option(CLI::App& command, const std::string& name) {
  for (CLI::App* app = &command; app != nullptr; app = app->get_parent()) {
    if (CLI::Option* option = app->get_option_no_throw("--" + name)) return option;
    if (CLI::Option* option = app->get_option_no_throw(name); option && !option->nonpositional())
      return option;
  }
  return nullptr;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

// The keys a user most likely meant: within a third of the key's length in edits, or
// containing it (port -> http_port), closest first, at most three.
std::string close_keys(const CLI::App& command, const std::string& key) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const CLI::App* app = &command; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      const std::string name = option->get_single_name();
      if (!configurable(name)) continue;
      const std::size_t distance = edit_distance(key, name);
      if (distance <= std::max<std::size_t>(2, key.size() / 3) ||
          (key.size() >= 3 && name.find(key) != std::string::npos)) {
        scored.emplace_back(distance, name);
      }
    }
  }
  std::sort(scored.begin(), scored.end());
  const std::size_t count = std::min<std::size_t>(scored.size(), 3);
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += i + 1 == count ? " or " : ", ";
    out += scored[i].second;
  }
  return out;
}

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* app = command.get_parent(); app != nullptr; app = app->get_parent()) {
    path = app->get_name() + " " + path;
  }
  return path;
}

[[noreturn]] void fail(const ConfigFile& file, const ConfigEntry& entry, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, file.where(entry) + ": " + what);
}

// The value as a message may show it.
std::string shown(const ConfigEntry& entry) {
  if (entry.secret) return "the value from its secret reference";
  std::string text;
  for (const std::string& value : entry.values) text += (text.empty() ? "'" : ", '") + value + "'";
  return text;
}

void set_switch(const ConfigFile& file, const ConfigEntry& entry, CLI::Option& option) {
  const std::string_view value = entry.values.front();
  const bool is_true = std::find(kTrue.begin(), kTrue.end(), value) != kTrue.end();
  const bool is_false = std::find(kFalse.begin(), kFalse.end(), value) != kFalse.end();
  if (entry.is_list || !entry.plain || !(is_true || is_false)) {
    fail(file, entry,
         entry.key + " is a switch: write true or false (unquoted), not " + shown(entry));
  }
  option.add_result(is_true ? "true" : "false");
}

}  // namespace

AppliedConfig apply_config(const ConfigFile& file, CLI::App& command, const ApplyOptions& options) {
  AppliedConfig result;
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() > 0) result.command_line.insert(option->get_single_name());
  }
  if (!file.models.empty() && !options.models_allowed) {
    throw Error(ErrorCode::kInvalidArgument,
                file.path + " line " + std::to_string(file.models_line) +
                    ": models: (several models in one process) is for `hfserve serve`; `" +
                    command_path(command) + "` takes one model: name it with `model:`");
  }
  result.models = file.models;
  const std::string scope =
      options.scope.empty() ? "`" + command_path(command) + "`" : options.scope;
  const std::string keys_hint =
      options.keys_hint.empty()
          ? "the keys are the long option names of `" + command_path(command) + " --help`"
          : options.keys_hint;
  std::map<const CLI::Option*, const ConfigEntry*> seen;
  for (const ConfigEntry& entry : file.entries) {
    const std::string name = normalized(entry.key, options);
    if (!configurable(name)) {
      fail(file, entry, entry.key + " cannot be set in a config file");
    }
    CLI::Option* option = find_option(command, name);
    if (option == nullptr) {
      const std::string close = close_keys(command, name);
      fail(file, entry,
           "unknown key '" + entry.key + "' for " + scope +
               (close.empty() ? "" : "; did you mean " + close + "?") + " (" + keys_hint + ")");
    }
    if (auto [it, fresh] = seen.emplace(option, &entry); !fresh) {
      if (it->second->key == entry.key) {
        fail(file, entry,
             entry.key + " is given twice (line " + std::to_string(it->second->line) +
                 " and here); keep one");
      }
      fail(file, entry,
           entry.key + " sets " + option->get_single_name() + ", which " + it->second->key +
               " (line " + std::to_string(it->second->line) + ") sets already; keep one");
    }
    if (option->count() > 0 || options.command_line.count(option->get_single_name()) > 0) {
      // given on the command line, which wins
      ++result.overridden;
      continue;
    }
    try {
      if (option->get_expected_min() == 0) {
        set_switch(file, entry, *option);
      } else if (entry.is_list && option->get_items_expected_max() <= 1) {
        fail(file, entry, entry.key + " takes one value, not a list");
      } else if (option->get_type_name() == "UINT" && entry.values.front().starts_with('-')) {
        // CLI11 wraps "-1" around to the largest unsigned value instead of refusing it.
        fail(file, entry,
             entry.key + ": " + shown(entry) + " is not valid: a count or size " +
                 "cannot be negative");
      } else {
        option->add_result(entry.values);
      }
      option->run_callback();
    } catch (const CLI::Error& error) {
      // CLI11's message quotes the value, so a secret's is replaced by a plain one.
      fail(file, entry,
           entry.key + ": " + shown(entry) + " is not valid" +
               (entry.secret ? " for --" + option->get_single_name()
                             : ": " + std::string(error.what())));
    }
    ++result.applied;
    result.origins[option->get_single_name()] = entry.key + " in " + file.where(entry);
  }
  return result;
}

}  // namespace hfserve::app
