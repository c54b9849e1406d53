#include "models/layers/layer_norm.h"

#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {

LayerNorm::LayerNorm(const formats::WeightSource& source, const std::string& name,
                     std::int64_t size, float eps)
    : weight_(source.to_f32(name + ".weight")), bias_(source.to_f32(name + ".bias")), eps_(eps) {
  const auto expected = static_cast<std::size_t>(size);
  for (const auto& [part, values] : {std::pair{".weight", &weight_}, std::pair{".bias", &bias_}}) {
    if (values->size() != expected) {
      throw Error(ErrorCode::kInvalidArgument, "'" + name + part + "' has " +
                                                   std::to_string(values->size()) +
                                                   " values; expected " + std::to_string(size));
    }
  }
}

void LayerNorm::apply(const float* x, std::size_t n_tokens, float* out) const {
  const tensor::KernelTable& k = tensor::kernel_table();
  const std::size_t n = weight_.size();
  for (std::size_t t = 0; t < n_tokens; ++t) {
    k.layer_norm_f32(x + t * n, weight_.data(), bias_.data(), eps_, n, out + t * n);
  }
}

}  // namespace hfserve::models
