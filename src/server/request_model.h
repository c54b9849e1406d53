// Which model a request body names in its `model` field, read before the rest of the body
// (which model it is decides how the rest is read). Stateless; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hfserve::server {

// The body's `model`, or "" when it names none (absent or null). Throws ParamError when
// it is not a string.
std::string requested_model(const nlohmann::ordered_json& body);

}  // namespace hfserve::server
