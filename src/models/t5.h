// T5ForConditionalGeneration (T5 v1.0 as t5-small, v1.1 and flan-t5): t5.cc states the
// block diagram. Registered in models/registry.cc.
#pragma once

#include <cstdint>
#include <memory>

#include "formats/model_config.h"
#include "formats/weight_source.h"
#include "models/load_options.h"
#include "models/seq2seq.h"

namespace hfserve::models {

// Builds the model over `source`'s weights (transformers' names: shared.weight,
// encoder.block.N.layer.0.SelfAttention.q.weight, ...); `source` must outlive it. Throws
// Error naming a missing or mis-shaped weight, Error(kUnsupported) for an activation
// hfserve does not run.
std::unique_ptr<Seq2SeqModel> build_t5(const formats::ModelConfig& config,
                                       const formats::WeightSource& source,
                                       const LoadOptions& options);

// The bucket of the relative position `key - query` in T5's position-bias table, as
// transformers' T5Attention._relative_position_bucket computes it (in float32, as PyTorch
// does): exact buckets for short distances, logarithmic ones up to max_distance; the
// encoder's are bidirectional (half the buckets for keys after the query), the decoder's
// see only keys at or before the query.
std::int64_t t5_relative_position_bucket(std::int64_t relative_position, bool bidirectional,
                                         std::int64_t num_buckets, std::int64_t max_distance);

}  // namespace hfserve::models
