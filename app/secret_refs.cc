#include "app/secret_refs.h"

#include "util/error.h"
#include "util/mapped_file.h"
#include "util/strings.h"

namespace hfserve::app {
namespace {

std::string resolve(std::string_view kind, const std::string& name, const hub::EnvLookup& env) {
  const std::string ref = "${" + std::string(kind) + ":" + name + "}";
  if (name.empty()) {
    throw Error(ErrorCode::kInvalidArgument, ref + " names nothing");
  }
  if (kind == "env") {
    std::optional<std::string> value = env(name);
    if (!value) {
      throw Error(ErrorCode::kInvalidArgument,
                  ref + ": the environment variable " + name + " is not set");
    }
    return *value;
  }
  try {
    const MappedFile file(name);
    return strip_whitespace(
        std::string_view(reinterpret_cast<const char*>(file.data()), file.size()));
  } catch (const Error& error) {  // names the path and the system's reason, not the content
    throw Error(ErrorCode::kInvalidArgument, ref + ": " + error.message());
  }
}

}  // namespace

Substituted substitute_secret_refs(std::string_view text, const hub::EnvLookup& env) {
  Substituted out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("${", pos);
    if (open == std::string_view::npos) break;
    out.text.append(text.substr(pos, open - pos));
    const std::size_t close = text.find('}', open);
    const std::size_t colon = text.find(':', open);
    if (close == std::string_view::npos || colon == std::string_view::npos || colon > close) {
      throw Error(ErrorCode::kInvalidArgument,
                  "'${' starts a secret reference, written ${env:NAME} or ${file:/path}");
    }
    const std::string_view kind = text.substr(open + 2, colon - open - 2);
    if (kind != "env" && kind != "file") {
      throw Error(ErrorCode::kInvalidArgument, "unknown secret reference ${" + std::string(kind) +
                                                   ":...}: write ${env:NAME} or ${file:/path}");
    }
    out.text += resolve(kind, std::string(text.substr(colon + 1, close - colon - 1)), env);
    out.had_reference = true;
    pos = close + 1;
  }
  if (pos < text.size()) out.text.append(text.substr(pos));
  return out;
}

}  // namespace hfserve::app
