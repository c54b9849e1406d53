// The one way the hand-rolled benchmarks time a run: warm up once, then the fastest of
// `reps` runs (the least disturbed by the rest of the machine), in seconds.
#pragma once

#include <chrono>

namespace hfserve::bench {

template <typename Fn>
double best_seconds(int reps, const Fn& run) {
  run();
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = seconds < best ? seconds : best;
  }
  return best;
}

}  // namespace hfserve::bench
