// Parses untrusted JSON (safetensors headers, config.json, index files) with nlohmann-json
// and refuses what nlohmann would silently accept: a key repeated in one object (nlohmann
// keeps the last one, so a hostile file could show one value to us and another to other
// readers). Errors name the source and the byte position. Any thread may call it.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace hfserve::formats {

// Throws Error(kInvalidArgument) "<source>: ..." on a syntax error or a duplicate key.
nlohmann::json parse_json_strict(std::string_view text, std::string_view source);

}  // namespace hfserve::formats
