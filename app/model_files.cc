#include "app/model_files.h"

#include <algorithm>
#include <string>
#include <vector>

#include "hub/pull.h"
#include "util/error.h"

namespace hfserve::app {

ModelFiles locate_model_files(const std::string& model) {
  const hub::ModelRef ref = hub::parse_model_ref(model);
  const hub::EnvLookup env = hub::process_environment();
  const hub::HubSettings settings = hub::HubSettings::from_environment(env);
  hub::PullOptions options;
  options.quiet = true;
  hub::PulledModel pulled;
  if (ref.kind == hub::ModelRefKind::kHub) {
    // The cache first: an offline pull resolves the revision from refs/ and checks that
    // the snapshot holds the model's files, or fails with not_found.
    hub::PullOptions cache_only = options;
    cache_only.offline = true;
    try {
      pulled = hub::pull_model(ref, settings, cache_only, env);
    } catch (const Error& error) {
      if (error.code() != ErrorCode::kNotFound || settings.offline) throw;
      pulled = hub::pull_model(ref, settings, options, env);
    }
  } else {
    pulled = hub::pull_model(ref, settings, options, env);
  }
  ModelFiles files;
  files.dir = pulled.dir;
  if (ref.kind == hub::ModelRefKind::kLocalGguf) {
    files.gguf = ref.local_path;
  } else if (ref.kind == hub::ModelRefKind::kHub) {
    // A GGUF repository's pull chose one quantisation; split parts sort in order
    // ("-00001-of-00003" first).
    std::vector<std::string> ggufs;
    for (const std::string& file : pulled.files) {
      if (file.ends_with(".gguf")) ggufs.push_back(file);
    }
    if (!ggufs.empty()) files.gguf = pulled.dir / *std::min_element(ggufs.begin(), ggufs.end());
  }
  return files;
}

}  // namespace hfserve::app
