#include "models/registry.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "models/encoders.h"
#include "models/gpt2.h"
#include "models/llama.h"
#include "models/t5.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

using Builder = std::function<std::unique_ptr<CausalLM>(
    const formats::ModelConfig&, const formats::WeightSource&, const LoadOptions&)>;

// Keyed by Hugging Face's class names and by model_type (what a GGUF file gives).
const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table = {
      {"LlamaForCausalLM", build_llama},   {"llama", build_llama},
      {"MistralForCausalLM", build_llama}, {"mistral", build_llama},
      {"Qwen2ForCausalLM", build_llama},   {"qwen2", build_llama},
      {"Qwen3ForCausalLM", build_llama},   {"qwen3", build_llama},
      {"GPT2LMHeadModel", build_gpt2},     {"gpt2", build_gpt2},
  };
  return table;
}

using EncoderBuilder = std::unique_ptr<EncoderModel> (*)(const formats::ModelConfig&,
                                                         const formats::WeightSource&,
                                                         const LoadOptions&, EncoderHead);
struct EncoderEntry {
  EncoderBuilder build;
  EncoderHead head;
};

// Keyed by Hugging Face's class names; a config.json without architectures names its
// model_type instead (ModelConfig::architecture), which means the bare *Model.
const std::map<std::string, EncoderEntry>& encoders() {
  static const std::map<std::string, EncoderEntry> table = [] {
    std::map<std::string, EncoderEntry> t;
    const struct {
      const char* model_type;
      const char* name;
      EncoderBuilder build;
    } families[] = {{"bert", "Bert", build_bert},
                    {"roberta", "Roberta", build_roberta},
                    {"xlm-roberta", "XLMRoberta", build_roberta},
                    {"distilbert", "DistilBert", build_distilbert}};
    for (const auto& f : families) {
      const std::string name = f.name;
      t[f.model_type] = {f.build, EncoderHead::kNone};
      t[name + "Model"] = {f.build, EncoderHead::kNone};
      t[name + "ForSequenceClassification"] = {f.build, EncoderHead::kSequenceClassification};
      t[name + "ForTokenClassification"] = {f.build, EncoderHead::kTokenClassification};
      t[name + "ForMaskedLM"] = {f.build, EncoderHead::kMaskedLm};
    }
    return t;
  }();
  return table;
}

}  // namespace

bool is_encoder(const formats::ModelConfig& config) {
  const std::string& type = config.model_type;
  return type == "bert" || type == "roberta" || type == "xlm-roberta" || type == "distilbert";
}

std::unique_ptr<EncoderModel> build_encoder(const formats::ModelConfig& config,
                                            const formats::WeightSource& source,
                                            const LoadOptions& options) {
  const auto& table = encoders();
  auto it = table.find(config.architecture);
  if (it == table.end()) {
    std::string list;
    for (const auto& [name, entry] : table) {
      // The class names; the model_type keys are lower case.
      if (std::isupper(static_cast<unsigned char>(name[0]))) {
        list += (list.empty() ? "" : ", ") + name;
      }
    }
    throw Error(ErrorCode::kUnsupported, "no encoder for architecture '" + config.architecture +
                                             "' (model_type '" + config.model_type +
                                             "'); supported: " + list);
  }
  return it->second.build(config, source, options, it->second.head);
}

bool is_seq2seq(const formats::ModelConfig& config) { return config.model_type == "t5"; }

std::unique_ptr<Seq2SeqModel> build_seq2seq(const formats::ModelConfig& config,
                                            const formats::WeightSource& source,
                                            const LoadOptions& options) {
  if (config.model_type != "t5" ||
      (config.architecture != "T5ForConditionalGeneration" && config.architecture != "t5")) {
    throw Error(ErrorCode::kUnsupported,
                "no encoder-decoder for architecture '" + config.architecture + "' (model_type '" +
                    config.model_type + "'); supported: T5ForConditionalGeneration");
  }
  return build_t5(config, source, options);
}

std::vector<std::string> supported_causal_lm_names() {
  std::vector<std::string> names;
  for (const auto& [name, builder] : builders()) names.push_back(name);
  return names;
}

std::unique_ptr<CausalLM> build_causal_lm(const formats::ModelConfig& config,
                                          const formats::WeightSource& source,
                                          const LoadOptions& options) {
  const auto& table = builders();
  auto it = table.find(config.architecture);
  if (it == table.end()) it = table.find(config.model_type);
  if (it == table.end()) {
    std::string list;
    for (const std::string& name : supported_causal_lm_names()) {
      list += (list.empty() ? "" : ", ") + name;
    }
    throw Error(ErrorCode::kUnsupported, "no causal LM for architecture '" + config.architecture +
                                             "' (model_type '" + config.model_type +
                                             "'); supported: " + list);
  }
  return it->second(config, source, options);
}

}  // namespace hfserve::models
