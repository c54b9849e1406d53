// The BERT-family encoders against transformers itself: tests/models/encoder_reference.py
// (run first by ctest, as the fixture models.encoder_reference) saves small random models
// of every family and head with save_pretrained and what transformers computes on fixed
// inputs; here each is loaded as a user's folder would be (open_safetensors,
// load_model_config, build_encoder) and run as one flat batch.
//
// Tolerance: |ours - transformers| <= 1e-4 x max(1, max |expected|) over each output.
// Both sides compute in F32 but sum in different orders (SIMD dot products, online
// softmax), so the error grows with the magnitude of the values, not with each value:
// a small logit next to large ones carries the large ones' rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "kernels/install.h"
#include "models/registry.h"
#include "util/error.h"

namespace hfserve::models {
namespace {

using nlohmann::json;

const std::string kDir = HFSERVE_ENCODER_REFERENCE_DIR;

// One reference case: its model, inputs and transformers' outputs.
struct Case {
  json spec;
  std::vector<std::int32_t> tokens, types;
  std::vector<EncoderSequence> sequences;
  std::vector<std::size_t> lm_tokens;
  std::string dir() const { return kDir + "/" + spec["dir"].get<std::string>(); }
  EncoderBatch batch() const { return {tokens, types, sequences, lm_tokens}; }
};

Case make_case(const json& spec) {
  Case c;
  c.spec = spec;
  for (std::size_t i = 0; i < spec["sequences"].size(); ++i) {
    const json& ids = spec["sequences"][i];
    c.sequences.push_back({c.tokens.size(), ids.size()});
    for (const json& id : ids) c.tokens.push_back(id.get<std::int32_t>());
    if (!spec["token_types"].is_null()) {
      for (const json& type : spec["token_types"][i]) c.types.push_back(type.get<std::int32_t>());
    }
  }
  for (const json& index : spec["lm_tokens"]) c.lm_tokens.push_back(index.get<std::size_t>());
  return c;
}

struct Loaded {
  std::unique_ptr<formats::WeightSource> source;  // outlives the model, which views it
  std::unique_ptr<EncoderModel> model;
};

Loaded load(const std::string& dir, const LoadOptions& options = {}) {
  Loaded loaded;
  loaded.source = formats::open_safetensors(dir);
  loaded.model = build_encoder(formats::load_model_config(dir), *loaded.source, options);
  return loaded;
}

// The largest |actual - expected|, and the bound the header's tolerance allows.
struct Difference {
  double max_abs = 0, bound = 0;
};

Difference compare(const std::vector<float>& actual, const json& expected) {
  Difference d;
  double scale = 1;
  for (const json& e : expected) scale = std::max(scale, std::abs(e.get<double>()));
  d.bound = 1e-4 * scale;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    d.max_abs = std::max(d.max_abs, std::abs(actual[i] - expected[i].get<double>()));
  }
  return d;
}

EncoderHead head_named(const std::string& head) {
  if (head == "SequenceClassification") return EncoderHead::kSequenceClassification;
  if (head == "TokenClassification") return EncoderHead::kTokenClassification;
  if (head == "MaskedLM") return EncoderHead::kMaskedLm;
  return EncoderHead::kNone;
}

class EncoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kernels::install();
    const json expected = json::parse(hfserve::testing::read_text(kDir + "/expected.json"));
    cases_ = new std::vector<Case>();
    for (const json& spec : expected["cases"]) cases_->push_back(make_case(spec));
  }
  static void TearDownTestSuite() {
    delete cases_;
    cases_ = nullptr;
  }
  static std::vector<Case>* cases_;
  ThreadPool pool_{2};
};
std::vector<Case>* EncoderTest::cases_ = nullptr;

TEST_F(EncoderTest, EveryFamilyAndHeadMatchesTransformers) {
  ASSERT_EQ(cases_->size(), 20u);
  for (const Case& c : *cases_) {
    SCOPED_TRACE(c.spec["dir"].get<std::string>());
    Loaded loaded = load(c.dir());
    const EncoderModel& model = *loaded.model;
    EXPECT_EQ(model.head(), head_named(c.spec["head"]));
    EXPECT_EQ(model.max_tokens(), c.spec["max_tokens"].get<std::size_t>());
    EncoderOutput out;
    model.forward(c.batch(), pool_, out);

    ASSERT_EQ(out.hidden.size(), c.spec["hidden"].size());
    const Difference hidden = compare(out.hidden, c.spec["hidden"]);
    EXPECT_LE(hidden.max_abs, hidden.bound);
    char report[160];
    int used = std::snprintf(report, sizeof report, "hidden max |diff| %.1e", hidden.max_abs);
    if (c.spec["logits"].is_null()) {
      EXPECT_TRUE(out.logits.empty());
    } else {
      std::size_t rows = c.spec["head"] == "SequenceClassification" ? c.sequences.size()
                         : c.spec["head"] == "MaskedLM"             ? c.lm_tokens.size()
                                                                    : c.tokens.size();
      std::size_t width =
          c.spec["head"] == "MaskedLM" ? model.config().vocab_size : model.num_labels();
      ASSERT_EQ(out.logits.size(), rows * width);
      ASSERT_EQ(out.logits.size(), c.spec["logits"].size());
      const Difference logits = compare(out.logits, c.spec["logits"]);
      EXPECT_LE(logits.max_abs, logits.bound);
      std::snprintf(report + used, sizeof report - used, ", logits max |diff| %.1e",
                    logits.max_abs);
    }
    std::printf("%s: %s\n", c.spec["dir"].get<std::string>().c_str(), report);
  }
}

