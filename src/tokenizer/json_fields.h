// Checked access to the fields of tokenizer.json: every accessor names the JSON path it
// reads (e.g. "pre_tokenizer.pretokenizers[1].pattern"), so a malformed file fails with
// an Error(invalid_argument) that says where and what is wrong. Internal to the layer.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hfserve::tokenizer::json {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what);

// A required member of an object.
const Json& require(const Json& object, std::string_view key, const std::string& where);
// A member that may be absent or null.
const Json* optional(const Json& object, std::string_view key);

std::string string_or(const Json& object, std::string_view key, const std::string& where,
                      const std::string& fallback);
std::string require_string(const Json& object, std::string_view key, const std::string& where);
std::optional<std::string> optional_string(const Json& object, std::string_view key,
                                           const std::string& where);
bool bool_or(const Json& object, std::string_view key, const std::string& where, bool fallback);
std::int64_t int_or(const Json& object, std::string_view key, const std::string& where,
                    std::int64_t fallback);
std::uint32_t require_id(const Json& value, const std::string& where);
double require_number(const Json& value, const std::string& where);
const Json& require_array(const Json& object, std::string_view key, const std::string& where);
// The "type" member, or "" when absent.
std::string type_of(const Json& object, const std::string& where);

// Parses a whole document; a syntax error becomes Error(invalid_argument) with the line
// and column.
Json parse(std::string_view text, const std::string& file_name);

}  // namespace hfserve::tokenizer::json
