// Activation: the element-wise nonlinearities of the encoder blocks and task heads, named
// as config.json names them (hidden_act, DistilBERT's activation).
#pragma once

#include <cstddef>
#include <string>

namespace hfserve::models {

enum class Activation {
  kGeluErf,   // "gelu": the exact form
  kGeluTanh,  // "gelu_new", "gelu_pytorch_tanh": the tanh approximation
  kRelu,      // "relu"; DistilBERT's classifier
  kTanh,      // BERT's and RoBERTa's sequence-classification pooler
};

// Throws Error(kUnsupported) naming the activation and the supported ones.
Activation activation_from_name(const std::string& name);

// x[i] = act(x[i]) for i < n, in place.
void apply_activation(Activation act, float* x, std::size_t n);

// The same over `rows` rows of `width` values, one row at a time: the SIMD kernels finish
// a length that is not a whole number of vectors with scalar code, so a row's values
// would otherwise depend on how many rows share the call (a token's on its batch).
void apply_activation(Activation act, float* x, std::size_t rows, std::size_t width);

}  // namespace hfserve::models
