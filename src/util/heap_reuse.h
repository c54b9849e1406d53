// How the C library's allocator treats the large buffers a forward pass allocates and frees
// (activations, their quantised copies, scores): kept for the next pass rather than handed
// back to the kernel. glibc's defaults map every block over 128 KiB (the bound rises with
// use, up to 32 MiB) afresh and trim the heap's top after each free, so every layer's
// buffers were new pages, faulted in and zeroed again: a quarter of a BERT-base forward
// of 128 tokens (bench/embed). PyTorch's CPU guidance answers the same cost with jemalloc
// or tcmalloc; two mallopt settings do it here. Process-wide, idempotent, thread-safe.
#pragma once

namespace hfserve {

// Blocks up to 32 MiB (the most glibc allows) come from the heap, and free() never trims
// it: memory freed by one request is the next one's.
void keep_freed_memory();

// Gives the heap's free pages back now (malloc_trim): after a model load, whose temporary
// buffers a forward pass does not need.
void release_freed_memory();

}  // namespace hfserve
