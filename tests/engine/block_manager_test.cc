// The block manager driven the way the engine drives it, against a simulated KV cache:
// every slot records which (token, position) was computed into it. Whatever the sequence
// of allocations, forks, appends, preemptions and evictions, each sequence must read back
// exactly its own tokens through its block table, no shared block may ever be written, and
// the reference counts must equal the references the block tables hold.
#include "engine/block_manager.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace hfserve::engine {
namespace {

struct Slot {
  std::int32_t token = -1;
  std::int64_t position = -1;
};

class Simulation {
 public:
  Simulation(std::size_t num_blocks, std::size_t block_size, bool prefix_caching)
      : manager_(num_blocks, block_size, prefix_caching),
        cache_(num_blocks, std::vector<Slot>(block_size)) {}

  BlockManager& manager() { return manager_; }

  // Admits a sequence and computes its prompt; false when it does not fit.
  bool admit(SequenceId id, const std::vector<std::int32_t>& prompt) {
    std::optional<std::size_t> cached = manager_.allocate(id, prompt);
    if (!cached) return false;
    EXPECT_EQ(*cached % manager_.block_size(), 0u);
    EXPECT_LT(*cached, prompt.size() == 0 ? 1 : prompt.size());
    tokens_[id] = prompt;
    computed_[id] = *cached;
    check_reads(id);  // the reused prefix must already hold this prompt's tokens
    compute(id);
    return true;
  }

  // Decodes one token; false when blocks ran out (the caller preempts).
  bool decode(SequenceId id, std::int32_t token) {
    std::vector<BlockCopy> copies;
    std::vector<std::int32_t> one{token};
    if (!manager_.append(id, one, copies)) return false;
    for (const BlockCopy& copy : copies) {
      EXPECT_EQ(manager_.ref_count(copy.to), 1);
      cache_[copy.to] = cache_[copy.from];
    }
    tokens_[id].push_back(token);
    compute(id);
    return true;
  }

  void fork(SequenceId parent, SequenceId child) {
    manager_.fork(parent, child);
    tokens_[child] = tokens_[parent];
    computed_[child] = computed_[parent];
  }

  void free(SequenceId id) {
    manager_.free(id);
    tokens_.erase(id);
    computed_.erase(id);
  }

  std::vector<SequenceId> live() const {
    std::vector<SequenceId> ids;
    for (const auto& [id, tokens] : tokens_) ids.push_back(id);
    return ids;
  }

  void check_all() {
    std::map<BlockId, int> refs;
    for (const auto& [id, tokens] : tokens_) {
      check_reads(id);
      const auto& table = manager_.block_table(id);
      ASSERT_EQ(table.size(), (tokens.size() + manager_.block_size() - 1) / manager_.block_size());
      for (BlockId block : table) ++refs[block];
    }
    std::size_t referenced = 0;
    for (std::size_t b = 0; b < manager_.num_blocks(); ++b) {
      ASSERT_EQ(manager_.ref_count(static_cast<BlockId>(b)), refs[static_cast<BlockId>(b)])
          << "block " << b;
      referenced += refs[static_cast<BlockId>(b)] > 0;
    }
    ASSERT_EQ(referenced + manager_.num_available_blocks(), manager_.num_blocks());
  }

 private:
  // Writes the keys/values of the sequence's not yet computed tokens, then commits them.
  void compute(SequenceId id) {
    const auto& table = manager_.block_table(id);
    const auto& tokens = tokens_[id];
    std::size_t bs = manager_.block_size();
    for (std::size_t p = computed_[id]; p < tokens.size(); ++p) {
      BlockId block = table[p / bs];
      ASSERT_EQ(manager_.ref_count(block), 1) << "writing into a shared block " << block;
      cache_[block][p % bs] = {tokens[p], static_cast<std::int64_t>(p)};
    }
    computed_[id] = tokens.size();
    manager_.commit_computed(id, tokens.size());
  }

  void check_reads(SequenceId id) {
    const auto& table = manager_.block_table(id);
    const auto& tokens = tokens_[id];
    std::size_t bs = manager_.block_size();
    for (std::size_t p = 0; p < computed_[id]; ++p) {
      const Slot& slot = cache_[table[p / bs]][p % bs];
      ASSERT_EQ(slot.token, tokens[p]) << "sequence " << id << " position " << p;
      ASSERT_EQ(slot.position, static_cast<std::int64_t>(p));
    }
  }

