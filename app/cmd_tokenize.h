// `hfserve tokenize MODEL (--text T | --file F) [--no-special]`: prints one JSON object
// {"ids": [...], "tokens": [...], "offsets": [[start, end], ...]} (character offsets, as
// HF's Python Encoding reports them) for the text, encoded by the model's tokenizer.json.
#pragma once

#include <optional>
#include <string>

namespace hfserve::app {

struct TokenizeOptions {
  std::string model;  // a folder holding tokenizer.json, or a tokenizer.json file
  std::optional<std::string> text;
  std::optional<std::string> file;
  bool no_special = false;
};

// Writes the JSON line to stdout; throws hfserve::Error on a bad model or input.
int run_tokenize(const TokenizeOptions& options);

}  // namespace hfserve::app
