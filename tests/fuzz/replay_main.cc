// Runs a libFuzzer target without libFuzzer (for GCC builds and ctest): every file of the
// corpus folders given on the command line, then deterministic mutations of them (byte
// flips, insertions, truncations, splices). A crash or a sanitizer report fails the test.
// usage: <fuzz_replay> [--mutations N] CORPUS_DIR...
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string mutate(std::string input, const std::vector<std::string>& corpus, std::mt19937& rng) {
  static constexpr char kInteresting[] = {'/', '@', ':', '.', '\\', '\0', '\n', '"', '{', '}', '%'};
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const std::size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
    switch (rng() % 5) {
      case 0:
        if (!input.empty()) input[at % input.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        input.insert(at, 1, kInteresting[rng() % sizeof kInteresting]);
        break;
      case 2:
        input.resize(at);
        break;
      case 3: {
        const std::string& other = corpus[rng() % corpus.size()];
        input.insert(at, other.substr(rng() % (other.size() + 1)));
        break;
      }
      default:
        if (!input.empty()) input.erase(at % input.size(), 1 + rng() % 8);
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 20000;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(arg)) {
      std::ifstream in(entry.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "no corpus files given\n");
    return 2;
  }
  for (const std::string& input : corpus) run(input);
  std::mt19937 rng(12345);
  for (long i = 0; i < mutations; ++i) run(mutate(corpus[rng() % corpus.size()], corpus, rng));
  std::printf("replayed %zu corpus files and %ld mutations\n", corpus.size(), mutations);
  return 0;
}