// Each sequence run alone gives what the batch gave it: attention stays within a sequence
// and nothing else depends on the batch. Not bit for bit: a lone token's matmuls run the
// GEMV kernels, a batch's the GEMM ones, which sum in another order (a few ulps apart).
TEST_F(EncoderTest, BatchEqualsEachSequenceAlone) {
  for (const Case& c : *cases_) {
    SCOPED_TRACE(c.spec["dir"].get<std::string>());
    Loaded loaded = load(c.dir());
    const EncoderModel& model = *loaded.model;
    const std::size_t hidden = model.hidden_size();
    EncoderOutput batched;
    model.forward(c.batch(), pool_, batched);
    const std::size_t width = batched.logits.empty() ? 0
                              : model.head() == EncoderHead::kSequenceClassification
                                  ? batched.logits.size() / c.sequences.size()
                              : model.head() == EncoderHead::kMaskedLm
                                  ? batched.logits.size() / c.lm_tokens.size()
                                  : batched.logits.size() / c.tokens.size();
    std::size_t lm_row = 0;
    for (std::size_t i = 0; i < c.sequences.size(); ++i) {
      const EncoderSequence& s = c.sequences[i];
      std::vector<std::int32_t> tokens(c.tokens.begin() + s.first_token,
                                       c.tokens.begin() + s.first_token + s.n_tokens);
      std::vector<std::int32_t> types;
      if (!c.types.empty()) {
        types.assign(c.types.begin() + s.first_token, c.types.begin() + s.first_token + s.n_tokens);
      }
      std::vector<std::size_t> lm;
      for (std::size_t index : c.lm_tokens) {
        if (index >= s.first_token && index < s.first_token + s.n_tokens) {
          lm.push_back(index - s.first_token);
        }
      }
      const EncoderSequence alone[] = {{0, s.n_tokens}};
      EncoderOutput single;
      model.forward({tokens, types, alone, lm}, pool_, single);
      for (std::size_t j = 0; j < s.n_tokens * hidden; ++j) {
        const float expected = batched.hidden[s.first_token * hidden + j];
        ASSERT_NEAR(single.hidden[j], expected, 1e-6 * (1 + std::abs(expected)))
            << "sequence " << i << " value " << j;
      }
      std::size_t first_row = model.head() == EncoderHead::kSequenceClassification ? i
                              : model.head() == EncoderHead::kMaskedLm             ? lm_row
                                                                                   : s.first_token;
      for (std::size_t j = 0; j < single.logits.size(); ++j) {
        const float expected = batched.logits[first_row * width + j];
        ASSERT_NEAR(single.logits[j], expected, 1e-6 * (1 + std::abs(expected)))
            << "sequence " << i << " logit " << j;
      }
      lm_row += lm.size();
    }
  }
}

