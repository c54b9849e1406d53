// One decode step of paged attention over a long context, with Qwen2.5-0.5B's head layout
// (14 query heads, 2 KV heads, head_dim 64), for every kernel variant, beside the roofline
// measured in the same run: the step must read the sequence's whole K and V once, so
// KV bytes / bandwidth bounds it from below.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "bench/common/roofline.h"
#include "bench/common/timing.h"
#include "kernels/install.h"

int main() {
  constexpr std::size_t kHeads = 14, kKvHeads = 2, kDim = 64, kBlock = 16;
  constexpr std::size_t kContext = 262144;  // 256 MiB of K+V, past any last-level cache
  constexpr std::size_t kBlocks = kContext / kBlock;
  std::vector<float> k(kBlocks * kKvHeads * kBlock * kDim), v(k.size()), q(kHeads * kDim),
      out(q.size());
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (float& x : k) x = dist(rng);
  for (float& x : v) x = dist(rng);
  for (float& x : q) x = dist(rng);
  std::vector<std::int32_t> block_table(kBlocks);
  std::iota(block_table.begin(), block_table.end(), 0);

  hfserve::tensor::PagedAttentionArgs args;
  args.q = q.data();
  args.out = out.data();
  args.k_cache = k.data();
  args.v_cache = v.data();
  args.block_table = block_table.data();
  args.n_tokens = 1;
  args.n_heads = kHeads;
  args.n_kv_heads = kKvHeads;
  args.head_dim = kDim;
  args.block_size = kBlock;
  args.first_position = kContext - 1;
  args.scale = 1.0f / std::sqrt(static_cast<float>(kDim));

  hfserve::ThreadPool pool(0);
  double bandwidth = hfserve::bench::measure_read_bandwidth(pool);
  double bytes = 2.0 * k.size() * sizeof(float);
  std::printf("roofline: read bandwidth %.2f GB/s with %zu threads -> bound %.2f ms per step\n",
              bandwidth / 1e9, pool.num_threads(), bytes / bandwidth * 1e3);
  for (hfserve::kernels::Isa isa : hfserve::kernels::supported_isas()) {
    hfserve::tensor::KernelTable table = hfserve::kernels::table_for(isa);
    double best = hfserve::bench::best_seconds(5, [&] {
      pool.parallel_for(kKvHeads, [&](std::size_t begin, std::size_t end) {
        table.paged_attention_f32(args, begin, end);
      });
    });
    std::printf("paged_attention decode ctx=%zu %-7s %.2f ms  = %3.0f%% of the roofline\n",
                kContext, std::string(hfserve::kernels::isa_name(isa)).c_str(), best * 1e3,
                100.0 * bytes / bandwidth / best);
  }
  return 0;
}
