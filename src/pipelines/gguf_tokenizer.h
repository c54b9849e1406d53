// The tokenizer of a GGUF model: its `tokenizer.ggml.*` metadata read into a
// tokenizer::GgufVocab and built as tokenizer/gguf_vocab.h describes.
#pragma once

#include "formats/gguf.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/tokenizer.h"

namespace hfserve::pipelines {

// The vocabulary the header's metadata describes. Throws Error(invalid_argument) naming
// the key when a required key (tokenizer.ggml.model, tokenizer.ggml.tokens) is missing or
// a key has the wrong type; a negative token id means "none" (llama.cpp's -1).
tokenizer::GgufVocab gguf_vocab(const formats::GgufHeader& header);

// gguf_vocab(header) built into a Tokenizer; also Error(unsupported) for a model kind or
// pre-tokenizer hfserve does not implement.
tokenizer::Tokenizer tokenizer_from_gguf(const formats::GgufHeader& header);

}  // namespace hfserve::pipelines
