// ModelConfig from config.json / generation_config.json against what transformers'
// AutoConfig and GenerationConfig make of the same files (tests/formats/config_reference.py),
// and from GGUF metadata against config.json for the stories260K trio in the testdata.
#include "formats/model_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <optional>

#include "../support/python_reference.h"
#include "formats/gguf.h"
#include "formats/weight_source.h"
#include "util/error.h"

namespace hfserve::formats {
namespace {

using hfserve::testing::TempDir;
using nlohmann::json;

class ModelConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (dir_ == nullptr) {
      dir_ = new TempDir("model_config");
      hfserve::testing::run_reference_script("formats/config_reference.py", dir_->path().string());
    }
    expected_ = json::parse(hfserve::testing::read_text(dir_->file("expected.json")));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
  json expected_;
};
TempDir* ModelConfigTest::dir_ = nullptr;

TEST_F(ModelConfigTest, MatchesTransformersForEveryFamily) {
  ASSERT_EQ(expected_.size(), 11u);
  for (const auto& [name, want] : expected_.items()) {
    SCOPED_TRACE(name);
    const ModelConfig c = load_model_config(dir_->file(name));
    EXPECT_EQ(c.model_type, want["model_type"]);
    EXPECT_EQ(c.vocab_size, want["vocab_size"]);
    EXPECT_EQ(c.hidden_size, want["hidden_size"]);
    EXPECT_EQ(c.intermediate_size, want["intermediate_size"]);
    EXPECT_EQ(c.num_hidden_layers, want["num_hidden_layers"]);
    EXPECT_EQ(c.num_attention_heads, want["num_attention_heads"]);
    EXPECT_EQ(c.num_key_value_heads, want["num_key_value_heads"]);
    EXPECT_EQ(c.head_dim, want["head_dim"]);
    EXPECT_EQ(c.max_position_embeddings, want["max_position_embeddings"]);
    EXPECT_EQ(c.tie_word_embeddings, want["tie_word_embeddings"]);
    EXPECT_EQ(c.rope_theta, want["rope_theta"].get<double>());
    EXPECT_EQ(c.norm_eps, static_cast<float>(want["norm_eps"].get<double>()));
    EXPECT_EQ(c.torch_dtype, want["torch_dtype"]);
    EXPECT_EQ(c.hidden_act, want["hidden_act"]);
    EXPECT_EQ(c.num_labels, want["num_labels"]);
    EXPECT_EQ(json(c.problem_type ? json(*c.problem_type) : json()), want["problem_type"]);
    if (!want["type_vocab_size"].is_null()) {
      EXPECT_EQ(c.type_vocab_size, want["type_vocab_size"]);
      EXPECT_EQ(c.position_embedding_type, want["position_embedding_type"]);
    }
    if (want["rope_type"].is_null()) {
      EXPECT_FALSE(c.rope_scaling.has_value());
    } else {
      ASSERT_TRUE(c.rope_scaling.has_value());
      EXPECT_EQ(c.rope_scaling->rope_type, want["rope_type"]);
      EXPECT_EQ(c.rope_scaling->factor, want["rope_factor"].get<double>());
    }
    EXPECT_EQ(json(c.sliding_window.has_value() ? json(*c.sliding_window) : json()),
              want["sliding_window"]);
    if (!want["attention_bias"].is_null()) {
      EXPECT_EQ(c.attention_bias, want["attention_bias"]);
    }
    EXPECT_EQ(json(c.bos_token_id ? json(*c.bos_token_id) : json()), want["bos_token_id"]);
    if (want.contains("generation")) {
      // generation_config.json's ids are the ones generate() uses.
      const json& g = want["generation"];
      json eos =
          g["eos_token_id"].is_array() ? g["eos_token_id"] : json::array({g["eos_token_id"]});
      EXPECT_EQ(json(c.eos_token_ids), eos);
      if (c.generation.temperature) {
        EXPECT_EQ(*c.generation.temperature, g["temperature"].get<double>());
      }
      if (c.generation.top_p) {
        EXPECT_EQ(*c.generation.top_p, g["top_p"].get<double>());
      }
      if (c.generation.top_k) {
        EXPECT_EQ(*c.generation.top_k, g["top_k"].get<std::int64_t>());
      }
      if (c.generation.do_sample) {
        EXPECT_EQ(*c.generation.do_sample, g["do_sample"].get<bool>());
      }
      if (c.generation.repetition_penalty) {
        EXPECT_EQ(*c.generation.repetition_penalty, g["repetition_penalty"].get<double>());
      }
      if (!g["pad_token_id"].is_null()) {
        EXPECT_EQ(c.pad_token_id, g["pad_token_id"].get<std::int64_t>());
      }
    } else {
      EXPECT_EQ(json(c.eos_token_ids), want["eos_token_ids"]);
      EXPECT_EQ(json(c.pad_token_id ? json(*c.pad_token_id) : json()), want["pad_token_id"]);
    }
    if (!want["id2label"].is_null()) {
      json labels = json::object();
      for (const auto& [id, label] : c.id2label) labels[std::to_string(id)] = label;
      EXPECT_EQ(labels, want["id2label"]);
      EXPECT_EQ(c.num_labels, static_cast<std::int64_t>(want["id2label"].size()));
    }
  }
}

// T5 as T5Config writes config.json (t5-small, flan-t5-small, every default).
TEST_F(ModelConfigTest, ReadsT5AsT5ConfigDoes) {
  const json all = json::parse(hfserve::testing::read_text(dir_->file("t5_expected.json")));
  ASSERT_EQ(all.size(), 3u);
  for (const auto& [name, want] : all.items()) {
    SCOPED_TRACE(name);
    const ModelConfig c = load_model_config(dir_->file(name));
    EXPECT_EQ(c.model_type, "t5");
    EXPECT_EQ(c.architecture, want["architecture"]);
    EXPECT_EQ(c.vocab_size, want["vocab_size"]);
    EXPECT_EQ(c.hidden_size, want["d_model"]);
    EXPECT_EQ(c.head_dim, want["d_kv"]);
    EXPECT_EQ(c.intermediate_size, want["d_ff"]);
    EXPECT_EQ(c.num_hidden_layers, want["num_layers"]);
    EXPECT_EQ(c.num_decoder_layers, want["num_decoder_layers"]);
    EXPECT_EQ(c.num_attention_heads, want["num_heads"]);
    EXPECT_EQ(c.num_key_value_heads, want["num_heads"]);
    EXPECT_EQ(c.relative_attention_num_buckets, want["buckets"]);
    EXPECT_EQ(c.relative_attention_max_distance, want["max_distance"]);
    EXPECT_EQ(c.hidden_act, want["act"]);
    EXPECT_EQ(c.gated_ffn, want["gated"]);
    EXPECT_TRUE(c.rms_norm);
    EXPECT_EQ(c.norm_eps, static_cast<float>(want["eps"].get<double>()));
    EXPECT_EQ(c.tie_word_embeddings, want["tie_word_embeddings"]);
    EXPECT_EQ(json(c.eos_token_ids), json::array({want["eos_token_id"]}));
    EXPECT_EQ(c.pad_token_id, want["pad_token_id"].get<std::int64_t>());
    // T5Config leaves decoder_start_token_id unset by default; T5 then starts from pad.
    const json start = want["decoder_start_token_id"];
    EXPECT_EQ(c.decoder_start_token_id,
              (start.is_null() ? want["pad_token_id"] : start).get<std::int64_t>());
    EXPECT_EQ(c.max_position_embeddings,
              want["n_positions"].is_null() ? 0 : want["n_positions"].get<std::int64_t>());
    EXPECT_FALSE(c.extra.contains("dense_act_fn"));
  }
}

TEST(ModelConfigErrors, T5FeedForwardProjIsChecked) {
  for (const char* proj : {"gelu-gated", "gated-gelu-x"}) {
    const std::string text = std::string(R"({"model_type": "t5", "vocab_size": 10, )") +
                             R"("feed_forward_proj": ")" + proj + R"("})";
    try {
      model_config_from_hf(text, "", "config.json");
      ADD_FAILURE() << proj;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(error.message().find("feed_forward_proj"), std::string::npos) << error.message();
    }
  }
  EXPECT_EQ(model_config_from_hf(R"({"model_type": "t5", "vocab_size": 10,
                                     "feed_forward_proj": "gated-relu"})",
                                 "", "config.json")
                .hidden_act,
            "relu");
}

