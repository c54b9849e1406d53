// `hfserve tokenize MODEL (--text T | --file F) [--no-special]`: prints one JSON object
// {"ids": [...], "tokens": [...], "offsets": [[start, end], ...]} (character offsets, as
// HF's Python Encoding reports them) for the text, encoded by the model's tokenizer.json
// or, for a .gguf file, by the tokenizer its tokenizer.ggml.* metadata describes.
#include "app/subcommand.h"

#include <memory>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/gguf.h"
#include "pipelines/gguf_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

struct TokenizeOptions {
  std::string model;  // a folder holding tokenizer.json, a tokenizer.json file or a .gguf file
  std::optional<std::string> text;
  std::optional<std::string> file;
  bool no_special = false;
};

// The tokenizer MODEL names. Hub references are resolved by the hub layer, which this
// command does not use yet.
tokenizer::Tokenizer load_tokenizer(const std::string& model) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(model, ec)) {
    fs::path path = fs::path(model) / "tokenizer.json";
    if (!fs::exists(path, ec)) {
      throw Error(ErrorCode::kNotFound, "no tokenizer.json in folder " + model);
    }
    return tokenizer::Tokenizer::from_file(path.string());
  }
  if (fs::is_regular_file(model, ec)) {
    if (fs::path(model).extension() == ".gguf") {
      formats::GgufFile file(model);
      try {
        return pipelines::tokenizer_from_gguf(file.header());
      } catch (const Error& error) {
        throw Error(error.code(), model + ": " + error.message());
      }
    }
    return tokenizer::Tokenizer::from_file(model);
  }
  throw Error(ErrorCode::kUnsupported,
              "'" + model +
                  "' is not a local folder or file; Hub model references are not "
                  "supported by `tokenize` yet");
}

int run_tokenize(const TokenizeOptions& options) {
  if (options.text.has_value() == options.file.has_value()) {
    throw Error(ErrorCode::kInvalidArgument, "give exactly one of --text and --file");
  }
  std::string text;
  if (options.text) {
    text = *options.text;
  } else {
    std::ifstream in(*options.file, std::ios::binary);
    if (!in) throw Error(ErrorCode::kNotFound, "cannot read " + *options.file);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  tokenizer::Tokenizer tok = load_tokenizer(options.model);
  tokenizer::Encoding encoding =
      tok.encode(text, {.add_special_tokens = !options.no_special, .char_offsets = true});
  nlohmann::ordered_json offsets = nlohmann::ordered_json::array();
  for (const auto& [start, end] : encoding.offsets) {
    offsets.push_back({start, end});
  }
  nlohmann::ordered_json out = {
      {"ids", encoding.ids}, {"tokens", encoding.tokens}, {"offsets", offsets}};
  std::string line = out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace

Subcommand add_tokenize_command(CLI::App& app) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* cmd =
      app.add_subcommand("tokenize", "Print the token ids, tokens and offsets of a text as JSON");
  cmd->add_option("model", options->model,
                  "Local folder holding tokenizer.json, tokenizer.json file or GGUF file")
      ->required();
  auto* text_option = cmd->add_option("--text", options->text, "Text to tokenize");
  cmd->add_option("--file", options->file, "File whose content to tokenize")->excludes(text_option);
  cmd->add_flag("--no-special", options->no_special,
                "Do not add the special tokens (BOS, [CLS]...) around the text");
  return {cmd, [options] { return run_tokenize(*options); }};
}

}  // namespace hfserve::app
