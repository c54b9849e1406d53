// The roofline: this machine's memory read bandwidth and peak FMA rate, on one thread and
// on all of them. A decode step reads every weight once, so tokens/s can never beat
// bandwidth / model bytes, and prefill can never beat peak FLOP/s / FLOPs per token; the
// kernel and end-to-end benchmarks quote these figures as their ceilings.
#include <cstdio>

#include "bench/common/roofline.h"

int main() {
  for (std::size_t threads : {std::size_t{1}, std::size_t{0}}) {
    hfserve::ThreadPool pool(threads);
    double bandwidth = hfserve::bench::measure_read_bandwidth(pool);
    double flops = hfserve::bench::measure_peak_fma_flops(pool);
    std::printf("roofline threads=%zu  read bandwidth %.2f GB/s  peak fp32 FMA %.1f GFLOP/s\n",
                pool.num_threads(), bandwidth / 1e9, flops / 1e9);
  }
  return 0;
}
