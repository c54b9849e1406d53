// hfserve's entry point: parses the command line, applies a --config file, configures
// logging and runs a subcommand. The only place that reads flags; every failure a user can
// cause ends here as one line on stderr and a non-zero exit status.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <string>

#include "app/config_apply.h"
#include "app/config_file.h"
#include "app/subcommand.h"
#include "app/version.h"
#include "hub/hub_settings.h"
#include "util/error.h"
#include "util/log.h"

int main(int argc, char** argv) {
  CLI::App app{"hfserve: serve Hugging Face models over the OpenAI and KServe APIs", "hfserve"};
  app.set_version_flag("--version", std::string("hfserve ") + hfserve::app::kVersion);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log_level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  std::string log_format = "text";
  app.add_option("--log_format", log_format, "text, or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  const hfserve::app::Subcommand commands[] = {
      hfserve::app::add_serve_command(app),      hfserve::app::add_generate_command(app),
      hfserve::app::add_pull_command(app),       hfserve::app::add_ls_command(app),
      hfserve::app::add_rm_command(app),         hfserve::app::add_inspect_command(app),
      hfserve::app::add_quantize_command(app),   hfserve::app::add_chat_template_command(app),
      hfserve::app::add_tokenize_command(app),   hfserve::app::add_run_command(app),
      hfserve::app::add_perplexity_command(app), hfserve::app::add_bench_command(app)};

  CLI11_PARSE(app, argc, argv);

  try {
    hfserve::log::init_stderr();
    for (const hfserve::app::Subcommand& command : commands) {
      if (!command.cli->parsed()) continue;
      // The file fills what the command line left unset; it may set log_level and
      // log_format too, so they are set after it.
      const CLI::Option* config_option = command.cli->get_option_no_throw("--config");
      const std::string config =
          config_option && config_option->count() > 0 ? config_option->as<std::string>() : "";
      std::optional<hfserve::app::AppliedConfig> applied;
      if (!config.empty()) {
        hfserve::app::ApplyOptions options;
        options.models_allowed = command.takes_models;
        applied = hfserve::app::apply_config(
            hfserve::app::read_config_file(config, hfserve::hub::process_environment()),
            *command.cli, options);
        if (command.configured) command.configured(*applied);
      }
      hfserve::log::set_level(log_level);
      hfserve::log::set_format(log_format);
      if (applied) {
        hfserve::log::info("config {}: {} settings applied, {} overridden by flags", config,
                           applied->applied, applied->overridden);
      }
      return command.run();
    }
  } catch (const hfserve::Error& error) {
    // With JSON logs the last line is JSON too, so a log collector keeps the reason.
    if (log_format == "json") {
      hfserve::log::critical("{}", error.what());
    } else {
      std::fprintf(stderr, "hfserve: %s\n", error.what());
    }
    return 1;
  }
  return 0;
}
