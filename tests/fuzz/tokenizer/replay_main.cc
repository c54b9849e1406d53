// Runs a libFuzzer entry point without libFuzzer (for builds with GCC, under ctest):
// every file of the corpus directories given on the command line, then a fixed number of
// deterministic mutations of them (byte flips, truncations, splices), so that the
// sanitizer build exercises the target on more than the seeds.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      seeds.push_back(buffer.str());
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no corpus files\n");
    return 1;
  }
  for (const std::string& seed : seeds) run(seed);
  std::mt19937 rng(12345);
  constexpr int kMutations = 2000;
  for (int i = 0; i < kMutations; ++i) {
    std::string input = seeds[rng() % seeds.size()];
    switch (rng() % 4) {
      case 0:  // flip a few bytes
        for (int k = 0; k < 4 && !input.empty(); ++k) {
          input[rng() % input.size()] = static_cast<char>(rng() & 0xFF);
        }
        break;
      case 1:  // truncate
        input.resize(input.empty() ? 0 : rng() % input.size());
        break;
      case 2: {  // splice with another seed
        const std::string& other = seeds[rng() % seeds.size()];
        std::size_t cut = input.empty() ? 0 : rng() % input.size();
        std::size_t from = other.empty() ? 0 : rng() % other.size();
        input = input.substr(0, cut) + other.substr(from);
        break;
      }
      default:  // random bytes
        input.assign(rng() % 64, '\0');
        for (char& c : input) c = static_cast<char>(rng() & 0xFF);
        break;
    }
    run(input);
  }
  std::printf("replayed %zu seeds and %d mutations\n", seeds.size(), kMutations);
  return 0;
}
