// What each `hfserve <subcommand>` file gives main.cc: the CLI11 subcommand it registered
// and the function that runs it after parsing (inside main's error handling, after the
// logs are set up and a --config file is applied). Options live in the closure, owned by
// `run`.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "app/config_apply.h"

namespace hfserve::app {

struct Subcommand {
  CLI::App* cli = nullptr;
  std::function<int()> run;  // the process exit status
  // For a command that takes --config: told where the file's values went, once main.cc
  // has applied them (after the command line, before `run`), e.g. to log a token's source.
  std::function<void(const AppliedConfig&)> configured;
  bool takes_models = false;  // its file may hold `models:` (AppliedConfig::models)
};

Subcommand add_serve_command(CLI::App& app);          // app/cmd_serve.cc
Subcommand add_generate_command(CLI::App& app);       // app/cmd_generate.cc
Subcommand add_run_command(CLI::App& app);            // app/cmd_run.cc
Subcommand add_perplexity_command(CLI::App& app);     // app/cmd_perplexity.cc
Subcommand add_bench_command(CLI::App& app);          // app/cmd_bench.cc
Subcommand add_pull_command(CLI::App& app);           // app/cmd_pull.cc
Subcommand add_ls_command(CLI::App& app);             // app/cmd_ls.cc
Subcommand add_rm_command(CLI::App& app);             // app/cmd_rm.cc
Subcommand add_inspect_command(CLI::App& app);        // app/cmd_inspect.cc
Subcommand add_quantize_command(CLI::App& app);       // app/cmd_quantize.cc
Subcommand add_chat_template_command(CLI::App& app);  // app/cmd_chat_template.cc
Subcommand add_tokenize_command(CLI::App& app);       // app/cmd_tokenize.cc

}  // namespace hfserve::app
