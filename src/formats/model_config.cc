#include "formats/model_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "formats/json_reader.h"
#include "util/error.h"

namespace hfserve::formats {
namespace {

using nlohmann::json;

// Reads fields of one config.json object, remembering which were used so that the rest
// can be kept in ModelConfig::extra.
class Fields {
 public:
  Fields(const json& object, std::string_view source) : object_(object), source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(source_) + ": field '" + key + "' " + what);
  }

  const json* get(const std::string& key) {
    used_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<std::int64_t> int_field(const std::string& key) {
    const json* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer()) fail(key, "is not an integer: " + value->dump());
    return value->get<std::int64_t>();
  }
  std::int64_t positive(const std::string& key,
                        std::optional<std::int64_t> fallback = std::nullopt) {
    auto value = int_field(key);
    if (!value) value = fallback;
    if (!value) fail(key, "is missing");
    if (*value <= 0) fail(key, "must be positive, not " + std::to_string(*value));
    return *value;
  }
  std::optional<double> number(const std::string& key) {
    const json* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) fail(key, "is not a number: " + value->dump());
    return value->get<double>();
  }
  std::optional<bool> boolean(const std::string& key) {
    const json* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) fail(key, "is not true or false: " + value->dump());
    return value->get<bool>();
  }
  std::optional<std::string> string(const std::string& key) {
    const json* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) fail(key, "is not a string: " + value->dump());
    return value->get<std::string>();
  }
  // An id or a list of ids (eos_token_id may be either).
  std::vector<std::int64_t> ids(const std::string& key) {
    const json* value = get(key);
    std::vector<std::int64_t> out;
    if (value == nullptr) return out;
    auto take = [&](const json& item) {
      if (!item.is_number_integer()) fail(key, "is not a token id: " + item.dump());
      out.push_back(item.get<std::int64_t>());
    };
    if (value->is_array()) {
      for (const json& item : *value) take(item);
    } else {
      take(*value);
    }
    return out;
  }
  json unused() const {
    json extra = json::object();
    for (const auto& [key, value] : object_.items()) {
      if (!used_.contains(key)) extra[key] = value;
    }
    return extra;
  }

 private:
  const json& object_;
  std::string_view source_;
  std::set<std::string> used_;
};

std::optional<RopeScaling> parse_rope_scaling(Fields& fields) {
  const json* value = fields.get("rope_scaling");
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) fields.fail("rope_scaling", "is not an object");
  Fields rope(*value, "rope_scaling");
  RopeScaling scaling;
  // transformers accepts the older "type" as well as "rope_type".
  auto type = rope.string("rope_type");
  if (!type) type = rope.string("type");
  if (!type) fields.fail("rope_scaling", "has no rope_type");
  static const std::set<std::string> kTypes = {"linear", "dynamic", "llama3", "yarn", "default"};
  if (!kTypes.contains(*type)) {
    throw Error(ErrorCode::kUnsupported,
                "rope_scaling type '" + *type +
                    "' is not supported; supported: default, dynamic, linear, llama3, yarn");
  }
  if (*type == "default") return std::nullopt;
  scaling.rope_type = *type;
  scaling.factor = rope.number("factor").value_or(1.0);
  if (scaling.factor <= 0) fields.fail("rope_scaling", "factor must be positive");
  scaling.original_max_position_embeddings = rope.int_field("original_max_position_embeddings");
  scaling.low_freq_factor = rope.number("low_freq_factor");
  scaling.high_freq_factor = rope.number("high_freq_factor");
  scaling.beta_fast = rope.number("beta_fast");
  scaling.beta_slow = rope.number("beta_slow");
  scaling.attention_factor = rope.number("attention_factor");
  scaling.mscale = rope.number("mscale");
  scaling.mscale_all_dim = rope.number("mscale_all_dim");
  scaling.truncate = rope.boolean("truncate").value_or(true);
  if (scaling.rope_type == "llama3" && (!scaling.low_freq_factor || !scaling.high_freq_factor ||
                                        !scaling.original_max_position_embeddings)) {
    fields.fail("rope_scaling",
                "of type llama3 needs low_freq_factor, high_freq_factor and "
                "original_max_position_embeddings");
  }
  return scaling;
}

