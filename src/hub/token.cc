#include "hub/token.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "util/error.h"
#include "util/strings.h"

namespace hfserve::hub {
namespace {

std::optional<std::string> read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = strip_whitespace(content.str());
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace

Token::Token(std::string value) : value_(std::move(value)) {
  for (unsigned char c : value_) {
    if (c <= 0x20 || c == 0x7f) {
      throw Error(ErrorCode::kInvalidArgument,
                  "the Hugging Face token contains a space or control character inside it, "
                  "so it cannot be sent in an HTTP header (the token is not shown)");
    }
  }
}

TokenSource discover_token(const std::optional<std::string>& configured,
                           const HubSettings& settings, const EnvLookup& env,
                           const std::string& configured_source) {
  auto found = [](std::string value, std::string source) {
    TokenSource result;
    result.token.emplace(std::move(value));
    result.source = std::move(source);
    return result;
  };
  if (configured) {
    std::string value = strip_whitespace(*configured);
    if (!value.empty()) return found(std::move(value), configured_source);
  }
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_TOKEN"}) {
    if (std::optional<std::string> value = env(name)) {
      std::string stripped = strip_whitespace(*value);
      if (!stripped.empty()) return found(std::move(stripped), name);
    }
  }
  if (std::optional<std::string> path = env("HF_TOKEN_PATH"); path && !path->empty()) {
    if (auto value = read_token_file(*path)) {
      return found(std::move(*value), "the file at HF_TOKEN_PATH (" + *path + ")");
    }
  }
  const std::filesystem::path default_path = settings.hf_home / "token";
  if (auto value = read_token_file(default_path)) {
    return found(std::move(*value), "the file " + default_path.string());
  }
  return {};
}

}  // namespace hfserve::hub
