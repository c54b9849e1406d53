#include "tokenizer/json_fields.h"

#include <algorithm>

#include "util/error.h"

namespace hfserve::tokenizer::json {

void fail(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "tokenizer.json: " + where + ": " + what);
}

const Json& require(const Json& object, std::string_view key, const std::string& where) {
  if (!object.is_object())
    fail(where, "expected an object, found " + std::string(object.type_name()));
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) fail(where, "missing \"" + std::string(key) + "\"");
  return *it;
}

const Json* optional(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> optional_string(const Json& object, std::string_view key,
                                           const std::string& where) {
  const Json* value = optional(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    fail(where + "." + std::string(key),
         "expected a string, found " + std::string(value->type_name()));
  }
  return value->get<std::string>();
}

std::string string_or(const Json& object, std::string_view key, const std::string& where,
                      const std::string& fallback) {
  return optional_string(object, key, where).value_or(fallback);
}

std::string require_string(const Json& object, std::string_view key, const std::string& where) {
  require(object, key, where);
  return *optional_string(object, key, where);
}

bool bool_or(const Json& object, std::string_view key, const std::string& where, bool fallback) {
  const Json* value = optional(object, key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    fail(where + "." + std::string(key), "expected true or false, found " + value->dump());
  }
  return value->get<bool>();
}

std::int64_t int_or(const Json& object, std::string_view key, const std::string& where,
                    std::int64_t fallback) {
  const Json* value = optional(object, key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer()) {
    fail(where + "." + std::string(key), "expected an integer, found " + value->dump());
  }
  return value->get<std::int64_t>();
}

std::uint32_t require_id(const Json& value, const std::string& where) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
      value.get<std::int64_t>() > 0x7FFFFFFF) {
    fail(where, "expected a token id (a non-negative integer), found " + value.dump());
  }
  return static_cast<std::uint32_t>(value.get<std::int64_t>());
}

double require_number(const Json& value, const std::string& where) {
  if (!value.is_number()) fail(where, "expected a number, found " + value.dump());
  return value.get<double>();
}

const Json& require_array(const Json& object, std::string_view key, const std::string& where) {
  const Json& value = require(object, key, where);
  if (!value.is_array()) {
    fail(where + "." + std::string(key),
         "expected an array, found " + std::string(value.type_name()));
  }
  return value;
}

std::string type_of(const Json& object, const std::string& where) {
  if (!object.is_object())
    fail(where, "expected an object, found " + std::string(object.type_name()));
  return string_or(object, "type", where, "");
}

Json parse(std::string_view text, const std::string& file_name) {
  try {
    return Json::parse(text);
  } catch (const Json::out_of_range& error) {
    // A number too large for any C++ type (nlohmann reports it as out_of_range).
    throw Error(ErrorCode::kInvalidArgument, file_name + ": invalid JSON: " + error.what());
  } catch (const Json::parse_error& error) {
    std::size_t at = std::min<std::size_t>(error.byte > 0 ? error.byte - 1 : 0, text.size());
    std::size_t line =
        1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + at, '\n'));
    std::size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
    std::size_t column = line_start == std::string_view::npos ? at + 1 : at - line_start;
    throw Error(ErrorCode::kInvalidArgument, file_name + ": invalid JSON at line " +
                                                 std::to_string(line) + ", column " +
                                                 std::to_string(column) + ": " + error.what());
  }
}

}  // namespace hfserve::tokenizer::json
