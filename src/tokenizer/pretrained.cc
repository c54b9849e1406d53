#include "tokenizer/pretrained.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "tokenizer/json_fields.h"
#include "util/error.h"
#include "util/file_text.h"

namespace hfserve::tokenizer {
namespace {

// The fast tokenizer classes whose __init__ replaces the post-processor by a BOS/EOS
// template (update_post_processor), with their default options and special tokens.
struct TemplateClass {
  std::string_view name;
  bool add_bos_token;
  std::string_view bos_token;
  std::string_view eos_token;
  std::string_view unk_token;
  std::string_view pad_token;                // empty: none
  std::vector<std::string_view> additional;  // always appended to additional_special_tokens
};
const TemplateClass kTemplateClasses[] = {
    {"LlamaTokenizer", true, "<s>", "</s>", "<unk>", "", {}},
    {"CodeLlamaTokenizer",
     true,
     "<s>",
     "</s>",
     "<unk>",
     "",
     {"\u2581<PRE>", "\u2581<MID>", "\u2581<SUF>", "\u2581<EOT>", "<FILL_ME>"}},
    {"GemmaTokenizer", true, "<bos>", "<eos>", "<unk>", "<pad>", {}},
    {"CohereTokenizer", true, "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>", "<UNK>", "", {}},
    {"GPTNeoXTokenizer", false, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>", "", {}},
};

// The fast classes that rebuild tokenizer.json's BertNormalizer from do_lower_case,
// strip_accents and tokenize_chinese_chars.
constexpr std::string_view kBertNormalizerClasses[] = {
    "BertTokenizer",   "ConvBertTokenizer",  "DistilBertTokenizer", "ElectraTokenizer",
    "FunnelTokenizer", "LayoutLMTokenizer",  "LxmertTokenizer",     "MobileBertTokenizer",
    "RealmTokenizer",  "RetriBertTokenizer", "SqueezeBertTokenizer"};

// The tokenizer class transformers' AutoTokenizer maps a config.json model_type to, for
// the classes this file acts on.
constexpr std::pair<std::string_view, std::string_view> kModelTypeClasses[] = {
    {"bert", "BertTokenizer"},
    {"convbert", "ConvBertTokenizer"},
    {"distilbert", "DistilBertTokenizer"},
    {"electra", "ElectraTokenizer"},
    {"funnel", "FunnelTokenizer"},
    {"layoutlm", "LayoutLMTokenizer"},
    {"lxmert", "LxmertTokenizer"},
    {"mobilebert", "MobileBertTokenizer"},
    {"squeezebert", "SqueezeBertTokenizer"},
    {"llama", "LlamaTokenizer"},
    {"mistral", "LlamaTokenizer"},
    {"mixtral", "LlamaTokenizer"},
    {"gemma", "GemmaTokenizer"},
    {"gemma2", "GemmaTokenizer"},
    {"cohere", "CohereTokenizer"},
    {"gpt_neox", "GPTNeoXTokenizer"},
};

// The classes that rebuild themselves from the SentencePiece model when add_prefix_space
// is given (transformers sets from_slow).
constexpr std::string_view kFromSlowClasses[] = {"LlamaTokenizer", "T5Tokenizer"};

// AutoTokenizer picks the fast class for either spelling.
std::string_view base_class(std::string_view name) {
  constexpr std::string_view kFast = "Fast";
  if (name.ends_with(kFast)) name.remove_suffix(kFast.size());
  return name;
}

const TemplateClass* template_class(std::string_view name) {
  for (const TemplateClass& c : kTemplateClasses) {
    if (c.name == base_class(name)) return &c;
  }
  return nullptr;
}

std::optional<bool> optional_bool(const json::Json& config, std::string_view key,
                                  const std::string& where) {
  const json::Json* value = json::optional(config, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) json::fail(where + "." + std::string(key), "expected true or false");
  return value->get<bool>();
}

// A special token as tokenizer_config.json writes it: a string or an AddedToken object
// (whose flags it keeps); nullopt for null.
std::optional<AddedToken> config_token(const json::Json& value, const std::string& where) {
  if (value.is_null()) return std::nullopt;
  AddedToken token;
  token.special = true;
  token.normalized = false;  // transformers' AddedToken(content, special=True)
  if (value.is_string()) {
    token.content = value.get<std::string>();
    return token;
  }
  if (!value.is_object()) json::fail(where, "expected a string or an AddedToken object");
  token.content = json::require_string(value, "content", where);
  token.single_word = json::bool_or(value, "single_word", where, false);
  token.lstrip = json::bool_or(value, "lstrip", where, false);
  token.rstrip = json::bool_or(value, "rstrip", where, false);
  token.normalized = json::bool_or(value, "normalized", where, false);
  return token;
}

// A special-token key: absent (nullopt), null (an empty optional inside), or a token.
std::optional<std::optional<AddedToken>> special_key(const json::Json& config, std::string_view key,
                                                     const std::string& where) {
  auto it = config.find(key);
  if (it == config.end()) return std::nullopt;
  return config_token(*it, where + "." + std::string(key));
}

void add_unique(std::vector<AddedToken>& tokens, AddedToken token) {
  for (const AddedToken& t : tokens) {
    if (t.content == token.content) return;
  }
  tokens.push_back(std::move(token));
}

std::optional<std::size_t> max_length(const json::Json& config, const std::string& where) {
  const json::Json* value = json::optional(config, "model_max_length");
  if (value == nullptr) return std::nullopt;
  if (!value->is_number() || value->get<double>() < 0) {
    json::fail(where + ".model_max_length", "expected a non-negative number");
  }
  // transformers writes int(1e30) for "no limit", which only a double holds.
  if (!value->is_number_unsigned() && !value->is_number_integer()) return std::nullopt;
  return value->get<std::size_t>();
}

json::Json template_piece(const std::string& key, const std::string& id, int type_id) {
  return json::Json{{key, {{"id", id}, {"type_id", type_id}}}};
}

// transformers' update_post_processor: "bos:0 $A:0 eos:0" and "… bos:1 $B:1 eos:1".
json::Json bos_eos_template(const TokenizerConfig& config, const Tokenizer& tokenizer,
                            const std::string& name) {
  json::Json specials = json::Json::object();
  auto special = [&](const std::optional<std::string>& token, const char* what) {
    if (!token) {
      throw Error(ErrorCode::kInvalidArgument, name + ": " + what + " is set but " + what +
                                                   "'s token is null; set the token or turn "
                                                   "the option off");
    }
    auto id = tokenizer.token_to_id(*token);
    if (!id) {
      throw Error(ErrorCode::kInvalidArgument,
                  name + ": " + what + " \"" + *token + "\" is not in the vocabulary");
    }
    specials[*token] = {{"id", *token}, {"ids", {*id}}, {"tokens", {*token}}};
    return *token;
  };
  auto sequence = [&](const std::string& id, int type_id) {
    json::Json out = json::Json::array();
    if (config.add_bos_token) {
      out.push_back(
          template_piece("SpecialToken", special(config.bos_token, "add_bos_token"), type_id));
    }
    out.push_back(template_piece("Sequence", id, type_id));
    if (config.add_eos_token) {
      out.push_back(
          template_piece("SpecialToken", special(config.eos_token, "add_eos_token"), type_id));
    }
    return out;
  };
  json::Json single = sequence("A", 0);
  json::Json pair = single;
  for (json::Json& piece : sequence("B", 1)) pair.push_back(std::move(piece));
  return {{"type", "TemplateProcessing"},
          {"single", std::move(single)},
          {"pair", std::move(pair)},
          {"special_tokens", std::move(specials)}};
}

// Appends to the document's added_tokens the special tokens it lacks, with the id the
// vocabulary has for them or the next free one (as the HF library's add_tokens does).
// Returns whether it added any.
bool add_missing_special_tokens(const std::vector<AddedToken>& specials, const Tokenizer& tokenizer,
                                json::Json& document) {
  if (!document.contains("added_tokens") || !document["added_tokens"].is_array()) {
    document["added_tokens"] = json::Json::array();
  }
  json::Json& added = document["added_tokens"];
  std::unordered_set<std::string> present;
  std::uint64_t next_id = tokenizer.vocab_size();
  for (const json::Json& entry : added) {
    if (entry.is_object() && entry.contains("content") && entry["content"].is_string()) {
      present.insert(entry["content"].get<std::string>());
    }
    if (entry.is_object() && entry.contains("id") && entry["id"].is_number_unsigned()) {
      next_id = std::max(next_id, entry["id"].get<std::uint64_t>() + 1);
    }
  }
  bool any = false;
  for (const AddedToken& token : specials) {
    if (!present.insert(token.content).second) continue;
    std::optional<std::uint32_t> id = tokenizer.token_to_id(token.content);
    added.push_back({{"id", id ? *id : next_id++},
                     {"content", token.content},
                     {"single_word", token.single_word},
                     {"lstrip", token.lstrip},
                     {"rstrip", token.rstrip},
                     {"normalized", token.normalized},
                     {"special", token.special}});
    any = true;
  }
  return any;
}

// AutoTokenizer's class for a folder whose tokenizer_config.json names none: the one
// config.json's model_type maps to, when this file acts on it.
std::optional<std::string> model_type_class(const std::filesystem::path& folder) {
  const std::filesystem::path path = folder / "config.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  const json::Json config = json::parse(read_file_text(path), path.string());
  if (!config.is_object() || !config.contains("model_type") || !config["model_type"].is_string()) {
    return std::nullopt;
  }
  const std::string type = config["model_type"].get<std::string>();
  for (const auto& [model_type, tokenizer_class] : kModelTypeClasses) {
    if (model_type == type) return std::string(tokenizer_class);
  }
  return std::nullopt;
}

// What a BERT-family fast class does in its constructor: a top-level BertNormalizer whose
// lowercase, strip_accents or handle_chinese_chars differ from the config's options (an
// option tokenizer.json leaves out counts as equal) is rebuilt with all three.
void rebuild_bert_normalizer(const TokenizerConfig& config, json::Json& document) {
  if (!document.is_object() || !document.contains("normalizer")) return;
  json::Json& normalizer = document["normalizer"];
  if (!normalizer.is_object() || normalizer.value("type", "") != "BertNormalizer") return;
  const json::Json strip =
      config.strip_accents ? json::Json(*config.strip_accents) : json::Json(nullptr);
  auto differs = [&](const char* key, const json::Json& want) {
    return normalizer.contains(key) && normalizer[key] != want;
  };
  if (differs("lowercase", config.do_lower_case) || differs("strip_accents", strip) ||
      differs("handle_chinese_chars", config.tokenize_chinese_chars)) {
    normalizer["lowercase"] = config.do_lower_case;
    normalizer["strip_accents"] = strip;
    normalizer["handle_chinese_chars"] = config.tokenize_chinese_chars;
  }
}

}  // namespace

TokenizerConfig parse_tokenizer_config(const json::Json& config, const std::string& name) {
  if (!config.is_object()) json::fail(name, "expected an object");
  TokenizerConfig out;
  out.tokenizer_class = json::string_or(config, "tokenizer_class", name, "");
  const TemplateClass* family = template_class(out.tokenizer_class);
  out.clean_up_tokenization_spaces =
      json::bool_or(config, "clean_up_tokenization_spaces", name, false);
  out.model_max_length = max_length(config, name);
  out.add_prefix_space = optional_bool(config, "add_prefix_space", name);
  out.rebuilds_post_processor = family != nullptr;
  out.add_bos_token = optional_bool(config, "add_bos_token", name)
                          .value_or(family != nullptr && family->add_bos_token);
  out.add_eos_token = optional_bool(config, "add_eos_token", name).value_or(false);
  out.rebuilds_bert_normalizer =
      std::find(std::begin(kBertNormalizerClasses), std::end(kBertNormalizerClasses),
                base_class(out.tokenizer_class)) != std::end(kBertNormalizerClasses);
  out.do_lower_case = optional_bool(config, "do_lower_case", name).value_or(true);
  if (const json::Json* strip = json::optional(config, "strip_accents");
      strip && !strip->is_null()) {
    out.strip_accents = optional_bool(config, "strip_accents", name);
  }
  out.tokenize_chinese_chars = optional_bool(config, "tokenize_chinese_chars", name).value_or(true);

  if (const json::Json* decoder = json::optional(config, "added_tokens_decoder")) {
    if (!decoder->is_object()) json::fail(name + ".added_tokens_decoder", "expected an object");
    std::vector<std::pair<std::uint64_t, AddedToken>> by_id;
    for (auto it = decoder->begin(); it != decoder->end(); ++it) {
      const std::string at = name + ".added_tokens_decoder[\"" + it.key() + "\"]";
      std::uint64_t id = 0;
      try {
        id = std::stoull(it.key());
      } catch (const std::exception&) {
        json::fail(at, "expected a token id as the key");
      }
      std::optional<AddedToken> token = config_token(it.value(), at);
      if (!token) continue;
      token->special = json::bool_or(it.value(), "special", at, false);
      by_id.emplace_back(id, std::move(*token));
    }
    std::sort(by_id.begin(), by_id.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [id, token] : by_id) add_unique(out.special_tokens, std::move(token));
  }
  // Each special-token attribute: the config's value, else the class's default.
  auto attribute = [&](std::string_view key,
                       std::string_view fallback) -> std::optional<AddedToken> {
    if (auto value = special_key(config, key, name)) return *value;
    if (fallback.empty()) return std::nullopt;
    AddedToken token;
    token.content = std::string(fallback);
    token.special = true;
    token.normalized = false;
    return token;
  };
  auto bos = attribute("bos_token", family ? family->bos_token : "");
  auto eos = attribute("eos_token", family ? family->eos_token : "");
  if (bos) out.bos_token = bos->content;
  if (eos) out.eos_token = eos->content;
  for (auto& token :
       {bos, eos, attribute("unk_token", family ? family->unk_token : ""),
        attribute("sep_token", ""), attribute("pad_token", family ? family->pad_token : ""),
        attribute("cls_token", ""), attribute("mask_token", "")}) {
    if (token) add_unique(out.special_tokens, *token);
  }
  if (const json::Json* list = json::optional(config, "additional_special_tokens")) {
    const std::string at = name + ".additional_special_tokens";
    if (!list->is_array()) json::fail(at, "expected an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (auto token = config_token((*list)[i], at + "[" + std::to_string(i) + "]")) {
        add_unique(out.special_tokens, std::move(*token));
      }
    }
  }
  if (family != nullptr) {
    for (std::string_view content : family->additional) {
      AddedToken token;
      token.content = std::string(content);
      token.special = true;
      token.normalized = false;
      add_unique(out.special_tokens, std::move(token));
    }
  }
  return out;
}

std::string clean_up_tokenization(std::string text) {
  // Applied one after another over the whole text, as transformers chains str.replace.
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kRules) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    for (std::size_t hit = text.find(from); hit != std::string::npos; hit = text.find(from, pos)) {
      out.append(text, pos, hit - pos);
      out.append(to);
      pos = hit + from.size();
    }
    out.append(text, pos, std::string::npos);
    text = std::move(out);
  }
  return text;
}

