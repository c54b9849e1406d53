// pull_model: turns a ModelRef into a folder of verified files, the entry point of hub/.
// - local folder / .gguf file: checked to exist, used as they are, no network;
// - a Hub repository: the revision is resolved to a commit (revision API), the files are
//   chosen (file_selection.h), the missing ones downloaded in parallel into the cache
//   (blob_download.h), linked into snapshots/<commit>/, then refs/<revision> is written;
// - a commit whose snapshot already holds the files needs no network at all;
// - offline (HF_HUB_OFFLINE or PullOptions::offline): resolved from refs/ only.
// Nothing unverified ever appears in snapshots/. Errors say what to do (hub_errors.h).
// Blocking; call from one thread per pull (it runs its own download threads and never
// lets an exception leave them).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hub/hub_settings.h"
#include "hub/model_ref.h"
#include "hub/retry.h"

namespace hfserve::hub {

struct PullOptions {
  std::optional<std::string> token;         // --hf_token or config hf_token; see token.h
  std::string token_source = "--hf_token";  // which of the two, for the log
  bool offline = false;                     // --offline; HF_HUB_OFFLINE counts too
  bool quiet = false;                       // no progress output
  // Off a terminal, a progress log line this often (progress.h).
  std::chrono::milliseconds progress_log_period{5000};
  RetryPolicy retry;
  int parallel_downloads = 4;
  long low_speed_time_s = 30;  // a transfer stalled this long fails (and is retried)
};

struct PulledModel {
  std::string repo_id;  // empty for a local model
  std::string revision;
  std::string commit;
  // The snapshot folder (or the local folder; for a .gguf file, its folder).
  std::filesystem::path dir;
  // The chosen files, relative to `dir`.
  std::vector<std::string> files;
  std::int64_t downloaded_bytes = 0;  // received by this pull (not resumed bytes)
  bool used_network = false;
};

PulledModel pull_model(const ModelRef& ref, const HubSettings& settings, const PullOptions& options,
                       const EnvLookup& env);

}  // namespace hfserve::hub
