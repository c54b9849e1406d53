// A stand-in for libFuzzer's driver when the compiler has none (gcc): feeds every file
// named on the command line (directories are walked) to LLVMFuzzerTestOneInput, then
// `--mutations N` deterministic mutants of each (byte flips, insertions of template
// syntax, deletions, splices between inputs) so that ctest exercises the parser on
// malformed input on every run. Exits non-zero only by crashing, like libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Fragments that steer mutants towards the grammar's corners.
constexpr std::string_view kTokens[] = {"{{",
                                        "}}",
                                        "{%",
                                        "%}",
                                        "{#",
                                        "#}",
                                        "{%-",
                                        "-%}",
                                        "{{-",
                                        "-}}",
                                        "(",
                                        ")",
                                        "[",
                                        "]",
                                        "{",
                                        "}",
                                        "'",
                                        "\"",
                                        "\\",
                                        "|",
                                        ".",
                                        ",",
                                        ":",
                                        "=",
                                        "~",
                                        "*",
                                        "**",
                                        "//",
                                        "%",
                                        " is ",
                                        " not ",
                                        " in ",
                                        " if ",
                                        " else ",
                                        "for x in ",
                                        "endfor",
                                        "endif",
                                        "set ",
                                        "macro ",
                                        "endmacro",
                                        "loop.",
                                        "namespace(",
                                        "range(",
                                        "|tojson",
                                        "|join",
                                        "|map(",
                                        "messages",
                                        "tools",
                                        "caller()",
                                        "raw",
                                        "endraw",
                                        "1e308",
                                        "-9223372036854775808",
                                        "\xff",
                                        "\xf0\x9f",
                                        "\n"};

std::string mutate(const std::string& input, const std::vector<std::string>& all,
                   std::mt19937_64& rng) {
  std::string out = input;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    std::size_t at = out.empty() ? 0 : rng() % (out.size() + 1);
    switch (rng() % 5) {
      case 0:
        if (!out.empty() && at < out.size()) out[at] = static_cast<char>(rng());
        break;
      case 1: {
        std::string_view token = kTokens[rng() % std::size(kTokens)];
        out.insert(at, token);
        break;
      }
      case 2:
        if (at < out.size()) out.erase(at, 1 + rng() % std::min<std::size_t>(16, out.size() - at));
        break;
      case 3: {
        const std::string& other = all[rng() % all.size()];
        if (!other.empty()) {
          std::size_t from = rng() % other.size();
          out.insert(at, other.substr(from, 1 + rng() % 64));
        }
        break;
      }
      default:
        if (at < out.size()) out.insert(at, out.substr(at, 1 + rng() % 32));
        break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 0;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    std::filesystem::path path(arg);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) inputs.push_back(read_file(file));
    } else {
      inputs.push_back(read_file(path));
    }
  }
  if (inputs.empty()) inputs.emplace_back();
  for (const std::string& input : inputs) run(input);
  std::mt19937_64 rng(20261122);
  for (const std::string& input : inputs) {
    for (long m = 0; m < mutations; ++m) run(mutate(input, inputs, rng));
  }
  std::printf("%zu inputs and %ld mutants each ran without a crash\n", inputs.size(), mutations);
  return 0;
}