double cosine(const float* a, const float* b, std::size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// Quantising the Linear weights at load keeps each token's hidden state pointing the same
// way: Q8_0 closely, Q4_0 (4 bits, as llama.cpp's) less so.
TEST_F(EncoderTest, QuantisedAtLoadStaysClose) {
  for (const auto& [dtype, min_cosine] :
       {std::pair{tensor::DType::kQ8_0, 0.99}, std::pair{tensor::DType::kQ4_0, 0.95}}) {
    double worst = 1;
    for (const Case& c : *cases_) {
      SCOPED_TRACE(c.spec["dir"].get<std::string>());
      Loaded exact = load(c.dir());
      Loaded quantised = load(c.dir(), {.quantization = dtype});
      EncoderOutput a, b;
      exact.model->forward(c.batch(), pool_, a);
      quantised.model->forward(c.batch(), pool_, b);
      ASSERT_EQ(a.hidden.size(), b.hidden.size());
      ASSERT_EQ(a.logits.size(), b.logits.size());
      const std::size_t hidden = exact.model->hidden_size();
      for (std::size_t t = 0; t < c.tokens.size(); ++t) {
        worst = std::min(worst, cosine(&a.hidden[t * hidden], &b.hidden[t * hidden], hidden));
      }
      // And it did quantise: the outputs are not the float ones.
      EXPECT_NE(a.hidden, b.hidden);
    }
    EXPECT_GT(worst, min_cosine) << tensor::dtype_name(dtype);
    std::printf("%s: worst cosine of a token's hidden state %.5f\n",
                std::string(tensor::dtype_name(dtype)).c_str(), worst);
  }
}

TEST_F(EncoderTest, BadInputsAreInvalidArguments) {
  for (const Case& c : *cases_) {
    if (c.spec["head"] != "Model") continue;
    SCOPED_TRACE(c.spec["dir"].get<std::string>());
    Loaded loaded = load(c.dir());
    const EncoderModel& model = *loaded.model;
    auto code_of = [&](const EncoderBatch& batch) -> std::optional<ErrorCode> {
      EncoderOutput out;
      try {
        model.forward(batch, pool_, out);
      } catch (const Error& e) {
        return e.code();
      }
      return std::nullopt;
    };
    const std::int32_t vocab = static_cast<std::int32_t>(model.config().vocab_size);
    std::vector<std::int32_t> tokens = {3, vocab, 4};
    const EncoderSequence one[] = {{0, 3}};
    EXPECT_EQ(code_of({tokens, {}, one, {}}), ErrorCode::kInvalidArgument);
    tokens[1] = -1;
    EXPECT_EQ(code_of({tokens, {}, one, {}}), ErrorCode::kInvalidArgument);
    tokens[1] = 5;
    EXPECT_EQ(code_of({tokens, {}, one, {}}), std::nullopt);
    const std::vector<std::int32_t> types = {0, 7, 0};
    EXPECT_EQ(code_of({tokens, types, one, {}}), ErrorCode::kInvalidArgument);
    const EncoderSequence past_end[] = {{0, 4}};
    EXPECT_EQ(code_of({tokens, {}, past_end, {}}), ErrorCode::kInvalidArgument);

    std::vector<std::int32_t> longest(model.max_tokens() + 1, 5);
    const EncoderSequence too_long[] = {{0, longest.size()}};
    EXPECT_EQ(code_of({longest, {}, too_long, {}}), ErrorCode::kInvalidArgument);
    const EncoderSequence fits[] = {{0, longest.size() - 1}};
    longest.pop_back();
    EXPECT_EQ(code_of({longest, {}, fits, {}}), std::nullopt);
  }
}

// Reads another source but hides one tensor, as a truncated checkpoint would, or shows it
// with one row fewer (its first ones), as a checkpoint of another size would.
class Tampered final : public formats::WeightSource {
 public:
  Tampered(const formats::WeightSource& inner, std::string name, bool hide)
      : inner_(inner), name_(std::move(name)), hide_(hide) {}
  std::optional<tensor::TensorView> find(std::string_view name) const override {
    std::optional<tensor::TensorView> view = inner_.find(name);
    if (name != name_ || !view) return view;
    if (hide_) return std::nullopt;
    view->shape[0] -= 1;
    return view;
  }
  std::vector<std::string> names() const override { return inner_.names(); }
  std::vector<std::string> files() const override { return inner_.files(); }
  std::string_view format() const override { return inner_.format(); }

 private:
  const formats::WeightSource& inner_;
  std::string name_;
  bool hide_;
};

TEST_F(EncoderTest, RegistryNamesArchitecturesAndBadWeights) {
  const std::string dir = kDir + "/roberta_SequenceClassification";
  formats::ModelConfig config = formats::load_model_config(dir);
  EXPECT_TRUE(is_encoder(config));
  auto source = formats::open_safetensors(dir);
  for (const std::string name :
       {"classifier.out_proj.weight", "classifier.dense.weight",
        "roberta.encoder.layer.1.attention.self.key.bias",
        "roberta.encoder.layer.0.output.dense.weight", "roberta.embeddings.LayerNorm.weight",
        "roberta.embeddings.position_embeddings.weight",
        "roberta.encoder.layer.1.output.LayerNorm.bias"}) {
    for (bool hide : {true, false}) {
      Tampered tampered(*source, name, hide);
      try {
        build_encoder(config, tampered);
        ADD_FAILURE() << "built with " << name << (hide ? " missing" : " mis-shaped");
      } catch (const Error& e) {
        EXPECT_NE(e.message().find(name), std::string::npos) << e.message();
      }
    }
  }

  // A config.json without architectures means the bare model, under the prefix or not.
  config.architecture = config.model_type;
  EXPECT_EQ(build_encoder(config, *source)->head(), EncoderHead::kNone);
  config.architecture = "RobertaForQuestionAnswering";
  try {
    build_encoder(config, *source);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(e.message().find("XLMRobertaForMaskedLM"), std::string::npos) << e.message();
  }
  formats::ModelConfig llama;
  llama.model_type = "llama";
  EXPECT_FALSE(is_encoder(llama));
}

}  // namespace
}  // namespace hfserve::models
