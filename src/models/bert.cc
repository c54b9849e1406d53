// BERT as transformers' modeling_bert names it; BertModel checkpoints (and the folders
// sentence-transformers saves) have no "bert." prefix. The masked-LM head's
// transform uses hidden_act.
#include "models/bert_family.h"
#include "models/encoders.h"

namespace hfserve::models {

void set_bert_base_names(EncoderLayout& layout) {
  layout.word_embeddings = "embeddings.word_embeddings";
  layout.position_embeddings = "embeddings.position_embeddings";
  layout.token_type_embeddings = "embeddings.token_type_embeddings";
  layout.embeddings_norm = "embeddings.LayerNorm";
  layout.block = [](std::size_t i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    return EncoderBlockNames{.query = p + "attention.self.query",
                             .key = p + "attention.self.key",
                             .value = p + "attention.self.value",
                             .attention_out = p + "attention.output.dense",
                             .attention_norm = p + "attention.output.LayerNorm",
                             .up = p + "intermediate.dense",
                             .down = p + "output.dense",
                             .output_norm = p + "output.LayerNorm"};
  };
}

std::unique_ptr<EncoderModel> build_bert(const formats::ModelConfig& config,
                                         const formats::WeightSource& source,
                                         const LoadOptions& options, EncoderHead head) {
  EncoderLayout layout;
  layout.prefix = "bert.";
  set_bert_base_names(layout);
  layout.pooler = "pooler.dense";
  layout.pooler_in_base = true;
  layout.pooler_act = Activation::kTanh;
  layout.classifier = "classifier";
  layout.lm_transform = "cls.predictions.transform.dense";
  layout.lm_norm = "cls.predictions.transform.LayerNorm";
  layout.lm_decoder = "cls.predictions.decoder";
  layout.lm_bias = "cls.predictions.bias";
  layout.lm_act = activation_from_name(config.hidden_act);
  return build_bert_family(config, source, options, head, std::move(layout));
}

}  // namespace hfserve::models
