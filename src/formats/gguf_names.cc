#include "formats/gguf_names.h"

#include <array>
#include <charconv>

namespace hfserve::formats {
namespace {

struct NamePair {
  std::string_view gguf;
  std::string_view hf;
};

// Whole-model tensors.
constexpr std::array<NamePair, 3> kGlobal = {{
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.norm"},
    {"output", "lm_head"},
}};

// Per-layer tensors: blk.N.<gguf> <-> model.layers.N.<hf>.
constexpr std::array<NamePair, 11> kPerLayer = {{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},
    {"attn_k_norm", "self_attn.k_norm"},
    {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
}};

// Splits "<stem>.weight" / "<stem>.bias" into stem and suffix.
bool split_suffix(std::string_view name, std::string_view& stem, std::string_view& suffix) {
  for (std::string_view s : {std::string_view(".weight"), std::string_view(".bias")}) {
    if (name.size() > s.size() && name.ends_with(s)) {
      stem = name.substr(0, name.size() - s.size());
      suffix = s;
      return true;
    }
  }
  return false;
}

// Parses "<prefix><layer>.<rest>" with a decimal layer number.
bool split_layer(std::string_view name, std::string_view prefix, std::string_view& layer,
                 std::string_view& rest) {
  if (!name.starts_with(prefix)) return false;
  name.remove_prefix(prefix.size());
  const std::size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return false;
  unsigned value = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + dot, value);
  if (error != std::errc() || end != name.data() + dot) return false;
  layer = name.substr(0, dot);
  rest = name.substr(dot + 1);
  return true;
}

std::optional<std::string> translate(std::string_view name, bool from_gguf) {
  std::string_view stem;
  std::string_view suffix;
  if (!split_suffix(name, stem, suffix)) return std::nullopt;
  for (const NamePair& pair : kGlobal) {
    if (stem == (from_gguf ? pair.gguf : pair.hf)) {
      return std::string(from_gguf ? pair.hf : pair.gguf) + std::string(suffix);
    }
  }
  const std::string_view prefix = from_gguf ? "blk." : "model.layers.";
  std::string_view layer;
  std::string_view rest;
  if (!split_layer(stem, prefix, layer, rest)) return std::nullopt;
  for (const NamePair& pair : kPerLayer) {
    if (rest == (from_gguf ? pair.gguf : pair.hf)) {
      return std::string(from_gguf ? "model.layers." : "blk.") + std::string(layer) + "." +
             std::string(from_gguf ? pair.hf : pair.gguf) + std::string(suffix);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> hf_name_from_gguf(std::string_view gguf_name) {
  return translate(gguf_name, true);
}

std::optional<std::string> gguf_name_from_hf(std::string_view hf_name) {
  return translate(hf_name, false);
}

}  // namespace hfserve::formats
