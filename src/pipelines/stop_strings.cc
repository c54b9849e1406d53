#include "pipelines/stop_strings.h"

#include <algorithm>

namespace hfserve::pipelines {

StopStrings::StopStrings(std::vector<std::string> stops, bool include_stop)
    : stops_(std::move(stops)), include_stop_(include_stop) {
  std::erase(stops_, std::string());
}

std::string StopStrings::feed(std::string_view text) {
  if (matched_) return {};
  pending_.append(text);
  // The earliest stop string wins (OpenAI cuts at the first one in the text).
  std::size_t best = std::string::npos;
  std::size_t best_len = 0;
  for (const std::string& stop : stops_) {
    std::size_t at = pending_.find(stop);
    if (at < best) {
      best = at;
      best_len = stop.size();
    }
  }
  if (best != std::string::npos) {
    matched_ = true;
    std::string out = pending_.substr(0, include_stop_ ? best + best_len : best);
    pending_.clear();
    return out;
  }
  // Hold back the longest tail that is a prefix of some stop string.
  std::size_t hold = 0;
  for (const std::string& stop : stops_) {
    for (std::size_t n = std::min(stop.size() - 1, pending_.size()); n > hold; --n) {
      if (pending_.compare(pending_.size() - n, n, stop, 0, n) == 0) {
        hold = n;
        break;
      }
    }
  }
  std::string out = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopStrings::flush() {
  std::string out;
  out.swap(pending_);
  return matched_ ? std::string() : out;
}

}  // namespace hfserve::pipelines
