#include "models/layers/activation.h"

#include <cmath>

#include "tensor/kernel_table.h"
#include "util/error.h"

namespace hfserve::models {

Activation activation_from_name(const std::string& name) {
  if (name == "gelu") return Activation::kGeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return Activation::kGeluTanh;
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  throw Error(ErrorCode::kUnsupported,
              "activation '" + name +
                  "' is not supported; supported: gelu, gelu_new, gelu_pytorch_tanh, relu, tanh");
}

void apply_activation(Activation act, float* x, std::size_t n) {
  const tensor::KernelTable& k = tensor::kernel_table();
  switch (act) {
    case Activation::kGeluErf:
      k.gelu_erf_f32(x, n, x);
      return;
    case Activation::kGeluTanh:
      k.gelu_tanh_f32(x, n, x);
      return;
    case Activation::kRelu:
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0;
      return;
    case Activation::kTanh:
      for (std::size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      return;
  }
}

void apply_activation(Activation act, float* x, std::size_t rows, std::size_t width) {
  for (std::size_t r = 0; r < rows; ++r) apply_activation(act, x + r * width, width);
}

}  // namespace hfserve::models
