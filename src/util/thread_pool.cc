#include "util/thread_pool.h"

#include <algorithm>

namespace hfserve {
namespace {

// How many times a worker polls for the next loop before sleeping: long enough to cover
// the gap between two ops of one forward pass, short enough not to burn an idle core.
constexpr int kSpinIterations = 20000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

ThreadPool::ThreadPool(std::size_t num_threads) {
  if (num_threads == 0) num_threads = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(num_threads - 1);
  for (std::size_t i = 1; i < num_threads; ++i) {
    workers_.emplace_back([this, i] { worker_loop(i); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(std::size_t n, std::size_t min_per_range, const void* ctx, Trampoline call) {
  if (n == 0) return;
  std::size_t most = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_per_range));
  std::size_t shares = std::min(most, num_threads());
  if (shares == 1) {
    call(ctx, 0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ctx_ = ctx;
    call_ = call;
    n_ = n;
    shares_ = shares;
    pending_.store(workers_.size(), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_share(0);
  if (pending_.load(std::memory_order_acquire) != 0) {
    for (int i = 0; i < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; ++i) {
      cpu_relax();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
}

void ThreadPool::run_share(std::size_t thread_index) {
  if (thread_index >= shares_) return;
  std::size_t base = n_ / shares_;
  std::size_t extra = n_ % shares_;
  std::size_t begin = thread_index * base + std::min(thread_index, extra);
  std::size_t end = begin + base + (thread_index < extra ? 1 : 0);
  call_(ctx_, begin, end);
}

void ThreadPool::worker_loop(std::size_t thread_index) {
  std::uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinIterations && generation_.load(std::memory_order_acquire) == seen;
         ++i) {
      cpu_relax();
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      seen = generation_.load(std::memory_order_acquire);
      if (stopping_) return;
    }
    run_share(thread_index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

}  // namespace hfserve
