#include "models/bert_family.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "models/layers/layer_norm.h"
#include "models/layers/linear.h"
#include "tensor/dequantize.h"
#include "tensor/kernel_table.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::models {
namespace {

// An embedding table [rows, hidden] read in its stored dtype, a row at a time.
struct Embedding {
  tensor::TensorView table;
  std::size_t row_bytes = 0;

  Embedding() = default;
  Embedding(const formats::WeightSource& source, const std::string& name, std::int64_t rows,
            std::int64_t hidden) {
    table = source.get(name);
    if (table.shape != std::vector<std::int64_t>{rows, hidden}) {
      throw Error(ErrorCode::kInvalidArgument,
                  "embedding '" + name + "' has shape " + tensor::shape_string(table.shape) +
                      "; expected " + tensor::shape_string({rows, hidden}));
    }
    row_bytes = table.num_bytes() / static_cast<std::size_t>(std::max<std::int64_t>(rows, 1));
  }
  std::size_t rows() const {
    return table.shape.empty() ? 0 : static_cast<std::size_t>(table.shape[0]);
  }
  // out[i] += row[i], through `scratch` [hidden].
  void add_row(std::size_t row, float* scratch, float* out) const {
    const std::size_t hidden = static_cast<std::size_t>(table.shape[1]);
    tensor::dequantize_row(table.dtype, table.bytes() + row * row_bytes, scratch, hidden);
    tensor::kernel_table().add_f32(out, scratch, hidden, out);
  }
};

class BertFamily final : public EncoderModel {
 public:
  BertFamily(const formats::ModelConfig& config, const formats::WeightSource& source,
             const LoadOptions& options, EncoderHead head, EncoderLayout layout)
      : EncoderModel(config, head), layout_(std::move(layout)) {
    // A checkpoint with a head keeps the base model under the prefix; BertModel and the
    // folders sentence-transformers saves do not.
    const std::string base =
        source.find(layout_.prefix + layout_.word_embeddings + ".weight") ? layout_.prefix : "";
    const std::int64_t hidden = config.hidden_size;
    const auto q = options.quantization;
    word_ =
        Embedding(source, base + layout_.word_embeddings + ".weight", config.vocab_size, hidden);
    position_ = Embedding(source, base + layout_.position_embeddings + ".weight",
                          config.max_position_embeddings, hidden);
    if (!layout_.token_type_embeddings.empty()) {
      types_ = Embedding(source, base + layout_.token_type_embeddings + ".weight",
                         config.type_vocab_size, hidden);
    }
    if (layout_.positions_after_padding) {
      if (!config.pad_token_id || *config.pad_token_id < 0) {
        throw Error(ErrorCode::kInvalidArgument, "config has no pad_token_id, which numbers " +
                                                     config.model_type + " positions");
      }
      padding_id_ = *config.pad_token_id;
      first_position_ = static_cast<std::size_t>(padding_id_) + 1;
    }
    if (position_.rows() <= first_position_) {
      throw Error(ErrorCode::kInvalidArgument, "embedding '" + base + layout_.position_embeddings +
                                                   ".weight' has no rows past the padding id");
    }
    embeddings_norm_.emplace(source, base + layout_.embeddings_norm, hidden, config.norm_eps);
    for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
      EncoderBlockNames names = layout_.block(static_cast<std::size_t>(i));
      for (std::string* name :
           {&names.query, &names.key, &names.value, &names.attention_out, &names.attention_norm,
            &names.up, &names.down, &names.output_norm}) {
        *name = base + *name;
      }
      blocks_.emplace_back(source, names, config, q);
    }

    auto dense = [&](const std::string& name, std::int64_t in, std::int64_t out) {
      return load_dense(source, name + ".weight", name + ".bias", in, out, q);
    };
    switch (head) {
      case EncoderHead::kNone:
        break;
      case EncoderHead::kSequenceClassification:
        if (!layout_.pooler.empty()) {
          pooler_ = dense((layout_.pooler_in_base ? base : "") + layout_.pooler, hidden, hidden);
        }
        classifier_ = dense(layout_.classifier, hidden, config.num_labels);
        break;
      case EncoderHead::kTokenClassification:
        classifier_ = dense(layout_.classifier, hidden, config.num_labels);
        break;
      case EncoderHead::kMaskedLm: {
        lm_transform_ = dense(layout_.lm_transform, hidden, hidden);
        lm_norm_.emplace(source, layout_.lm_norm, hidden, config.norm_eps);
        const std::string decoder = layout_.lm_decoder + ".weight";
        const std::string decoder_bias = layout_.lm_decoder + ".bias";
        lm_decoder_ = load_dense(
            source, source.find(decoder) ? decoder : base + layout_.word_embeddings + ".weight",
            source.find(decoder_bias) ? decoder_bias : layout_.lm_bias, hidden, config.vocab_size,
            q);
        break;
      }
    }
    if (q) {
      log::info("{}: Linear weights quantised to {} at load where stored as floats",
                config.architecture, tensor::dtype_name(*q));
    }
  }

  std::size_t max_tokens() const override { return position_.rows() - first_position_; }

