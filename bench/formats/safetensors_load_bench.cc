// Loading a 1 GiB safetensors checkpoint (generated in /tmp at start) through
// open_safetensors, beside the reference: reading the same file once from the page cache
// with read(2) into a buffer. Loading maps the file and validates the header, so it should
// cost a tiny fraction of one read, and the process's anonymous memory (RssAnon, i.e.
// copies) must stay flat: only file-backed pages (RssFile, shared with the page cache) grow
// when the weights are touched. Counters report both after each load.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/weight_source.h"

namespace {

constexpr std::size_t kTensors = 64;
constexpr std::size_t kRows = 1024;
constexpr std::size_t kCols = 4096;  // 64 x [1024, 4096] F32 = 1 GiB
constexpr std::size_t kTensorBytes = kRows * kCols * sizeof(float);

const std::string& bench_file() {
  static const std::string path = [] {
    std::string file = "/tmp/hfserve_bench_" + std::to_string(::getpid()) + ".safetensors";
    nlohmann::json header = nlohmann::json::object();
    for (std::size_t i = 0; i < kTensors; ++i) {
      header["model.layers." + std::to_string(i) + ".mlp.up_proj.weight"] = {
          {"dtype", "F32"},
          {"shape", {kRows, kCols}},
          {"data_offsets", {i * kTensorBytes, (i + 1) * kTensorBytes}}};
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned
    std::ofstream out(file, std::ios::binary);
    std::uint64_t length = text.size();
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::vector<float> row(kRows * kCols);
    for (std::size_t i = 0; i < row.size(); ++i) row[i] = static_cast<float>(i % 977) * 0.001f;
    for (std::size_t i = 0; i < kTensors; ++i) {
      out.write(reinterpret_cast<const char*>(row.data()),
                static_cast<std::streamsize>(kTensorBytes));
    }
    // Removed at exit; holds its own copy of the name, so destruction order cannot matter.
    static const struct Remover {
      std::string path;
      ~Remover() { std::remove(path.c_str()); }
    } remover{file};
    return file;
  }();
  return path;
}

// A field of /proc/self/status in MiB ("RssAnon", "RssFile").
double status_mib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size())) / 1024.0;
  }
  return -1;
}

std::size_t file_bytes() { return kTensors * kTensorBytes; }

// The reference: one read(2) of the whole file from the page cache into a buffer.
void BM_ReadFileFromPageCache_Reference(benchmark::State& state) {
  const std::string& path = bench_file();
  std::vector<char> buffer(file_bytes() + 4096);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_RDONLY);
    std::size_t total = 0;
    for (ssize_t n; (n = ::read(fd, buffer.data() + total, buffer.size() - total)) > 0;) {
      total += static_cast<std::size_t>(n);
    }
    ::close(fd);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_bytes()));
  state.counters["RssAnon_MiB"] = status_mib("RssAnon");
}
BENCHMARK(BM_ReadFileFromPageCache_Reference)->Unit(benchmark::kMillisecond)->Iterations(5);

// open_safetensors: map, validate the header, build the views. No weight byte is touched.
void BM_OpenSafetensors(benchmark::State& state) {
  const std::string& path = bench_file();
  const double anon_before = status_mib("RssAnon");
  double anon_after = 0;
  for (auto _ : state) {
    auto source = hfserve::formats::open_safetensors(path);
    benchmark::DoNotOptimize(source->get("model.layers.0.mlp.up_proj.weight").data);
    anon_after = status_mib("RssAnon");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_bytes()));
  state.counters["RssAnon_growth_MiB"] = anon_after - anon_before;
}
BENCHMARK(BM_OpenSafetensors)->Unit(benchmark::kMillisecond)->Iterations(20);

// Load and read every weight once through the views (a sum per 4 KiB page), as a first
// forward pass would: RssFile grows to the file size, RssAnon (copies) does not.
void BM_OpenAndTouchEveryPage(benchmark::State& state) {
  const std::string& path = bench_file();
  const double anon_before = status_mib("RssAnon");
  double anon_growth = 0;
  double file_rss = 0;
  for (auto _ : state) {
    auto source = hfserve::formats::open_safetensors(path);
    float sum = 0;
    for (const std::string& name : source->names()) {
      auto view = source->get(name);
      const auto* values = static_cast<const float*>(view.data);
      for (std::size_t i = 0; i < view.num_elements(); i += 1024) sum += values[i];
    }
    benchmark::DoNotOptimize(sum);
    anon_growth = status_mib("RssAnon") - anon_before;
    file_rss = status_mib("RssFile");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_bytes()));
  state.counters["RssAnon_growth_MiB"] = anon_growth;
  state.counters["RssFile_MiB"] = file_rss;
  state.counters["file_MiB"] = static_cast<double>(file_bytes()) / (1 << 20);
}
BENCHMARK(BM_OpenAndTouchEveryPage)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
