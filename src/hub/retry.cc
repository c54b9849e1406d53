#include "hub/retry.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

#include "util/error.h"
#include "util/log.h"

namespace hfserve::hub {

bool is_transient_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value) {
  long long seconds = 0;
  const char* end = value.data() + value.size();
  auto [ptr, error] = std::from_chars(value.data(), end, seconds);
  if (error != std::errc() || ptr != end || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

void run_with_retries(const RetryPolicy& policy, const std::string& what,
                      const std::function<AttemptResult(int attempt)>& attempt) {
  std::mt19937_64 rng(std::random_device{}());
  const int attempts = std::max(1, policy.max_attempts);
  std::string failure;
  for (int n = 1; n <= attempts; ++n) {
    AttemptResult result = attempt(n);
    if (result.ok) return;
    failure = result.failure;
    if (n == attempts) break;
    // Full jitter: a uniform wait in [base*2^(n-1)/2, base*2^(n-1)], so that many clients
    // failing together do not come back together.
    const double ceiling =
        std::min<double>(static_cast<double>(policy.max_delay.count()),
                         static_cast<double>(policy.base_delay.count()) * double(1LL << (n - 1)));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto wait = std::chrono::milliseconds(static_cast<long long>(ceiling * jitter(rng)));
    if (result.retry_after) {
      wait = std::max<std::chrono::milliseconds>(
          wait, std::min<std::chrono::milliseconds>(*result.retry_after, policy.max_delay));
    }
    log::warn("{}: {} (attempt {} of {}); retrying in {} ms", what, failure, n, attempts,
              wait.count());
    std::this_thread::sleep_for(wait);
  }
  throw Error(ErrorCode::kUnavailable, what + " failed after " + std::to_string(attempts) +
                                           " attempt" + (attempts == 1 ? "" : "s") + ": " +
                                           failure);
}

}  // namespace hfserve::hub