  void forward(const EncoderBatch& batch, ThreadPool& pool, EncoderOutput& out) const override {
    const std::size_t n = batch.tokens.size();
    const std::size_t hidden = hidden_size();
    check(batch);

    std::vector<float> x(n * hidden, 0.0f), row(hidden);
    for (const EncoderSequence& s : batch.sequences) {
      std::size_t position = first_position_;
      for (std::size_t i = 0; i < s.n_tokens; ++i) {
        const std::size_t t = s.first_token + i;
        const std::int32_t token = batch.tokens[t];
        float* dst = &x[t * hidden];
        word_.add_row(static_cast<std::size_t>(token), row.data(), dst);
        // transformers' create_position_ids_from_input_ids: a padding id inside the
        // sequence takes the padding position and does not advance the count.
        const bool padding = layout_.positions_after_padding && token == padding_id_;
        position_.add_row(padding ? static_cast<std::size_t>(padding_id_) : position++, row.data(),
                          dst);
        if (types_.rows() > 0) {
          types_.add_row(batch.token_types.empty() ? 0 : batch.token_types[t], row.data(), dst);
        }
      }
    }
    embeddings_norm_->apply(x.data(), n, x.data());
    EncoderBlockBuffers buffers;
    for (const EncoderBlock& block : blocks_) {
      block.apply(pool, batch.sequences, x.data(), n, buffers);
    }

    out.logits.clear();
    switch (head()) {
      case EncoderHead::kNone:
        break;
      case EncoderHead::kSequenceClassification: {
        const std::size_t m = batch.sequences.size();
        std::vector<float> first(m * hidden), pooled(m * hidden);
        for (std::size_t i = 0; i < m; ++i) {
          std::copy_n(&x[batch.sequences[i].first_token * hidden], hidden, &first[i * hidden]);
        }
        if (pooler_) {
          pooler_->apply(pool, first.data(), m, pooled.data());
          apply_activation(layout_.pooler_act, pooled.data(), m, hidden);
        } else {
          pooled = first;
        }
        out.logits.resize(m * classifier_->out_features());
        classifier_->apply(pool, pooled.data(), m, out.logits.data());
        break;
      }
      case EncoderHead::kTokenClassification:
        out.logits.resize(n * classifier_->out_features());
        classifier_->apply(pool, x.data(), n, out.logits.data());
        break;
      case EncoderHead::kMaskedLm: {
        const std::size_t m = batch.lm_tokens.size();
        std::vector<float> picked(m * hidden), h(m * hidden);
        for (std::size_t i = 0; i < m; ++i) {
          std::copy_n(&x[batch.lm_tokens[i] * hidden], hidden, &picked[i * hidden]);
        }
        lm_transform_->apply(pool, picked.data(), m, h.data());
        apply_activation(layout_.lm_act, h.data(), m, hidden);
        lm_norm_->apply(h.data(), m, h.data());
        out.logits.resize(m * lm_decoder_->out_features());
        lm_decoder_->apply(pool, h.data(), m, out.logits.data());
        break;
      }
    }
    out.hidden = std::move(x);
  }

 private:
  // What forward() refuses with kInvalidArgument, before any work.
  void check(const EncoderBatch& batch) const {
    const formats::ModelConfig& c = config();
    const std::size_t n = batch.tokens.size();
    auto fail = [](const std::string& message) {
      throw Error(ErrorCode::kInvalidArgument, message);
    };
    std::size_t next = 0;
    for (const EncoderSequence& s : batch.sequences) {
      if (s.first_token != next || s.n_tokens == 0 || s.n_tokens > n - next) {
        fail("the sequences do not tile the batch's " + std::to_string(n) +
             " tokens back to back, each with at least one token");
      }
      if (s.n_tokens > max_tokens()) {
        fail("a sequence of " + std::to_string(s.n_tokens) + " tokens is longer than the " +
             std::to_string(max_tokens()) + " this model's positions cover");
      }
      next += s.n_tokens;
    }
    if (next != n)
      fail("the sequences cover " + std::to_string(next) + " of " + std::to_string(n) + " tokens");
    for (std::int32_t token : batch.tokens) {
      if (token < 0 || token >= c.vocab_size) {
        fail("token id " + std::to_string(token) + " is outside the vocabulary of " +
             std::to_string(c.vocab_size));
      }
    }
    if (!batch.token_types.empty() && batch.token_types.size() != n) {
      fail(std::to_string(batch.token_types.size()) + " token types for " + std::to_string(n) +
           " tokens");
    }
    for (std::int32_t type : batch.token_types) {
      // A model without a type table (DistilBERT) takes only type 0, which changes nothing.
      const std::size_t types = std::max<std::size_t>(types_.rows(), 1);
      if (type < 0 || static_cast<std::size_t>(type) >= types) {
        fail("token type id " + std::to_string(type) + " is outside the " + std::to_string(types) +
             " types of this model");
      }
    }
    for (std::size_t index : batch.lm_tokens) {
      if (index >= n) {
        fail("masked-LM token index " + std::to_string(index) + " is past the batch's " +
             std::to_string(n) + " tokens");
      }
    }
  }

  EncoderLayout layout_;
  Embedding word_, position_, types_;
  std::int64_t padding_id_ = -1;
  std::size_t first_position_ = 0;
  std::optional<LayerNorm> embeddings_norm_, lm_norm_;
  std::vector<EncoderBlock> blocks_;
  std::unique_ptr<Linear> pooler_, classifier_, lm_transform_, lm_decoder_;
};

}  // namespace

std::unique_ptr<EncoderModel> build_bert_family(const formats::ModelConfig& config,
                                                const formats::WeightSource& source,
                                                const LoadOptions& options, EncoderHead head,
                                                EncoderLayout layout) {
  return std::make_unique<BertFamily>(config, source, options, head, std::move(layout));
}

}  // namespace hfserve::models
