// `hfserve ls`: the models in the Hugging Face cache, one line per snapshot.
#include <cstdio>
#include <ctime>
#include <string>

#include "app/subcommand.h"
#include "hub/hub_cache.h"
#include "hub/hub_settings.h"
#include "hub/progress.h"

namespace hfserve::app {
namespace {

std::string format_time(std::filesystem::file_time_type time) {
  if (time == std::filesystem::file_time_type::min()) return "-";
  const auto system = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(time));
  const std::time_t seconds = std::chrono::system_clock::to_time_t(system);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &utc);
  return buffer;
}

int run_ls() {
  const hub::HubSettings settings = hub::HubSettings::from_environment(hub::process_environment());
  const auto snapshots = hub::HubCache(settings.cache_dir).list();
  std::printf("%-48s %-16s %-12s %10s  %s\n", "MODEL", "REVISION", "COMMIT", "SIZE",
              "LAST USED (UTC)");
  for (const hub::CachedSnapshot& snapshot : snapshots) {
    std::string refs;
    for (const std::string& ref : snapshot.refs) refs += (refs.empty() ? "" : ",") + ref;
    std::printf("%-48s %-16s %-12s %10s  %s\n", snapshot.repo_id.c_str(),
                refs.empty() ? "-" : refs.c_str(), snapshot.commit.substr(0, 12).c_str(),
                hub::human_bytes(snapshot.size_bytes).c_str(),
                format_time(snapshot.last_used).c_str());
  }
  if (snapshots.empty()) {
    std::fprintf(stderr, "no models in %s\n", settings.cache_dir.c_str());
  }
  return 0;
}

}  // namespace

Subcommand add_ls_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("ls", "List the models in the Hugging Face cache");
  return {cmd, [] { return run_ls(); }};
}

}  // namespace hfserve::app
