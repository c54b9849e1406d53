// StopStrings: OpenAI's `stop` for streamed text. Text is fed as it is detokenised;
// what can safely be shown comes back at once, while a tail that could still grow into a
// stop string (even one split across tokens) is held back until it cannot. When a stop
// string appears, the text before it (or through it, with include_stop_str_in_output) is
// the last that comes back. One per choice; not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hfserve::pipelines {

class StopStrings {
 public:
  StopStrings(std::vector<std::string> stops, bool include_stop);

  // Adds generated text; returns what may be emitted now.
  std::string feed(std::string_view text);
  // The held-back tail, at the end of a choice that stopped for another reason.
  std::string flush();
  bool matched() const { return matched_; }

 private:
  std::vector<std::string> stops_;
  bool include_stop_;
  std::string pending_;  // fed but not emitted
  bool matched_ = false;
};

}  // namespace hfserve::pipelines