TEST_F(ModelConfigTest, KeepsUnknownFieldsAndReadsLlama3Scaling) {
  const ModelConfig c = load_model_config(dir_->file("llama3"));
  EXPECT_EQ(c.extra["some_future_field"], json({{"x", 1}}));
  EXPECT_EQ(c.extra["pretraining_tp"], 1);
  EXPECT_FALSE(c.extra.contains("hidden_size"));
  EXPECT_EQ(c.rope_scaling->low_freq_factor, 1.0);
  EXPECT_EQ(c.rope_scaling->high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_scaling->original_max_position_embeddings, 8192);
}

TEST(ModelConfigErrors, UnknownArchitectureListsTheSupportedOnes) {
  try {
    model_config_from_hf(R"({"model_type":"mamba","architectures":["MambaForCausalLM"]})", "",
                         "config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(e.message().find(
                  "'mamba' (MambaForCausalLM) is not supported; supported: bert, distilbert, "
                  "gpt2, llama, mistral, qwen2, qwen3, roberta, t5, xlm-roberta"),
              std::string::npos)
        << e.message();
  }
}

TEST(ModelConfigErrors, BadFieldsAreNamed) {
  const std::string base =
      R"("model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,
      "num_hidden_layers":1,"max_position_embeddings":16)";
  auto message = [&](const std::string& fields) {
    try {
      model_config_from_hf("{" + base + "," + fields + "}", "", "m/config.json");
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(R"("num_attention_heads":"2")")
                .find("m/config.json: field 'num_attention_heads' is not an integer"),
            std::string::npos);
  EXPECT_NE(message(R"("num_attention_heads":4,"num_key_value_heads":3)").find("does not divide"),
            std::string::npos);
  EXPECT_NE(message(R"("num_attention_heads":-2)").find("must be positive"), std::string::npos);
  EXPECT_NE(message(R"("num_attention_heads":2,"rope_scaling":{"rope_type":"llama3","factor":8})")
                .find("needs low_freq_factor"),
            std::string::npos);
  EXPECT_NE(message(R"("num_attention_heads":2,"rope_scaling":{"type":"su"})")
                .find("'su' is not supported"),
            std::string::npos);
  EXPECT_NE(message(R"("num_attention_heads":2,"id2label":{"x":"A"})").find("id2label"),
            std::string::npos);
  EXPECT_EQ(message(R"("num_attention_heads":2)"), "accepted");
}

