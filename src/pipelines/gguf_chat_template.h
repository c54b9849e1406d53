// The chat templates and special tokens of a GGUF file, in the shape the chat layer reads
// from a model folder: `tokenizer.chat_template` is the default template and
// `tokenizer.chat_template.NAME` (listed in `tokenizer.chat_templates`) the named ones, as
// llama.cpp's gguf-py writes them; bos/eos/unk/pad are the strings of
// tokenizer.ggml.tokens at the ids tokenizer.ggml.{bos,eos,unknown,padding}_token_id give,
// the four transformers' GGUF loader reads. Reads the file; thread-safe.
#pragma once

#include <filesystem>

#include "chat/model_template.h"

namespace hfserve::pipelines {

// Throws Error(not_found) when the file has no chat template and `require_template` is
// set, and Error(invalid_argument) for a malformed file or a token id outside the vocabulary.
chat::ModelTemplates load_gguf_chat_templates(const std::filesystem::path& path,
                                              bool require_template);

}  // namespace hfserve::pipelines