void parse_task_heads(Fields& fields, ModelConfig& config) {
  if (const json* labels = fields.get("id2label")) {
    if (!labels->is_object()) fields.fail("id2label", "is not an object");
    for (const auto& [id, label] : labels->items()) {
      std::size_t used = 0;
      std::int64_t number = -1;
      try {
        number = std::stoll(id, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != id.size() || number < 0 || !label.is_string()) {
        fields.fail("id2label", "entry '" + id + "' is not a label id mapped to a name");
      }
      config.id2label[number] = label.get<std::string>();
    }
  }
  fields.get("label2id");
  // PretrainedConfig's default is two labels, which save_pretrained then leaves out.
  config.num_labels =
      fields.int_field("num_labels")
          .value_or(config.id2label.empty() ? 2
                                            : static_cast<std::int64_t>(config.id2label.size()));
  config.problem_type = fields.string("problem_type");
  static const std::set<std::string> kProblems = {"regression", "single_label_classification",
                                                  "multi_label_classification"};
  if (config.problem_type && !kProblems.contains(*config.problem_type)) {
    fields.fail("problem_type",
                "is not regression, single_label_classification or "
                "multi_label_classification: '" +
                    *config.problem_type + "'");
  }
}

// The embedding fields of the BERT family; DistilBERT has no token types and always
// embeds absolute positions.
void parse_encoder_embeddings(Fields& fields, ModelConfig& config, bool distilbert) {
  if (distilbert) {
    config.position_embedding_type = "absolute";
    return;
  }
  const auto types = fields.int_field("type_vocab_size");
  if (types && *types < 0) fields.fail("type_vocab_size", "must not be negative");
  config.type_vocab_size = types.value_or(2);  // BertConfig's and RobertaConfig's default
  config.position_embedding_type = fields.string("position_embedding_type").value_or("absolute");
  if (config.position_embedding_type != "absolute") {
    throw Error(ErrorCode::kUnsupported, "position_embedding_type '" +
                                             config.position_embedding_type +
                                             "' is not supported; supported: absolute");
  }
}

void parse_generation(std::string_view text, std::string_view source, ModelConfig& config) {
  const json generation = parse_json_strict(text, source);
  if (!generation.is_object()) {
    throw Error(ErrorCode::kInvalidArgument, std::string(source) + ": not a JSON object");
  }
  Fields fields(generation, source);
  GenerationDefaults& g = config.generation;
  g.do_sample = fields.boolean("do_sample");
  g.temperature = fields.number("temperature");
  g.top_p = fields.number("top_p");
  g.top_k = fields.int_field("top_k");
  g.repetition_penalty = fields.number("repetition_penalty");
  g.max_new_tokens = fields.int_field("max_new_tokens");
  // generation_config.json's token ids are the ones generate() uses: they win.
  if (auto bos = fields.int_field("bos_token_id")) config.bos_token_id = bos;
  if (auto pad = fields.int_field("pad_token_id")) config.pad_token_id = pad;
  if (auto start = fields.int_field("decoder_start_token_id")) {
    config.decoder_start_token_id = start;
  }
  for (std::int64_t id : fields.ids("eos_token_id")) {
    if (std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), id) ==
        config.eos_token_ids.end()) {
      config.eos_token_ids.push_back(id);
    }
  }
}

