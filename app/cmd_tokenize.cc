// `hfserve tokenize MODEL (--text T | --file F) [--no-special]`: prints one JSON object
// {"ids": [...], "tokens": [...], "offsets": [[start, end], ...]} (character offsets, as
// HF's Python Encoding reports them) for the text, encoded by the model's tokenizer.json
// as transformers' AutoTokenizer adjusts it with tokenizer_config.json (a bare
// tokenizer.json file is used as it is) or, for a .gguf file, by the tokenizer its
// tokenizer.ggml.* metadata describes.
#include "app/subcommand.h"

#include <memory>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <utility>

#include "app/model_files.h"
#include "formats/gguf.h"
#include "pipelines/gguf_tokenizer.h"
#include "tokenizer/pretrained.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/file_text.h"

namespace hfserve::app {
namespace {

struct TokenizeOptions {
  std::string model;  // a folder holding tokenizer.json, a tokenizer.json file or a .gguf file
  std::optional<std::string> text;
  std::optional<std::string> file;
  bool no_special = false;
};

tokenizer::Tokenizer gguf_tokenizer(const std::string& path) {
  formats::GgufFile file(path);
  try {
    return pipelines::tokenizer_from_gguf(file.header());
  } catch (const Error& error) {
    throw Error(error.code(), path + ": " + error.message());
  }
}

tokenizer::Tokenizer folder_tokenizer(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "tokenizer.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error(ErrorCode::kNotFound, "no tokenizer.json in " + dir.string());
  }
  return std::move(tokenizer::load_pretrained_tokenizer(dir).tokenizer);
}

// The tokenizer MODEL names: a tokenizer.json or .gguf file, or any model reference
// (a folder, or a Hub model: from the cache when it is there, else pulled).
tokenizer::Tokenizer load_tokenizer(const std::string& model) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(model, ec) &&
      std::filesystem::path(model).extension() != ".gguf") {
    return tokenizer::Tokenizer::from_file(model);
  }
  const ModelFiles files = locate_model_files(model);
  return files.gguf ? gguf_tokenizer(files.gguf->string()) : folder_tokenizer(files.dir);
}

int run_tokenize(const TokenizeOptions& options) {
  if (options.text.has_value() == options.file.has_value()) {
    throw Error(ErrorCode::kInvalidArgument, "give exactly one of --text and --file");
  }
  std::string text;
  if (options.text) {
    text = *options.text;
  } else {
    text = read_file_text(*options.file);
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
                  "Model reference (Hub, folder or GGUF file) or a tokenizer.json file")
      ->required();
  auto* text_option = cmd->add_option("--text", options->text, "Text to tokenize");
  cmd->add_option("--file", options->file, "File whose content to tokenize")->excludes(text_option);
  cmd->add_flag("--no-special", options->no_special,
                "Do not add the special tokens (BOS, [CLS]...) around the text");
  return {cmd, [options] { return run_tokenize(*options); }};
}

}  // namespace hfserve::app
