#include "server/api_error.h"

namespace hfserve::server {
namespace {

// OpenAI's error types, by status.
const char* error_type(int status) {
  switch (status) {
    case 400:
    case 413:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 499:
      return "cancelled";
    case 501:
      return "not_implemented_error";
    case 503:
      return "service_unavailable_error";
    default:
      return "server_error";
  }
}

}  // namespace

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kUnsupported:
      return 400;  // a request asking for something hfserve does not do: fix the request
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kCancelled:
      return 499;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

nlohmann::json error_body(const Error& error) {
  const int status = http_status(error.code());
  nlohmann::json param = nullptr;
  if (const auto* param_error = dynamic_cast<const ParamError*>(&error)) {
    if (!param_error->param().empty()) param = param_error->param();
  }
  return {{"error",
           {{"message", error.message()},
            {"type", error_type(status)},
            {"param", param},
            {"code", std::string(error_code_name(error.code()))}}}};
}

nlohmann::json kserve_error_body(const Error& error) { return {{"error", error.message()}}; }

nlohmann::json error_body(int status, const std::string& message) {
  return {
      {"error",
       {{"message", message}, {"type", error_type(status)}, {"param", nullptr}, {"code", status}}}};
}

}  // namespace hfserve::server
