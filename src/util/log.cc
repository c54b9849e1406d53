#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <string>
#include <utility>

#include "util/error.h"

namespace hfserve::log {

void set_level(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  for (const auto& [level_name, level] : kLevels) {
    if (name == level_name) {
      spdlog::set_level(level);
      return;
    }
  }
  throw Error(ErrorCode::kInvalidArgument,
              "unknown log level '" + std::string(name) +
                  "': use trace, debug, info, warn, error, critical or off");
}

void init_stderr() {
  if (spdlog::get("hfserve")) return;
  auto logger = spdlog::stderr_color_mt("hfserve");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace hfserve::log
