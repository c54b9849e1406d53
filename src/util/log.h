// Process-wide logging, a thin layer over spdlog so that every layer logs the same way.
// Log with hfserve::log::info("loaded {} tensors", n) (fmt syntax); configure once in app/.
// Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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

// The shape of every line: "text" (the default: "2026-12-02T10:00:00.000 info message") or
// "json" (one object per line, {"time", "level", "msg", ...}, what log collectors parse).
// Throws Error(kInvalidArgument) naming the accepted values for anything else. Called
// once at startup, after init_stderr().
void set_format(std::string_view name);

// A structured line: a message and named values. Text: "message key=value key=value"
// (a string value with spaces or quotes is quoted); JSON: the values are members of the
// line's object beside "msg".
struct Field {
  std::string key;
  std::variant<std::string, std::int64_t, double> value;
};
void record(spdlog::level::level_enum level, std::string_view message,
            const std::vector<Field>& fields);

}  // namespace hfserve::log