  BlockManager manager_;
  std::vector<std::vector<Slot>> cache_;
  std::map<SequenceId, std::vector<std::int32_t>> tokens_;
  std::map<SequenceId, std::size_t> computed_;
};

TEST(BlockManagerTest, RepeatedSystemPromptIsComputedOnce) {
  Simulation sim(64, 4, true);
  std::vector<std::int32_t> system(10, 7);
  std::vector<std::int32_t> a = system, b = system;
  a.insert(a.end(), {1, 2, 3});
  b.insert(b.end(), {4, 5});
  ASSERT_TRUE(sim.admit(1, a));
  std::optional<std::size_t> cached = sim.manager().allocate(2, b);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, 8u);  // two whole blocks of the shared 10-token prefix
  EXPECT_EQ(sim.manager().block_table(2)[0], sim.manager().block_table(1)[0]);
  EXPECT_EQ(sim.manager().block_table(2)[1], sim.manager().block_table(1)[1]);
  EXPECT_NE(sim.manager().block_table(2)[2], sim.manager().block_table(1)[2]);
}

TEST(BlockManagerTest, NeverReusesTheBlockOfTheLastToken) {
  Simulation sim(16, 4, true);
  std::vector<std::int32_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(sim.admit(1, prompt));
  std::optional<std::size_t> cached = sim.manager().allocate(2, prompt);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, 4u);
}

TEST(BlockManagerTest, UnreferencedCachedBlocksSurviveUntilNeeded) {
  Simulation sim(6, 4, true);
  std::vector<std::int32_t> prompt = {9, 9, 9, 9, 8, 8, 8, 8, 1};
  ASSERT_TRUE(sim.admit(1, prompt));
  sim.free(1);
  EXPECT_EQ(sim.manager().num_available_blocks(), 6u);
  ASSERT_TRUE(sim.admit(2, prompt));
  EXPECT_EQ(sim.manager().prefix_hits(), 8u);
  sim.free(2);
  // A different prompt that needs every block evicts the cached ones.
  ASSERT_TRUE(sim.admit(3, std::vector<std::int32_t>(24, 3)));
  sim.free(3);
  std::optional<std::size_t> cached = sim.manager().allocate(4, prompt);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, 0u);
}

TEST(BlockManagerTest, RefusesWithoutChangingAnything) {
  Simulation sim(3, 4, true);
  ASSERT_TRUE(sim.admit(1, std::vector<std::int32_t>(8, 1)));
  EXPECT_FALSE(sim.manager().allocate(2, std::vector<std::int32_t>(9, 2)));
  EXPECT_FALSE(sim.manager().contains(2));
  EXPECT_EQ(sim.manager().num_available_blocks(), 1u);
  sim.check_all();
}

TEST(BlockManagerTest, ForkedSequencesCopyTheSharedLastBlockOnWrite) {
  Simulation sim(16, 4, false);
  ASSERT_TRUE(sim.admit(1, {1, 2, 3, 4, 5, 6}));
  sim.fork(1, 2);
  ASSERT_TRUE(sim.decode(1, 100));
  ASSERT_TRUE(sim.decode(2, 200));
  EXPECT_NE(sim.manager().block_table(1)[1], sim.manager().block_table(2)[1]);
  EXPECT_EQ(sim.manager().block_table(1)[0], sim.manager().block_table(2)[0]);
  sim.check_all();
}

// Thousands of random engine steps over a small cache with shared prefixes.
TEST(BlockManagerTest, RandomWorkloadKeepsEverySequenceIntact) {
  for (bool prefix_caching : {true, false}) {
    for (std::size_t block_size : {1u, 3u, 16u}) {
      std::mt19937 rng(static_cast<unsigned>(block_size * 7 + prefix_caching));
      Simulation sim(48, block_size, prefix_caching);
      std::vector<std::vector<std::int32_t>> prefixes;
      for (int i = 0; i < 4; ++i) {
        prefixes.emplace_back(rng() % 40 + 1);
        for (auto& t : prefixes.back()) t = static_cast<std::int32_t>(rng() % 5);
      }
      SequenceId next_id = 1;
      for (int step = 0; step < 3000; ++step) {
        std::vector<SequenceId> live = sim.live();
        int op = rng() % 10;
        if (op < 3 || live.empty()) {
          std::vector<std::int32_t> prompt = prefixes[rng() % prefixes.size()];
          for (unsigned extra = rng() % 20; extra > 0; --extra) {
            prompt.push_back(static_cast<std::int32_t>(rng() % 5));
          }
          sim.admit(next_id++, prompt);
        } else if (op < 8) {
          SequenceId id = live[rng() % live.size()];
          if (!sim.decode(id, static_cast<std::int32_t>(rng() % 5))) sim.free(id);  // preempt
        } else if (op == 8) {
          sim.fork(live[rng() % live.size()], next_id++);
        } else {
          sim.free(live[rng() % live.size()]);
        }
        if (::testing::Test::HasFatalFailure()) return;
        if (step % 50 == 0) {
          sim.check_all();
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
      sim.check_all();
      if (prefix_caching) {
        EXPECT_GT(sim.manager().prefix_hits(), 0u) << "block size " << block_size;
      }
    }
  }
}

}  // namespace
}  // namespace hfserve::engine
