// hfserve::Error: the one exception type every layer throws for a failure a caller can act
// on (bad input, missing file, refused access...). The server maps its code to an HTTP
// status and an OpenAI/KServe error body in one place. Errors never cross a thread or a
// queue as exceptions: a failed request carries its Error in its result.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace hfserve {

enum class ErrorCode {
  kInvalidArgument,    // the caller sent something malformed: fix the input
  kNotFound,           // a model, file, route or id that does not exist
  kUnauthorized,       // no or bad credentials
  kForbidden,          // credentials fine, access refused (e.g. a gated model)
  kUnsupported,        // well-formed but not something hfserve does (yet)
  kResourceExhausted,  // out of memory, queue full, context too long
  kUnavailable,        // transient: retry later (network, model loading)
  kCancelled,          // the client went away or the request was aborted
  kInternal,           // a bug or an unexpected system failure
};

// The snake_case name used in logs and error bodies, e.g. "invalid_argument".
std::string_view error_code_name(ErrorCode code);

class Error : public std::exception {
 public:
  Error(ErrorCode code, std::string message);

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", for logs.
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  ErrorCode code_;
  std::string message_;
  std::string what_;
};

// Aborts with the file, line and condition when an internal invariant is broken. Never use
// it for anything a user or a file can cause: throw Error for those.
#define HFSERVE_CHECK(condition)                                       \
  do {                                                                 \
    if (!(condition)) {                                                \
      ::hfserve::detail::check_failed(#condition, __FILE__, __LINE__); \
    }                                                                  \
  } while (false)

namespace detail {
[[noreturn]] void check_failed(const char* condition, const char* file, int line);
}  // namespace detail

}  // namespace hfserve