TEST_F(ModelConfigTest, ReadsDistilBertNamesAndEncoderDefaults) {
  const ModelConfig d = load_model_config(dir_->file("distilbert_classifier"));
  EXPECT_EQ(d.type_vocab_size, 0);  // no token type table
  EXPECT_EQ(d.position_embedding_type, "absolute");
  EXPECT_FALSE(d.rms_norm);
  EXPECT_EQ(d.id2label.at(1), "POSITIVE");
  EXPECT_TRUE(d.extra.contains("sinusoidal_pos_embds"));
  // A two-label head's config.json leaves its labels out (they are the default).
  const ModelConfig bare = model_config_from_hf(
      R"({"model_type":"bert","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,
      "num_attention_heads":2,"intermediate_size":16,"max_position_embeddings":16})",
      "", "config.json");
  EXPECT_EQ(bare.num_labels, 2);
  EXPECT_EQ(bare.type_vocab_size, 2);
  EXPECT_EQ(bare.pad_token_id, 0);
  EXPECT_FALSE(bare.problem_type.has_value());
}

TEST(ModelConfigErrors, EncoderFieldsAreChecked) {
  const std::string base =
      R"("model_type":"roberta","vocab_size":10,"hidden_size":8,"intermediate_size":16,
      "num_hidden_layers":1,"num_attention_heads":2,"max_position_embeddings":16)";
  auto error = [&](const std::string& fields) -> std::optional<Error> {
    try {
      model_config_from_hf("{" + base + "," + fields + "}", "", "m/config.json");
    } catch (const Error& e) {
      return e;
    }
    return std::nullopt;
  };
  auto relative = error(R"("position_embedding_type":"relative_key")");
  ASSERT_TRUE(relative);
  EXPECT_EQ(relative->code(), ErrorCode::kUnsupported);
  EXPECT_NE(relative->message().find("position_embedding_type 'relative_key' is not supported"),
            std::string::npos);
  auto problem = error(R"("problem_type":"ranking")");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(problem->message().find("field 'problem_type'"), std::string::npos);
  auto types = error(R"("type_vocab_size":-1)");
  ASSERT_TRUE(types);
  EXPECT_NE(types->message().find("field 'type_vocab_size'"), std::string::npos);
  EXPECT_FALSE(error(R"("position_embedding_type":"absolute","type_vocab_size":1)"));
}

