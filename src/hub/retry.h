// Retries of transient Hub failures: exponential backoff with full jitter, honouring a
// server's Retry-After, up to a number of attempts the user can set. Used for the API
// calls and for each file download. Thread-safe (each call has its own random state).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace hfserve::hub {

struct RetryPolicy {
  int max_attempts = 5;                        // in all, the first one included
  std::chrono::milliseconds base_delay{500};   // before the 2nd attempt, then doubled
  std::chrono::milliseconds max_delay{30000};  // cap of one wait (Retry-After included)
};

// What one attempt ended with. A permanent failure is thrown as Error by the attempt.
struct AttemptResult {
  bool ok = false;
  std::string failure;  // what went wrong, for the final error ("HTTP 503", "reset")
  std::optional<std::chrono::seconds> retry_after;
};

// 408, 429 and 5xx: the Hub or a proxy asks to come back later.
bool is_transient_status(long status);

// Reads a Retry-After header given in seconds (the form the Hub sends); nullopt for
// anything else, including HTTP dates.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value);

// Calls `attempt` until it succeeds or `policy.max_attempts` were made, sleeping between
// tries. Throws Error(kUnavailable) "<what> failed after N attempts: <last failure>".
void run_with_retries(const RetryPolicy& policy, const std::string& what,
                      const std::function<AttemptResult(int attempt)>& attempt);

}  // namespace hfserve::hub
