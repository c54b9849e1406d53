// Process-wide logging, a thin layer over spdlog so that every layer logs the same way.
// Log with hfserve::log::info("loaded {} tensors", n) (fmt syntax); configure once in app/.
// Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace hfserve::log {

using spdlog::critical;
using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::trace;
using spdlog::warn;

// Sets the level from its name: trace, debug, info, warn, error, critical or off.
// Throws Error(kInvalidArgument) naming the accepted values for anything else.
void set_level(std::string_view name);

// Logs to stderr with a timestamp and level; called once at startup.
void init_stderr();

}  // namespace hfserve::log
