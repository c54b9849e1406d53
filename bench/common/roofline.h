// The machine's ceilings, measured (never assumed) so that every benchmark can print its
// figure beside the bound in the same run.
#pragma once

#include "util/thread_pool.h"

namespace hfserve::bench {

// Bytes per second the threads of `pool` read from a buffer far larger than the caches.
double measure_read_bandwidth(ThreadPool& pool);

// Peak single-precision FLOP/s of the threads of `pool` using the widest FMA this CPU has
// (two FLOPs per FMA lane).
double measure_peak_fma_flops(ThreadPool& pool);

}  // namespace hfserve::bench
