// Verification throughput: every downloaded byte is hashed (SHA-256 for LFS files) before
// it becomes visible, so this bounds how fast a pull can finish on a fast link. Printed
// next to Python's hashlib.sha256 over the same file (what huggingface_hub-based tools
// use), measured in the same run.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "hub/file_digest.h"

namespace {

constexpr std::size_t kFileBytes = 64 << 20;

const std::filesystem::path& sample_file() {
  static const std::filesystem::path path = [] {
    const auto file = std::filesystem::temp_directory_path() /
                      ("hfserve_verify_bench_" + std::to_string(::getpid()));
    std::vector<char> bytes(kFileBytes);
    std::mt19937_64 rng(1);
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
      const auto value = rng();
      std::memcpy(&bytes[i], &value, 8);
    }
    std::ofstream(file, std::ios::binary).write(bytes.data(), bytes.size());
    return file;
  }();
  return path;
}

void BM_Sha256File(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(hfserve::hub::sha256_file_hex(sample_file()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFileBytes));
}
BENCHMARK(BM_Sha256File)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_GitBlobSha1File(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(hfserve::hub::git_blob_sha1_file_hex(sample_file()));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFileBytes));
}
BENCHMARK(BM_GitBlobSha1File)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same file hashed by Python's hashlib in 1 MiB reads; the script times itself so the
// interpreter's start-up is not counted.
void BM_PythonHashlibSha256_Reference(benchmark::State& state) {
  const std::string command = std::string(HFSERVE_BENCH_PYTHON) +
                              " -c \"import hashlib,sys,time\n"
                              "t=time.perf_counter();h=hashlib.sha256()\n"
                              "f=open(sys.argv[1],'rb')\n"
                              "for b in iter(lambda:f.read(1<<20),b''): h.update(b)\n"
                              "print(time.perf_counter()-t)\" " +
                              sample_file().string();
  for (auto _ : state) {
    std::FILE* pipe = ::popen(command.c_str(), "r");
    double seconds = 0;
    if (pipe == nullptr || std::fscanf(pipe, "%lf", &seconds) != 1) {
      state.SkipWithError("the project's Python could not run hashlib");
      if (pipe != nullptr) ::pclose(pipe);
      return;
    }
    ::pclose(pipe);
    state.SetIterationTime(seconds);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFileBytes));
}
BENCHMARK(BM_PythonHashlibSha256_Reference)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  sample_file();  // written before any timing starts
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove(sample_file());
  return 0;
}
