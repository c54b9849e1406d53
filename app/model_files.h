// Where the files of a model that a user named on the command line are on this machine,
// for commands that read a few of them (chat-template). MODEL is any reference of
// docs/model-references.md. A Hub model already in the cache is used from there without
// any network access, so that these commands work offline and never wait on the Hub for
// a model they already have; only a model missing from the cache is pulled (the whole
// model, as `hfserve pull` does). Blocking; call from one thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hfserve::app {

struct ModelFiles {
  // The folder holding the model's files (a local folder or a cached snapshot).
  std::filesystem::path dir;
  // The GGUF file when the model is one (for a split GGUF, its first part, the one that
  // holds the metadata).
  std::optional<std::filesystem::path> gguf;
};

// Throws hfserve::Error as hub::pull_model does (not_found for a missing folder, file, or a
// model neither cached nor on the Hub; invalid_argument for a malformed reference).
ModelFiles locate_model_files(const std::string& model);

}  // namespace hfserve::app
