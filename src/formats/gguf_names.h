// Tensor names between llama.cpp's GGUF convention (blk.N.attn_q.weight) and Hugging
// Face's (model.layers.N.self_attn.q_proj.weight), for the decoder families that share
// the Llama layout (llama, mistral, qwen2, qwen3), so that models/ looks weights up under
// one set of names whichever format they came in.
//
// Names only: llama.cpp's converter stores Llama's attn_q / attn_k rows in Meta's
// interleaved RoPE order, where Hugging Face checkpoints use the rotate-half order; a
// model that reads a GGUF's Q/K must use interleaved RoPE (or permute the rows).
// Pure functions: any thread may call them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hfserve::formats {

// "blk.3.ffn_up.weight" -> "model.layers.3.mlp.up_proj.weight"; nullopt for a name with
// no Hugging Face counterpart (e.g. rope_freqs.weight) or an unknown one.
std::optional<std::string> hf_name_from_gguf(std::string_view gguf_name);

// The inverse: "lm_head.weight" -> "output.weight".
std::optional<std::string> gguf_name_from_hf(std::string_view hf_name);

}  // namespace hfserve::formats