// The stories260K trio (config.json + model.safetensors + GGUF, made from one checkpoint)
// must describe the same model. The GGUF has no tokenizer metadata, so it cannot know
// the BOS/EOS ids; everything else must agree.
TEST(ModelConfigTrio, Stories260KConfigSafetensorsAndGgufAgree) {
  const std::string dir = hfserve::testing::testdata_dir() + "/stories260K";
  const ModelConfig hf = load_model_config(dir);
  GgufFile gguf(dir + "/stories260K-f32.gguf");
  const ModelConfig from_gguf = model_config_from_gguf(gguf.header(), gguf.path());
  EXPECT_EQ(from_gguf.model_type, hf.model_type);
  EXPECT_EQ(from_gguf.architecture, hf.architecture);
  EXPECT_EQ(from_gguf.vocab_size, hf.vocab_size);
  EXPECT_EQ(from_gguf.hidden_size, hf.hidden_size);
  EXPECT_EQ(from_gguf.intermediate_size, hf.intermediate_size);
  EXPECT_EQ(from_gguf.num_hidden_layers, hf.num_hidden_layers);
  EXPECT_EQ(from_gguf.num_attention_heads, hf.num_attention_heads);
  EXPECT_EQ(from_gguf.num_key_value_heads, hf.num_key_value_heads);
  EXPECT_EQ(from_gguf.head_dim, hf.head_dim);
  EXPECT_EQ(from_gguf.max_position_embeddings, hf.max_position_embeddings);
  EXPECT_EQ(from_gguf.hidden_act, hf.hidden_act);
  EXPECT_EQ(from_gguf.rms_norm, hf.rms_norm);
  EXPECT_EQ(from_gguf.norm_eps, hf.norm_eps);
  EXPECT_EQ(from_gguf.rope_theta, hf.rope_theta);
  EXPECT_EQ(from_gguf.rotary_dim, hf.rotary_dim);
  EXPECT_EQ(from_gguf.tie_word_embeddings, hf.tie_word_embeddings);
  EXPECT_EQ(from_gguf.attention_bias, hf.attention_bias);
  EXPECT_EQ(from_gguf.mlp_bias, hf.mlp_bias);
  EXPECT_EQ(from_gguf.torch_dtype, hf.torch_dtype);
  EXPECT_FALSE(from_gguf.bos_token_id.has_value());

  // The safetensors weights have the shapes the config describes, tied (no lm_head).
  auto weights = open_safetensors(dir + "/model.safetensors");
  EXPECT_EQ(weights->get("model.embed_tokens.weight").shape,
            (std::vector<std::int64_t>{hf.vocab_size, hf.hidden_size}));
  EXPECT_EQ(weights->find("lm_head.weight").has_value(), !hf.tie_word_embeddings);
  EXPECT_EQ(weights->get("model.layers.0.self_attn.k_proj.weight").shape,
            (std::vector<std::int64_t>{hf.num_key_value_heads * hf.head_dim, hf.hidden_size}));
  EXPECT_EQ(weights->get("model.layers.0.mlp.up_proj.weight").shape,
            (std::vector<std::int64_t>{hf.intermediate_size, hf.hidden_size}));
  auto gguf_weights = open_gguf_weights(dir + "/stories260K-f32.gguf");
  EXPECT_EQ(gguf_weights->get("token_embd.weight").shape,
            weights->get("model.embed_tokens.weight").shape);
  EXPECT_EQ(gguf_weights->get("blk.0.ffn_up.weight").shape,
            weights->get("model.layers.0.mlp.up_proj.weight").shape);
}

TEST(ModelConfigGguf, DemoModelAndUnknownArchitecture) {
  GgufHeader header;
  header.metadata.emplace_back("general.architecture",
                               GgufValue{GgufType::kString, std::string("mamba")});
  try {
    model_config_from_gguf(header, "x.gguf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(
        e.message().find("'mamba' is not supported; supported: bert, gpt2, llama, qwen2, qwen3"),
        std::string::npos);
  }
}

}  // namespace
}  // namespace hfserve::formats
