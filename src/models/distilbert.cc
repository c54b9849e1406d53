// DistilBERT: BERT's block with its own names under "distilbert.", no token types, and
// heads named pre_classifier (+ ReLU) / classifier and vocab_transform / vocab_layer_norm /
// vocab_projector; both the blocks and the masked-LM transform use config's activation.
#include "models/bert_family.h"
#include "models/encoders.h"

namespace hfserve::models {

std::unique_ptr<EncoderModel> build_distilbert(const formats::ModelConfig& config,
                                               const formats::WeightSource& source,
                                               const LoadOptions& options, EncoderHead head) {
  EncoderLayout layout;
  layout.prefix = "distilbert.";
  layout.word_embeddings = "embeddings.word_embeddings";
  layout.position_embeddings = "embeddings.position_embeddings";
  layout.embeddings_norm = "embeddings.LayerNorm";
  layout.block = [](std::size_t i) {
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    return EncoderBlockNames{.query = p + "attention.q_lin",
                             .key = p + "attention.k_lin",
                             .value = p + "attention.v_lin",
                             .attention_out = p + "attention.out_lin",
                             .attention_norm = p + "sa_layer_norm",
                             .up = p + "ffn.lin1",
                             .down = p + "ffn.lin2",
                             .output_norm = p + "output_layer_norm"};
  };
  layout.pooler = "pre_classifier";
  layout.pooler_act = Activation::kRelu;
  layout.classifier = "classifier";
  layout.lm_transform = "vocab_transform";
  layout.lm_norm = "vocab_layer_norm";
  layout.lm_decoder = "vocab_projector";
  layout.lm_bias = "vocab_projector.bias";
  layout.lm_act = activation_from_name(config.hidden_act);
  return build_bert_family(config, source, options, head, std::move(layout));
}

}  // namespace hfserve::models
