// Which files of a repository a pull downloads, the way the Hugging Face tools choose
// them. A transformers / sentence-transformers repo gives its configs, tokenizer files
// (the SentencePiece/vocab files only when there is no tokenizer.json), the root
// safetensors (single, or sharded with the index; *.bin/*.pt only when there are no
// safetensors) and the sentence-transformers module folders (1_Pooling/, 2_Normalize/...).
// A GGUF repo (.gguf files and no safetensors) gives one quantisation, all parts of a
// split file: the one asked for, else Q4_K_M, else Q8_0, else the smallest.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hfserve::hub {

struct RepoFile {
  std::string path;
  std::int64_t size = 0;
};

// Returns the chosen subset of `files` in their given order. `quant` is the tag of a
// bare `org/name:TAG` reference (empty when none). Throws Error(kNotFound) listing the
// quantisations that exist when the tag matches no file, and Error(kInvalidArgument)
// when a tag is given for a repository without GGUF files.
std::vector<RepoFile> select_repo_files(const std::vector<RepoFile>& files, std::string_view quant,
                                        const std::string& repo_id);

// True when `file_name` (its last path segment) carries the quantisation tag, compared
// case-insensitively and bounded so that "Q4_K" does not match "Q4_K_M".
bool gguf_name_has_quant(std::string_view file_name, std::string_view quant);

}  // namespace hfserve::hub
