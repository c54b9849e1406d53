#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <vector>

namespace hfserve {
namespace {

// Every index of [0, n) is visited exactly once, whatever n is relative to the threads.
TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (std::size_t threads : {1u, 2u, 3u, 8u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.num_threads(), threads);
    for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 17u, 4097u}) {
      std::vector<std::atomic<int>> visits(n);
      pool.parallel_for(n, [&](std::size_t begin, std::size_t end) {
        ASSERT_LE(begin, end);
        for (std::size_t i = begin; i < end; ++i) visits[i].fetch_add(1);
      });
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(visits[i].load(), 1) << "threads " << threads << " n " << n << " i " << i;
      }
    }
  }
}

// A parallel reduction equals the serial one, over many back-to-back loops (the hot-path
// pattern: one loop per op, thousands per second).
TEST(ThreadPoolTest, ManyConsecutiveLoopsMatchSerialSums) {
  ThreadPool pool(4);
  std::vector<long> values(1000);
  std::iota(values.begin(), values.end(), 1);
  long expected = std::accumulate(values.begin(), values.end(), 0L);
  for (int round = 0; round < 500; ++round) {
    std::atomic<long> sum{0};
    pool.parallel_for(values.size(), [&](std::size_t begin, std::size_t end) {
      long local = 0;
      for (std::size_t i = begin; i < end; ++i) local += values[i];
      sum.fetch_add(local);
    });
    ASSERT_EQ(sum.load(), expected) << "round " << round;
  }
}

// A loop smaller than the minimum range runs as one range on the calling thread.
TEST(ThreadPoolTest, SmallLoopsRunInline) {
  ThreadPool pool(4);
  std::atomic<int> calls{0};
  std::thread::id caller = std::this_thread::get_id(), ran_on;
  pool.parallel_for(
      100,
      [&](std::size_t begin, std::size_t end) {
        EXPECT_EQ(begin, 0u);
        EXPECT_EQ(end, 100u);
        ran_on = std::this_thread::get_id();
        calls.fetch_add(1);
      },
      64);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(ran_on, caller);
  calls = 0;
  pool.parallel_for(
      256, [&](std::size_t begin, std::size_t end) { calls.fetch_add(end - begin > 0); }, 64);
  EXPECT_EQ(calls.load(), 4);
}

TEST(ThreadPoolTest, RangesAreContiguousAndBalanced) {
  ThreadPool pool(3);
  std::vector<std::pair<std::size_t, std::size_t>> ranges(3, {0, 0});
  std::atomic<int> calls{0};
  pool.parallel_for(10, [&](std::size_t begin, std::size_t end) {
    ranges[calls.fetch_add(1)] = {begin, end};
  });
  ASSERT_EQ(calls.load(), 3);
  std::sort(ranges.begin(), ranges.end());
  EXPECT_EQ(ranges[0], (std::pair<std::size_t, std::size_t>{0, 4}));
  EXPECT_EQ(ranges[1], (std::pair<std::size_t, std::size_t>{4, 7}));
  EXPECT_EQ(ranges[2], (std::pair<std::size_t, std::size_t>{7, 10}));
}

}  // namespace
}  // namespace hfserve
