#include "server/request_model.h"

#include "server/api_error.h"

namespace hfserve::server {

std::string requested_model(const nlohmann::ordered_json& body) {
  if (!body.is_object() || !body.contains("model") || body["model"].is_null()) return "";
  if (!body["model"].is_string()) throw ParamError("model", "model must be a string");
  return body["model"].get<std::string>();
}

}  // namespace hfserve::server
