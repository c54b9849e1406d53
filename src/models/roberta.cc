// RoBERTa and XLM-RoBERTa: BERT's blocks and names under "roberta.", positions numbered
// after the padding id, and their own heads: the sequence classifier's dense + tanh sits
// in the head (classifier.dense, classifier.out_proj), the masked-LM head uses GELU
// whatever hidden_act says (transformers' RobertaLMHead).
#include "models/bert_family.h"
#include "models/encoders.h"

namespace hfserve::models {

std::unique_ptr<EncoderModel> build_roberta(const formats::ModelConfig& config,
                                            const formats::WeightSource& source,
                                            const LoadOptions& options, EncoderHead head) {
  EncoderLayout layout;
  layout.prefix = "roberta.";
  set_bert_base_names(layout);
  layout.positions_after_padding = true;
  layout.pooler = head == EncoderHead::kSequenceClassification ? "classifier.dense" : "";
  layout.pooler_act = Activation::kTanh;
  layout.classifier =
      head == EncoderHead::kSequenceClassification ? "classifier.out_proj" : "classifier";
  layout.lm_transform = "lm_head.dense";
  layout.lm_norm = "lm_head.layer_norm";
  layout.lm_decoder = "lm_head.decoder";
  layout.lm_bias = "lm_head.bias";
  layout.lm_act = Activation::kGeluErf;
  return build_bert_family(config, source, options, head, std::move(layout));
}

}  // namespace hfserve::models