// T5Config's names and defaults (t5-small's sizes); feed_forward_proj is "act" or
// "gated-act", and "gated-gelu" means gelu_new, as T5Config reads it.
void parse_t5(Fields& fields, ModelConfig& config) {
  config.hidden_size = fields.positive("d_model", 512);
  config.head_dim = fields.positive("d_kv", 64);
  config.intermediate_size = fields.positive("d_ff", 2048);
  config.num_hidden_layers = fields.positive("num_layers", 6);
  config.num_decoder_layers = fields.positive("num_decoder_layers", config.num_hidden_layers);
  config.num_attention_heads = fields.positive("num_heads", 8);
  config.num_key_value_heads = config.num_attention_heads;
  config.relative_attention_num_buckets = fields.positive("relative_attention_num_buckets", 32);
  config.relative_attention_max_distance = fields.positive("relative_attention_max_distance", 128);
  // Relative positions: no table bounds the length; n_positions, where a checkpoint
  // writes it (t5-small: 512), is what the model was trained on.
  config.max_position_embeddings = fields.int_field("n_positions").value_or(0);
  const std::string proj = fields.string("feed_forward_proj").value_or("relu");
  const std::size_t dash = proj.find('-');
  config.gated_ffn = dash != std::string::npos && proj.substr(0, dash) == "gated";
  if (dash != std::string::npos && (!config.gated_ffn || proj.find('-', dash + 1) != proj.npos)) {
    fields.fail("feed_forward_proj", "is not 'act' or 'gated-act': '" + proj + "'");
  }
  config.hidden_act = proj == "gated-gelu" ? "gelu_new" : proj.substr(dash + 1);
  fields.get("dense_act_fn");  // derived from feed_forward_proj by T5Config
  fields.get("is_gated_act");
  config.rms_norm = true;
  config.norm_eps = static_cast<float>(fields.number("layer_norm_epsilon").value_or(1e-6));
  const std::int64_t buckets = config.relative_attention_num_buckets;
  // Past the exactly bucketed distances (half the buckets, a quarter each way when
  // bidirectional) buckets grow with log(distance / max_exact) / log(max_distance /
  // max_exact), which needs max_distance above max_exact.
  if (buckets < 4 || config.relative_attention_max_distance <= buckets / 2) {
    fields.fail("relative_attention_max_distance",
                "must exceed half of relative_attention_num_buckets (at least 4)");
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read '" + path + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string supported_list() {
  std::string out;
  for (const std::string& type : supported_model_types()) out += (out.empty() ? "" : ", ") + type;
  return out;
}

}  // namespace

const std::vector<std::string>& supported_model_types() {
  static const std::vector<std::string> kTypes = {"bert",    "distilbert", "gpt2",  "llama",
                                                  "mistral", "qwen2",      "qwen3", "roberta",
                                                  "t5",      "xlm-roberta"};
  return kTypes;
}

