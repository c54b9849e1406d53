// ModelConfig: one description of a model, whichever files it came in: config.json (+
// generation_config.json) for Hugging Face checkpoints, or GGUF metadata (+ its tensor
// names) for llama.cpp files. models/ builds an architecture from it. Field names are
// Hugging Face's (hidden_size, num_key_value_heads, rope_theta). A plain value: copy it,
// share it, read it from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/gguf.h"

namespace hfserve::formats {

// rope_scaling of config.json; GGUF's {arch}.rope.scaling.* map to the same fields.
struct RopeScaling {
  std::string rope_type;  // "linear", "dynamic", "llama3", "yarn"
  double factor = 1.0;
  std::optional<std::int64_t> original_max_position_embeddings;
  std::optional<double> low_freq_factor;   // llama3
  std::optional<double> high_freq_factor;  // llama3
  std::optional<double> beta_fast;         // yarn
  std::optional<double> beta_slow;         // yarn
  std::optional<double> attention_factor;  // yarn
  std::optional<double> mscale;            // yarn (DeepSeek's): attention_factor's numerator
  std::optional<double> mscale_all_dim;    // yarn: and its denominator
  bool truncate = true;                    // yarn: round the correction range outwards
};

// Sampling defaults of generation_config.json (absent fields stay unset).
struct GenerationDefaults {
  std::optional<bool> do_sample;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> top_k;
  std::optional<double> repetition_penalty;
  std::optional<std::int64_t> max_new_tokens;
};

struct ModelConfig {
  std::string model_type;    // "llama", "qwen2", "gpt2", "bert", ...
  std::string architecture;  // "LlamaForCausalLM", ... (config.json's architectures[0])
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;  // < num_attention_heads: grouped-query attention
  std::int64_t head_dim = 0;
  std::int64_t max_position_embeddings = 0;
  std::string hidden_act;  // "silu", "gelu", "gelu_new", ...
  bool rms_norm = true;    // RMSNorm, else LayerNorm
  float norm_eps = 1e-5f;  // rms_norm_eps or layer_norm_eps, at the precision kernels use
  double rope_theta = 10000.0;
  std::optional<std::int64_t> rotary_dim;  // only where RoPE covers part of a head
  std::optional<RopeScaling> rope_scaling;
  std::optional<std::int64_t> sliding_window;
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  bool mlp_bias = false;
  std::string torch_dtype;  // "float32", "bfloat16", ... (a GGUF gives its file type)
  std::optional<std::int64_t> bos_token_id;
  std::vector<std::int64_t> eos_token_ids;  // config.json and generation_config.json merged
  std::optional<std::int64_t> pad_token_id;
  std::map<std::int64_t, std::string> id2label;  // task heads
  std::int64_t num_labels = 2;  // id2label's size; transformers' default when absent
  // "regression", "single_label_classification" or "multi_label_classification": which of
  // identity, softmax or sigmoid turns a sequence classifier's logits into scores.
  std::optional<std::string> problem_type;
  // Encoders (bert, roberta, xlm-roberta, distilbert): rows of the token type table (0:
  // none, as DistilBERT) and how positions are embedded ("absolute", the only kind read).
  std::int64_t type_vocab_size = 0;
  std::string position_embedding_type;
  // Encoder-decoder models (t5): hidden_size is d_model, intermediate_size d_ff,
  // num_hidden_layers the encoder's num_layers, head_dim d_kv (n_heads x d_kv need not be
  // d_model), hidden_act the feed-forward's activation of feed_forward_proj.
  std::int64_t num_decoder_layers = 0;
  std::int64_t relative_attention_num_buckets = 0;
  std::int64_t relative_attention_max_distance = 0;
  bool gated_ffn = false;  // "gated-gelu" (T5 v1.1, flan-t5): act(wi_0 x) * wi_1 x
  std::optional<std::int64_t> decoder_start_token_id;  // generation_config.json's wins
  std::optional<std::string> chat_template;            // GGUF's tokenizer.chat_template
  GenerationDefaults generation;
  nlohmann::json extra = nlohmann::json::object();  // config.json fields not mapped above
};

// model_types hfserve describes: bert, distilbert, gpt2, llama, mistral, qwen2, qwen3,
// roberta, t5, xlm-roberta.
const std::vector<std::string>& supported_model_types();

// From the text of config.json and (optionally, may be empty) generation_config.json;
// `source` names them in errors. Throws Error: kInvalidArgument for malformed JSON or a
// field of the wrong type or range, kUnsupported for a model_type not supported (the
// message lists the supported ones) or an encoder's position_embedding_type other than
// "absolute".
ModelConfig model_config_from_hf(std::string_view config_json, std::string_view generation_json,
                                 std::string_view source);

// Reads config.json and, when present, generation_config.json from a model folder.
ModelConfig load_model_config(const std::string& folder);

// From GGUF metadata; the tensor infos decide what metadata does not say (tied
// embeddings: no output.weight; biases: blk.0.attn_q.bias, blk.0.ffn_up.bias).
ModelConfig model_config_from_gguf(const GgufHeader& header, std::string_view source);

}  // namespace hfserve::formats
