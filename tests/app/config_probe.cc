// Applies a config file to a command with one option of each kind hfserve's commands use
// (text, unsigned, signed, float, switch, list) and prints what each option received as
// JSON, or the error on stderr with exit status 1. config_yaml_check.py compares that with
// PyYAML's reading of the same file.
//
// usage: config_probe FILE
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app/config_apply.h"
#include "app/config_file.h"
#include "util/error.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: config_probe FILE\n");
    return 2;
  }
  std::string text;
  std::size_t count = 0;
  int number = 0;
  double ratio = 0;
  bool flag = false;
  std::vector<std::string> names;
  CLI::App root{"probe"};
  CLI::App* command = root.add_subcommand("probe");
  command->add_option("--text", text);
  command->add_option("--count", count);
  command->add_option("--number", number);
  command->add_option("--ratio", ratio);
  command->add_flag("--switch", flag);
  command->add_option("--names", names);
  root.parse(std::vector<std::string>{"probe"});
  try {
    const hfserve::hub::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
      if (const char* value = std::getenv(name.c_str())) return value;
      return std::nullopt;
    };
    const hfserve::app::AppliedConfig applied =
        hfserve::app::apply_config(hfserve::app::read_config_file(argv[1], env), *command);
    nlohmann::json out = nlohmann::json::object();
    const auto set = [&](const char* name) { return applied.origins.count(name) > 0; };
    if (set("text")) out["text"] = text;
    if (set("count")) out["count"] = count;
    if (set("number")) out["number"] = number;
    if (set("ratio")) out["ratio"] = ratio;
    if (set("switch")) out["switch"] = flag;
    if (set("names")) out["names"] = names;
    std::cout << out.dump() << "\n";
  } catch (const hfserve::Error& error) {
    std::fprintf(stderr, "%s\n", error.message().c_str());
    return 1;
  }
  return 0;
}
