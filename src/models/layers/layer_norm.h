// LayerNorm: the weight and bias of one LayerNorm of a model, widened to F32 once at load,
// applied row by row through the layer_norm_f32 kernel (BERT's family normalises after
// each residual add). Immutable after construction; any thread may call apply().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/weight_source.h"

namespace hfserve::models {

class LayerNorm {
 public:
  // Reads `<name>.weight` and `<name>.bias`, each [size]. Throws Error naming a missing or
  // mis-sized tensor.
  LayerNorm(const formats::WeightSource& source, const std::string& name, std::int64_t size,
            float eps);

  // x, out: [n_tokens, size]; out may alias x.
  void apply(const float* x, std::size_t n_tokens, float* out) const;

 private:
  std::vector<float> weight_, bias_;
  float eps_ = 0;
};

}  // namespace hfserve::models