ModelConfig model_config_from_hf(std::string_view config_json, std::string_view generation_json,
                                 std::string_view source) {
  const json root = parse_json_strict(config_json, source);
  if (!root.is_object())
    throw Error(ErrorCode::kInvalidArgument, std::string(source) + ": not a JSON object");
  Fields fields(root, source);
  ModelConfig config;
  std::vector<std::string> architectures;
  if (const json* list = fields.get("architectures")) {
    if (!list->is_array()) fields.fail("architectures", "is not a list");
    for (const json& name : *list) {
      if (!name.is_string()) fields.fail("architectures", "holds a non-string");
      architectures.push_back(name.get<std::string>());
    }
  }
  config.model_type = fields.string("model_type").value_or("");
  const auto& supported = supported_model_types();
  if (std::find(supported.begin(), supported.end(), config.model_type) == supported.end()) {
    std::string named = architectures.empty() ? "" : " (" + architectures.front() + ")";
    throw Error(ErrorCode::kUnsupported, std::string(source) + ": model_type '" +
                                             config.model_type + "'" + named +
                                             " is not supported; supported: " + supported_list());
  }
  config.architecture = architectures.empty() ? config.model_type : architectures.front();
  const bool is_gpt2 = config.model_type == "gpt2";
  const bool is_t5 = config.model_type == "t5";
  const bool is_distilbert = config.model_type == "distilbert";
  const bool is_roberta = config.model_type == "roberta" || config.model_type == "xlm-roberta";
  // The BERT family: LayerNorm, biases everywhere, tied masked-LM decoder.
  const bool is_bert = config.model_type == "bert" || is_roberta || is_distilbert;

  config.vocab_size = fields.positive("vocab_size");
  if (is_t5) {
    parse_t5(fields, config);
  } else if (is_gpt2) {
    config.hidden_size = fields.positive("n_embd");
    config.num_hidden_layers = fields.positive("n_layer");
    config.num_attention_heads = fields.positive("n_head");
    config.max_position_embeddings = fields.positive("n_positions");
    config.intermediate_size = fields.positive("n_inner", 4 * config.hidden_size);
    config.hidden_act = fields.string("activation_function").value_or("gelu_new");
    config.rms_norm = false;
    config.norm_eps = static_cast<float>(fields.number("layer_norm_epsilon").value_or(1e-5));
  } else if (is_distilbert) {
    // DistilBertConfig's own names; its LayerNorms have a fixed eps of 1e-12.
    config.hidden_size = fields.positive("dim");
    config.num_hidden_layers = fields.positive("n_layers");
    config.num_attention_heads = fields.positive("n_heads");
    config.max_position_embeddings = fields.positive("max_position_embeddings");
    config.intermediate_size = fields.positive("hidden_dim");
    config.hidden_act = fields.string("activation").value_or("gelu");
    config.rms_norm = false;
    config.norm_eps = 1e-12f;
  } else {
    config.hidden_size = fields.positive("hidden_size");
    config.num_hidden_layers = fields.positive("num_hidden_layers");
    config.num_attention_heads = fields.positive("num_attention_heads");
    config.max_position_embeddings = fields.positive("max_position_embeddings");
    config.intermediate_size = fields.positive("intermediate_size");
    config.hidden_act = fields.string("hidden_act").value_or(is_bert ? "gelu" : "silu");
    config.rms_norm = !is_bert;
    config.norm_eps = static_cast<float>(fields.number(is_bert ? "layer_norm_eps" : "rms_norm_eps")
                                             .value_or(is_bert ? 1e-12 : 1e-6));
  }
  if (!is_t5) {
    config.num_key_value_heads = fields.positive("num_key_value_heads", config.num_attention_heads);
  }
  if (config.num_attention_heads % config.num_key_value_heads != 0) {
    fields.fail("num_key_value_heads", "(" + std::to_string(config.num_key_value_heads) +
                                           ") does not divide num_attention_heads (" +
                                           std::to_string(config.num_attention_heads) + ")");
  }
  if (!is_t5 && config.hidden_size % config.num_attention_heads != 0 &&
      !fields.int_field("head_dim")) {
    fields.fail("hidden_size",
                "is not a multiple of num_attention_heads and head_dim is not given");
  }
  if (!is_t5) {
    config.head_dim = fields.positive("head_dim", config.hidden_size / config.num_attention_heads);
  }
  config.rope_theta = fields.number("rope_theta").value_or(10000.0);
  config.rope_scaling = parse_rope_scaling(fields);
  if (auto partial = fields.number("partial_rotary_factor")) {
    config.rotary_dim = static_cast<std::int64_t>(*partial * static_cast<double>(config.head_dim));
  }
  // Qwen2 writes sliding_window but turns it off with use_sliding_window=false.
  const auto window = fields.int_field("sliding_window");
  const bool window_on =
      fields.boolean("use_sliding_window")
          .value_or(config.model_type != "qwen2" && config.model_type != "qwen3");
  if (window && window_on) config.sliding_window = window;
  config.tie_word_embeddings =
      fields.boolean("tie_word_embeddings").value_or(is_gpt2 || is_bert || is_t5);
  // Qwen2 has q/k/v biases without saying so; GPT-2 and BERT have biases everywhere.
  config.attention_bias =
      fields.boolean("attention_bias").value_or(is_gpt2 || is_bert || config.model_type == "qwen2");
  config.mlp_bias = fields.boolean("mlp_bias").value_or(is_gpt2 || is_bert);
  config.torch_dtype = fields.string("torch_dtype").value_or(fields.string("dtype").value_or(""));
  // The defaults of transformers' config classes where a field is absent: LlamaConfig
  // and MistralConfig use BOS 1 / EOS 2, GPT2Config 50256 for both, BertConfig pads with 0.
  const bool llama_like = config.model_type == "llama" || config.model_type == "mistral";
  std::optional<std::int64_t> default_bos;
  std::optional<std::int64_t> default_eos;
  if (llama_like) default_bos = 1, default_eos = 2;
  if (is_gpt2) default_bos = 50256, default_eos = 50256;
  if (is_t5) default_eos = 1;  // T5Config's; it pads with 0
  config.bos_token_id =
      root.contains("bos_token_id") ? fields.int_field("bos_token_id") : default_bos;
  config.eos_token_ids = fields.ids("eos_token_id");
  if (!root.contains("eos_token_id") && default_eos) config.eos_token_ids = {*default_eos};
  // BertConfig and DistilBertConfig pad with 0, RobertaConfig and XLMRobertaConfig with 1.
  config.pad_token_id = root.contains("pad_token_id") ? fields.int_field("pad_token_id")
                        : is_roberta                  ? std::optional<std::int64_t>(1)
                        : is_bert || is_t5            ? std::optional<std::int64_t>(0)
                                                      : std::nullopt;
  if (is_bert) parse_encoder_embeddings(fields, config, is_distilbert);
  // T5 starts decoding from its padding id (its _shift_right).
  config.decoder_start_token_id = fields.int_field("decoder_start_token_id");
  if (!config.decoder_start_token_id && is_t5) config.decoder_start_token_id = config.pad_token_id;
  parse_task_heads(fields, config);
  config.extra = fields.unused();
  if (!generation_json.empty()) {
    parse_generation(generation_json, std::string(source) + " (generation_config.json)", config);
  }
  return config;
}