std::string PretrainedTokenizer::decode(const std::vector<std::uint32_t>& ids,
                                        bool skip_special_tokens) const {
  std::string text = tokenizer.decode(ids, skip_special_tokens);
  return config.clean_up_tokenization_spaces ? clean_up_tokenization(std::move(text)) : text;
}

PretrainedTokenizer load_pretrained_tokenizer(const std::filesystem::path& folder,
                                              const PretrainedOptions& options) {
  const std::filesystem::path tokenizer_path = folder / "tokenizer.json";
  const std::filesystem::path config_path = folder / "tokenizer_config.json";
  const std::string tokenizer_name = tokenizer_path.string();
  const std::string config_name = config_path.string();
  json::Json config_json = json::Json::object();
  if (std::filesystem::exists(config_path)) {
    config_json = json::parse(read_file_text(config_path), config_name);
  }
  if (config_json.is_object() && !config_json.contains("tokenizer_class")) {
    if (auto model_class = model_type_class(folder)) config_json["tokenizer_class"] = *model_class;
  }
  TokenizerConfig config = parse_tokenizer_config(config_json, config_name);
  if (options.do_lower_case) config.do_lower_case = *options.do_lower_case;
  for (std::string_view from_slow : kFromSlowClasses) {
    if (config.add_prefix_space && base_class(config.tokenizer_class) == from_slow) {
      throw Error(ErrorCode::kUnsupported,
                  config_name + ": add_prefix_space makes transformers rebuild a " +
                      config.tokenizer_class +
                      " from its SentencePiece model, which hfserve does not read; remove "
                      "add_prefix_space to use tokenizer.json as it is");
    }
  }
  json::Json document = json::parse(read_file_text(tokenizer_path), tokenizer_name);
  // PreTrainedTokenizerFast gives a top-level pre-tokenizer that has add_prefix_space
  // (ByteLevel; Metaspace now says prepend_scheme) the config's value, false by default.
  if (document.is_object() && document.contains("pre_tokenizer") &&
      document["pre_tokenizer"].is_object() &&
      document["pre_tokenizer"].value("type", "") == "ByteLevel") {
    document["pre_tokenizer"]["add_prefix_space"] = config.add_prefix_space.value_or(false);
  }
  if (config.rebuilds_bert_normalizer) rebuild_bert_normalizer(config, document);
  Tokenizer tokenizer = Tokenizer::from_document(document, tokenizer_name);
  if (add_missing_special_tokens(config.special_tokens, tokenizer, document)) {
    tokenizer = Tokenizer::from_document(document, tokenizer_name);
  }
  tokenizer.set_truncation(std::nullopt);
  tokenizer.set_padding(std::nullopt);
  if (config.rebuilds_post_processor) {
    tokenizer.set_post_processor(bos_eos_template(config, tokenizer, config_name), config_name);
  }
  return PretrainedTokenizer{std::move(tokenizer), std::move(config)};
}

}  // namespace hfserve::tokenizer
