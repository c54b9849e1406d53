#include "util/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <string>
#include <utility>

#include "util/error.h"

namespace hfserve::log {
namespace {

std::atomic<bool> json_lines{false};

// Starts a record()'s payload in JSON mode: the rest is `"msg":...,"key":...` members,
// written as they are instead of escaped into "msg".
constexpr char kMembers = '\x1e';

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

// The %* flag of the JSON pattern: the message as "msg":"..." (or a record's members).
class JsonMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string out;
    if (!payload.empty() && payload.front() == kMembers) {
      out = payload.substr(1);
    } else {
      out = "\"msg\":";
      append_json_string(out, payload);
    }
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

}  // namespace

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

void set_format(std::string_view name) {
  if (name == "text") {
    json_lines = false;
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  } else if (name == "json") {
    json_lines = true;
    // UTC, as log collectors expect; the text format keeps local time for people.
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessage>('*').set_pattern(
        "{\"time\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\",%*}");
    spdlog::set_formatter(std::move(formatter));
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "unknown log format '" + std::string(name) + "': use text or json");
  }
}

void record(spdlog::level::level_enum level, std::string_view message,
            const std::vector<Field>& fields) {
  if (!spdlog::should_log(level)) return;
  std::string line;
  if (json_lines) {
    line = kMembers;
    line += "\"msg\":";
    append_json_string(line, message);
    for (const Field& field : fields) {
      line += ',';
      append_json_string(line, field.key);
      line += ':';
      if (const auto* text = std::get_if<std::string>(&field.value)) {
        append_json_string(line, *text);
      } else if (const auto* integer = std::get_if<std::int64_t>(&field.value)) {
        line += std::to_string(*integer);
      } else {
        line += fmt::format("{}", std::get<double>(field.value));
      }
    }
  } else {
    line = message;
    for (const Field& field : fields) {
      line += ' ' + field.key + '=';
      if (const auto* text = std::get_if<std::string>(&field.value)) {
        const bool quote = text->empty() || text->find_first_of(" \"=") != std::string::npos;
        if (quote) {
          append_json_string(line, *text);
        } else {
          line += *text;
        }
      } else if (const auto* integer = std::get_if<std::int64_t>(&field.value)) {
        line += std::to_string(*integer);
      } else {
        line += fmt::format("{}", std::get<double>(field.value));
      }
    }
  }
  spdlog::log(level, "{}", line);
}

}  // namespace hfserve::log
