// The one place where failures become HTTP: an Error's code decides the status, and the
// body is OpenAI's error object {"error": {"message", "type", "param", "code"}}, or
// KServe's {"error": message} on its V1/V2 routes.
// ParamError is an invalid_argument Error that names the request field at fault, which
// goes into "param".
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace hfserve::server {

class ParamError : public Error {
 public:
  ParamError(std::string param, const std::string& message)
      : Error(ErrorCode::kInvalidArgument, message), param_(std::move(param)) {}
  const std::string& param() const { return param_; }

 private:
  std::string param_;
};

// A ParamError raised while a request's text becomes the model's tokens: a chat template
// that fails to render, a prompt with no tokens, a token id outside the vocabulary. The
// server counts these (hfserve_tokenization_errors_total) besides answering 400.
class TokenizationError : public ParamError {
 public:
  using ParamError::ParamError;
};

int http_status(ErrorCode code);

// The OpenAI error body for `error` (its param when it is a ParamError).
nlohmann::json error_body(const Error& error);
// KServe's error body for its V1/V2 routes: {"error": message} (status as above).
nlohmann::json kserve_error_body(const Error& error);
// An error body for a status the HTTP layer produced itself (404 route, 413 body).
nlohmann::json error_body(int status, const std::string& message);

}  // namespace hfserve::server
