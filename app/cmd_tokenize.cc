#include "app/cmd_tokenize.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

// The tokenizer.json that MODEL names. Hub references and GGUF files are resolved by
// the hub and formats layers, which this command does not use yet.
std::string tokenizer_path(const std::string& model) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(model, ec)) {
    fs::path path = fs::path(model) / "tokenizer.json";
    if (!fs::exists(path, ec)) {
      throw Error(ErrorCode::kNotFound, "no tokenizer.json in folder " + model);
    }
    return path.string();
  }
  if (fs::is_regular_file(model, ec)) {
    if (fs::path(model).extension() == ".gguf") {
      throw Error(ErrorCode::kUnsupported,
                  "tokenizing with a GGUF file's vocabulary is not supported yet: " + model);
    }
    return model;
  }
  throw Error(ErrorCode::kUnsupported,
              "'" + model +
                  "' is not a local folder or file; Hub model references are not "
                  "supported by `tokenize` yet");
}

}  // namespace

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
  tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_file(tokenizer_path(options.model));
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

}  // namespace hfserve::app
