#include "util/error.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace hfserve {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

Error::Error(ErrorCode code, std::string message)
    : code_(code),
      message_(std::move(message)),
      what_(std::string(error_code_name(code)) + ": " + message_) {}

namespace detail {
void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "hfserve: internal invariant broken at %s:%d: %s\n", file, line, condition);
  std::abort();
}
}  // namespace detail

}  // namespace hfserve
