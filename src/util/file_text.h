// Reading a whole small file (a JSON config, a template, a text to tokenize) into memory.
// Weights are never read this way: they are memory-mapped (util/mapped_file.h).
#pragma once

#include <filesystem>
#include <string>

namespace hfserve {

// The file's bytes. Throws Error(kNotFound, "cannot read PATH") when it cannot be opened.
std::string read_file_text(const std::filesystem::path& path);

}  // namespace hfserve
