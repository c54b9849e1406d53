// Model references: the one parser for every place a user names a model (CLI, config,
// API). Turns text such as `org/name@refs/pr/1`, `hf://org/name:v1.0`,
// `huggingface:huggingface.co/org/name:main`, `org/name:Q4_K_M` or `./my-model` into a
// ModelRef; docs/model-references.md is the grammar with one example of each form.
//
// Everything here is pure (no filesystem, no environment) and thread-safe. The checks on
// revisions and repository file names are what keeps a name from the Hub or a user from
// escaping the cache folder: call them on every untrusted name before it touches a path.
#pragma once

#include <string>
#include <string_view>

namespace hfserve::hub {

enum class ModelRefKind {
  kHub,          // a Hugging Face Hub repository
  kLocalFolder,  // a folder on disk, used as it is (no network)
  kLocalGguf,    // one .gguf file on disk, used as it is (no network)
};

struct ModelRef {
  ModelRefKind kind = ModelRefKind::kHub;
  // kHub: "org/name" (or a canonical single-segment name such as "gpt2").
  std::string repo_id;
  // kHub: branch, tag, "refs/pr/N" or a 40-hex commit; "main" when none was given
  // ("latest" is read as "main"). Already checked with check_revision.
  std::string revision = "main";
  bool revision_given = false;
  // kHub, bare form only: the GGUF quantisation asked for (e.g. "Q4_K_M"), as typed;
  // matched case-insensitively against file names. Empty when none.
  std::string quant;
  // kLocalFolder / kLocalGguf: the path as given.
  std::string local_path;

  // A canonical spelling that parse_model_ref reads back to the same ModelRef:
  // "org/name@rev:QUANT" (revision and quant only when given; "hf://org/name@rev" when
  // the bare form would end in ".gguf" and so read as a local file) or the local path.
  std::string to_string() const;
};

// Parses any form of docs/model-references.md. Throws Error(kInvalidArgument) that quotes
// the reference and names the bad part when it is not one of them.
ModelRef parse_model_ref(std::string_view text);

// Refuses (Error kInvalidArgument naming the bad part) a revision that could escape
// refs/ or snapshots/ or is not a git ref name: empty, longer than 255 bytes, absolute,
// with an empty, "." or ".." segment, a backslash, NUL, control or space characters, or one
// of ~ ^ : ? * [ that git forbids in ref names.
void check_revision(std::string_view revision);

// Refuses (Error kInvalidArgument naming the bad part) a file path inside a repository
// that could escape the snapshot folder: empty, longer than 1024 bytes, absolute, with an
// empty, "." or ".." segment, a backslash, NUL or control characters.
void check_repo_file_path(std::string_view path);

// Refuses a repository id that is not `name` or `org/name` with the Hub's rules
// (letters, digits, '-', '_', '.'; no "--" or ".."; at most 96 characters).
void check_repo_id(std::string_view repo_id);

// True for a 40-character lowercase hexadecimal string (a git commit or blob id).
bool is_commit_hash(std::string_view text);

// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~, so a revision is one URL path
// segment: "refs/pr/1" -> "refs%2Fpr%2F1".
std::string url_encode_segment(std::string_view text);

// Percent-encodes each segment of a repository file path and keeps the '/' between them.
std::string url_encode_path(std::string_view path);

}  // namespace hfserve::hub
