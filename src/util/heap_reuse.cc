#include "util/heap_reuse.h"

#include <malloc.h>

#include <climits>

namespace hfserve {

void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

void release_freed_memory() { malloc_trim(0); }

}  // namespace hfserve
