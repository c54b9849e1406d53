// Test helper: llama.cpp's tokenizer test cases (testdata/llamacpp-vocab/*.inp and .out,
// from llama.cpp's models/). The .inp file holds the input strings separated by
// "\n__ggml_vocab_test__\n" (the last one is followed by it too); the .out file holds,
// for each input, one line of the expected ids (no special tokens added), space-separated.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "python_reference.h"

namespace hfserve::testing {

struct VocabCase {
  std::string text;
  std::vector<std::uint32_t> ids;
};

// Throws when a file is missing or the two files disagree on the number of cases, so a
// test with missing data fails.
inline std::vector<VocabCase> llamacpp_vocab_cases(const std::string& name) {
  const std::string base = testdata_dir() + "/llamacpp-vocab/ggml-vocab-" + name + ".gguf";
  const std::string inputs = read_text(base + ".inp");
  const std::string outputs = read_text(base + ".out");
  const std::string marker = "\n__ggml_vocab_test__\n";
  std::vector<VocabCase> cases;
  std::size_t start = 0;
  for (std::size_t end; (end = inputs.find(marker, start)) != std::string::npos;
       start = end + marker.size()) {
    cases.push_back({inputs.substr(start, end - start), {}});
  }
  std::istringstream lines(outputs);
  std::string line;
  std::size_t i = 0;
  for (; std::getline(lines, line); ++i) {
    if (i >= cases.size()) break;
    std::istringstream numbers(line);
    for (std::uint32_t id; numbers >> id;) cases[i].ids.push_back(id);
  }
  if (cases.empty() || i != cases.size() || std::getline(lines, line)) {
    throw std::runtime_error(base + ".inp and .out do not hold the same number of cases");
  }
  return cases;
}

}  // namespace hfserve::testing
