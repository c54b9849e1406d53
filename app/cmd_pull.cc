// `hfserve pull REF`: downloads a model into the Hugging Face cache (or checks a local
// one) and prints where it is.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "app/subcommand.h"
#include "hub/progress.h"
#include "hub/pull.h"

namespace hfserve::app {
namespace {

struct PullArgs {
  std::string model;
  std::optional<std::string> hf_token;
  bool offline = false;
  bool quiet = false;
  double progress_interval = 5;
  int max_attempts = 5;
  int parallel = 4;
};

int run_pull(const PullArgs& args) {
  hub::PullOptions options;
  options.token = args.hf_token;
  options.offline = args.offline;
  options.quiet = args.quiet;
  options.progress_log_period =
      std::chrono::milliseconds(std::llround(args.progress_interval * 1000));
  options.retry.max_attempts = args.max_attempts;
  options.parallel_downloads = args.parallel;
  const hub::EnvLookup env = hub::process_environment();
  const hub::HubSettings settings = hub::HubSettings::from_environment(env);
  const hub::PulledModel model =
      hub::pull_model(hub::parse_model_ref(args.model), settings, options, env);
  if (model.repo_id.empty()) {
    std::printf("%s is a local model: %zu files in %s\n", args.model.c_str(), model.files.size(),
                model.dir.c_str());
  } else {
    std::printf("%s@%s is commit %s: %zu files in %s (%s downloaded)\n", model.repo_id.c_str(),
                model.revision.c_str(), model.commit.c_str(), model.files.size(), model.dir.c_str(),
                hub::human_bytes(model.downloaded_bytes).c_str());
  }
  return 0;
}

}  // namespace

Subcommand add_pull_command(CLI::App& app) {
  auto args = std::make_shared<PullArgs>();
  CLI::App* cmd = app.add_subcommand("pull", "Download a model into the Hugging Face cache");
  cmd->add_option("model", args->model,
                  "org/name[@revision][:QUANT], hf://org/name:rev, a folder or a .gguf file")
      ->required();
  cmd->add_option("--hf_token", args->hf_token,
                  "Hugging Face token (else HF_TOKEN, HF_TOKEN_PATH, $HF_HOME/token)");
  cmd->add_flag("--offline", args->offline, "Use the cache only (as HF_HUB_OFFLINE=1)");
  cmd->add_flag("--quiet", args->quiet, "No progress output");
  cmd->add_option("--progress_interval", args->progress_interval,
                  "Seconds between progress log lines when stderr is not a terminal")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--max_attempts", args->max_attempts,
                  "Tries per request before a transient failure is reported")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--parallel", args->parallel, "Files downloaded at the same time")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  return {cmd, [args] { return run_pull(*args); }};
}

}  // namespace hfserve::app