ModelConfig load_model_config(const std::string& folder) {
  namespace fs = std::filesystem;
  const std::string config_path = (fs::path(folder) / "config.json").string();
  const std::string generation_path = (fs::path(folder) / "generation_config.json").string();
  std::error_code ec;
  const std::string generation = fs::exists(generation_path, ec) ? read_file(generation_path) : "";
  return model_config_from_hf(read_file(config_path), generation, config_path);
}

namespace {

class GgufFields {
 public:
  GgufFields(const GgufHeader& header, std::string arch, std::string_view source)
      : header_(header), arch_(std::move(arch)), source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(ErrorCode::kInvalidArgument,
                "GGUF '" + std::string(source_) + "': " + key + " " + what);
  }
  std::optional<std::int64_t> int_key(const std::string& key, bool arch_prefixed = true) const {
    const std::string full = arch_prefixed ? arch_ + "." + key : key;
    const GgufValue* value = header_.find(full);
    if (value == nullptr) return std::nullopt;
    if (!value->is_integer() || !value->as_int()) fail(full, "is not an integer");
    return value->as_int();
  }
  std::int64_t positive(const std::string& key,
                        std::optional<std::int64_t> fallback = std::nullopt) const {
    auto value = int_key(key);
    if (!value) value = fallback;
    if (!value) fail(arch_ + "." + key, "is missing");
    if (*value <= 0) fail(arch_ + "." + key, "must be positive");
    return *value;
  }
  std::optional<double> number(const std::string& key) const {
    const GgufValue* value = header_.find(arch_ + "." + key);
    if (value == nullptr) return std::nullopt;
    if (!value->as_double()) fail(arch_ + "." + key, "is not a number");
    return value->as_double();
  }
  std::optional<std::string> string(const std::string& key) const {
    const GgufValue* value = header_.find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->as_string()) fail(key, "is not a string");
    return *value->as_string();
  }
  bool has_tensor(std::string_view name) const {
    return std::any_of(header_.tensors.begin(), header_.tensors.end(),
                       [&](const GgufTensorInfo& info) { return info.name == name; });
  }
  const GgufTensorInfo* tensor(std::string_view name) const {
    for (const GgufTensorInfo& info : header_.tensors) {
      if (info.name == name) return &info;
    }
    return nullptr;
  }

 private:
  const GgufHeader& header_;
  std::string arch_;
  std::string_view source_;
};

// llama.cpp's general.file_type (enum llama_ftype) names for the common ones.
std::string file_type_name(std::int64_t file_type) {
  switch (file_type) {
    case 0:
      return "float32";
    case 1:
      return "float16";
    case 32:
      return "bfloat16";
    case 2:
      return "Q4_0";
    case 3:
      return "Q4_1";
    case 7:
      return "Q8_0";
    case 8:
      return "Q5_0";
    case 9:
      return "Q5_1";
    case 10:
      return "Q2_K";
    case 11:
    case 12:
    case 13:
      return "Q3_K";
    case 14:
    case 15:
      return "Q4_K";
    case 16:
    case 17:
      return "Q5_K";
    case 18:
      return "Q6_K";
    default:
      return "file_type " + std::to_string(file_type);
  }
}

}  // namespace

