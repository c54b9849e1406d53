// The fuzz targets' main when libFuzzer is not available (gcc builds): replays every file
// of the seed corpus given on the command line, then deterministic mutations of each (bit
// flips, byte overwrites with boundary values, truncations, splices), so ctest exercises
// each parser's refusal paths under the sanitizers on every run. The real fuzzing is
// libFuzzer's (see tests/fuzz/fuzz.cmake); this only keeps the targets honest.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::vector<std::uint8_t>& input) {
  // A copy of exactly `size` bytes, so that ASan sees any read past the end.
  std::vector<std::uint8_t> exact(input);
  LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::vector<std::uint8_t>> corpus;
  for (int i = 1; i < argc; ++i) {
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
      std::ifstream in(entry.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "no corpus files given\n");
    return 1;
  }
  std::mt19937_64 rng(1234);
  static constexpr std::uint8_t kBoundary[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '"',  '{',  '[',
                                               ',',  '/',  '@',  ':',  '.',  '\\', '\n', '%'};
  std::size_t runs = 0;
  for (const auto& seed : corpus) {
    run(seed);
    ++runs;
    for (int round = 0; round < 2000; ++round) {
      std::vector<std::uint8_t> input = seed;
      const int mutations = 1 + static_cast<int>(rng() % 4);
      for (int m = 0; m < mutations && !input.empty(); ++m) {
        const std::size_t at = rng() % input.size();
        switch (rng() % 4) {
          case 0:
            input[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
            break;
          case 1:
            input[at] = kBoundary[rng() % sizeof(kBoundary)];
            break;
          case 2:
            input.resize(at);
            break;
          default: {
            const auto& other = corpus[rng() % corpus.size()];
            if (!other.empty()) {
              const std::size_t from = rng() % other.size();
              input.insert(input.begin() + static_cast<std::ptrdiff_t>(at),
                           other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
            }
          }
        }
      }
      run(input);
      ++runs;
    }
  }
  std::printf("replayed %zu inputs from %zu seeds\n", runs, corpus.size());
  return 0;
}
