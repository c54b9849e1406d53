// ThreadPool: a fixed set of worker threads that split one loop at a time between them
// and the calling thread. Built for hot paths (one call per matmul): parallel_for
// allocates nothing, workers spin briefly for the next loop before sleeping.
//
// parallel_for may be called by one thread at a time (the owner, e.g. the engine's
// scheduler thread); calls from several threads must be serialised by the caller.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace hfserve {

class ThreadPool {
 public:
  // `num_threads` counts the caller: 1 means no workers and everything runs inline.
  // 0 means one thread per hardware thread.
  explicit ThreadPool(std::size_t num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t num_threads() const { return workers_.size() + 1; }

  // Calls fn(begin, end) on disjoint contiguous ranges that cover [0, n) exactly once,
  // at most one range per thread and none smaller than `min_per_range` items (so a loop
  // too small to be worth waking a thread for runs inline), and returns when all have
  // finished. Ranges are as even as possible, so [begin, end) of range i is the same for
  // the same arguments on every call. fn must not throw: a kernel has no error to report
  // that was not checked before.
  template <typename Fn>
  void parallel_for(std::size_t n, const Fn& fn, std::size_t min_per_range = 1) {
    static_assert(std::is_invocable_v<const Fn&, std::size_t, std::size_t>);
    run(n, min_per_range, &fn, [](const void* ctx, std::size_t begin, std::size_t end) {
      (*static_cast<const Fn*>(ctx))(begin, end);
    });
  }

 private:
  using Trampoline = void (*)(const void* ctx, std::size_t begin, std::size_t end);

  void run(std::size_t n, std::size_t min_per_range, const void* ctx, Trampoline call);
  void run_share(std::size_t thread_index);
  void worker_loop(std::size_t thread_index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;

  // The loop being run; written by the caller before `generation_` is bumped.
  const void* ctx_ = nullptr;
  Trampoline call_ = nullptr;
  std::size_t n_ = 0;
  std::size_t shares_ = 0;

  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> pending_{0};
  bool stopping_ = false;
};

}  // namespace hfserve
