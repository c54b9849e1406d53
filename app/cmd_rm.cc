// `hfserve rm REF`: removes a model (or one revision of it) from the Hugging Face cache.
#include <cstdio>
#include <memory>
#include <string>

#include "app/subcommand.h"
#include "hub/hub_cache.h"
#include "hub/hub_settings.h"
#include "hub/model_ref.h"
#include "hub/progress.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

int run_rm(const std::string& text) {
  const hub::ModelRef ref = hub::parse_model_ref(text);
  if (ref.kind != hub::ModelRefKind::kHub) {
    throw Error(ErrorCode::kInvalidArgument,
                "'" + text + "' is a local path; hfserve rm only removes models from the cache");
  }
  if (!ref.quant.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "hfserve rm removes a model or one revision of it, not one quantisation: "
                "drop ':" +
                    ref.quant + "'");
  }
  const hub::HubSettings settings = hub::HubSettings::from_environment(hub::process_environment());
  const std::int64_t freed =
      hub::HubCache(settings.cache_dir).remove(ref.repo_id, ref.revision_given ? ref.revision : "");
  std::printf("removed %s from %s (%s freed)\n", ref.to_string().c_str(),
              settings.cache_dir.c_str(), hub::human_bytes(freed).c_str());
  return 0;
}

}  // namespace

Subcommand add_rm_command(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "rm", "Remove a model (org/name) or one revision (org/name@rev) from the cache");
  cmd->add_option("model", *model, "org/name or org/name@revision")->required();
  return {cmd, [model] { return run_rm(*model); }};
}

}  // namespace hfserve::app
