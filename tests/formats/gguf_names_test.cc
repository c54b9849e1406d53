// GGUF <-> Hugging Face tensor names, checked on the stories260K pair in the testdata: the
// GGUF (llama.cpp names, Meta's interleaved Q/K rows) and model.safetensors (HF names,
// rotate-half Q/K rows) were converted from one llama2.c checkpoint by others, so every
// GGUF tensor must map to a safetensors tensor of the same shape and bytes, with Q/K
// equal after the standard Meta -> HF row permutation.
#include "formats/gguf_names.h"

#include <gtest/gtest.h>

#include <cstring>

#include "../support/python_reference.h"
#include "formats/model_config.h"
#include "formats/weight_source.h"

namespace hfserve::formats {
namespace {

TEST(GgufNamesTest, MapsBothWays) {
  EXPECT_EQ(hf_name_from_gguf("blk.12.attn_q.weight"), "model.layers.12.self_attn.q_proj.weight");
  EXPECT_EQ(hf_name_from_gguf("blk.0.attn_k.bias"), "model.layers.0.self_attn.k_proj.bias");
  EXPECT_EQ(hf_name_from_gguf("output.weight"), "lm_head.weight");
  EXPECT_EQ(hf_name_from_gguf("rope_freqs.weight"), std::nullopt);
  EXPECT_EQ(hf_name_from_gguf("blk.x.attn_q.weight"), std::nullopt);
  EXPECT_EQ(hf_name_from_gguf("blk..attn_q.weight"), std::nullopt);
  EXPECT_EQ(gguf_name_from_hf("model.layers.3.mlp.down_proj.weight"), "blk.3.ffn_down.weight");
  EXPECT_EQ(gguf_name_from_hf("model.norm.weight"), "output_norm.weight");
}

TEST(GgufNamesTest, Stories260KGgufAndSafetensorsHoldTheSameWeights) {
  const std::string dir = hfserve::testing::testdata_dir() + "/stories260K";
  const ModelConfig config = load_model_config(dir);
  auto gguf = open_gguf_weights(dir + "/stories260K-f32.gguf");
  auto hf = open_safetensors(dir + "/model.safetensors");
  EXPECT_EQ(gguf->names().size(), hf->names().size());
  for (const std::string& name : gguf->names()) {
    SCOPED_TRACE(name);
    auto hf_name = hf_name_from_gguf(name);
    ASSERT_TRUE(hf_name.has_value());
    EXPECT_EQ(gguf_name_from_hf(*hf_name), name);
    const tensor::TensorView a = gguf->get(name);
    const tensor::TensorView b = hf->get(*hf_name);
    ASSERT_EQ(a.shape, b.shape);
    ASSERT_EQ(a.dtype, b.dtype);
    const bool is_q = name.find("attn_q.") != std::string::npos;
    const bool is_k = name.find("attn_k.") != std::string::npos;
    if (!is_q && !is_k) {
      EXPECT_EQ(std::memcmp(a.data, b.data, a.num_bytes()), 0);
      continue;
    }
    // HF row h*hd + half*(hd/2) + i holds Meta row h*hd + 2*i + half.
    const std::int64_t heads = is_q ? config.num_attention_heads : config.num_key_value_heads;
    const std::int64_t hd = config.head_dim;
    const std::int64_t cols = a.shape[1];
    ASSERT_EQ(a.shape[0], heads * hd);
    const auto* meta = static_cast<const float*>(a.data);
    const auto* rotate_half = static_cast<const float*>(b.data);
    for (std::int64_t h = 0; h < heads; ++h) {
      for (std::int64_t half = 0; half < 2; ++half) {
        for (std::int64_t i = 0; i < hd / 2; ++i) {
          const std::int64_t hf_row = h * hd + half * (hd / 2) + i;
          const std::int64_t meta_row = h * hd + 2 * i + half;
          ASSERT_EQ(std::memcmp(rotate_half + hf_row * cols, meta + meta_row * cols,
                                cols * sizeof(float)),
                    0)
              << "row " << hf_row;
        }
      }
    }
  }
}

}  // namespace
}  // namespace hfserve::formats