ModelConfig model_config_from_gguf(const GgufHeader& header, std::string_view source) {
  const GgufValue* arch_value = header.find("general.architecture");
  if (arch_value == nullptr || !arch_value->as_string()) {
    throw Error(ErrorCode::kInvalidArgument,
                "GGUF '" + std::string(source) + "': no general.architecture");
  }
  const std::string arch = *arch_value->as_string();
  struct Family {
    const char* gguf;
    const char* architecture;
    const char* act;
    bool rms;
  };
  static constexpr Family kFamilies[] = {{"llama", "LlamaForCausalLM", "silu", true},
                                         {"qwen2", "Qwen2ForCausalLM", "silu", true},
                                         {"qwen3", "Qwen3ForCausalLM", "silu", true},
                                         {"gpt2", "GPT2LMHeadModel", "gelu_new", false},
                                         {"bert", "BertModel", "gelu", false}};
  const Family* family = nullptr;
  for (const Family& f : kFamilies) {
    if (arch == f.gguf) family = &f;
  }
  if (family == nullptr) {
    throw Error(ErrorCode::kUnsupported,
                "GGUF '" + std::string(source) + "': architecture '" + arch +
                    "' is not supported; supported: bert, gpt2, llama, qwen2, qwen3");
  }
  GgufFields fields(header, arch, source);
  ModelConfig config;
  config.model_type = arch;
  config.architecture = family->architecture;
  config.hidden_act = family->act;
  config.rms_norm = family->rms;
  config.hidden_size = fields.positive("embedding_length");
  config.num_hidden_layers = fields.positive("block_count");
  config.intermediate_size = fields.positive("feed_forward_length");
  config.max_position_embeddings = fields.positive("context_length");
  config.num_attention_heads = fields.positive("attention.head_count");
  config.num_key_value_heads =
      fields.positive("attention.head_count_kv", config.num_attention_heads);
  if (config.num_attention_heads % config.num_key_value_heads != 0) {
    fields.fail(arch + ".attention.head_count_kv", "does not divide the head count");
  }
  config.head_dim =
      fields.positive("attention.key_length", config.hidden_size / config.num_attention_heads);
  const auto eps = fields.number(config.rms_norm ? "attention.layer_norm_rms_epsilon"
                                                 : "attention.layer_norm_epsilon");
  config.norm_eps = static_cast<float>(eps.value_or(config.rms_norm ? 1e-6 : 1e-5));
  config.rope_theta = fields.number("rope.freq_base").value_or(10000.0);
  if (auto dims = fields.int_key("rope.dimension_count"); dims && *dims != config.head_dim) {
    config.rotary_dim = dims;
  }
  if (auto scaling = fields.string(arch + ".rope.scaling.type"); scaling && *scaling != "none") {
    RopeScaling rope;
    rope.rope_type = *scaling;
    rope.factor = fields.number("rope.scaling.factor").value_or(1.0);
    rope.original_max_position_embeddings = fields.int_key("rope.scaling.original_context_length");
    config.rope_scaling = rope;
  }
  config.sliding_window = fields.int_key("attention.sliding_window");

  // The vocabulary size: stated, else the tokenizer's, else the embedding's rows.
  std::optional<std::int64_t> vocab = fields.int_key("vocab_size");
  if (const GgufValue* tokens = header.find("tokenizer.ggml.tokens");
      !vocab && tokens && tokens->as_array()) {
    vocab = static_cast<std::int64_t>(tokens->as_array()->items.size());
  }
  if (const GgufTensorInfo* embd = fields.tensor("token_embd.weight");
      !vocab && embd && embd->dims.size() == 2) {
    vocab = static_cast<std::int64_t>(embd->dims[1]);
  }
  config.vocab_size = fields.positive("vocab_size", vocab);

  config.tie_word_embeddings = !fields.has_tensor("output.weight");
  config.attention_bias =
      fields.has_tensor("blk.0.attn_q.bias") || fields.has_tensor("blk.0.attn_qkv.bias");
  config.mlp_bias = fields.has_tensor("blk.0.ffn_up.bias");
  if (auto file_type = fields.int_key("general.file_type", false))
    config.torch_dtype = file_type_name(*file_type);
  config.bos_token_id = fields.int_key("tokenizer.ggml.bos_token_id", false);
  if (auto eos = fields.int_key("tokenizer.ggml.eos_token_id", false))
    config.eos_token_ids.push_back(*eos);
  if (auto eot = fields.int_key("tokenizer.ggml.eot_token_id", false);
      eot && std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), *eot) ==
                 config.eos_token_ids.end()) {
    config.eos_token_ids.push_back(*eot);
  }
  config.pad_token_id = fields.int_key("tokenizer.ggml.padding_token_id", false);
  config.chat_template = fields.string("tokenizer.chat_template");
  return config;
}

}  // namespace hfserve::formats
