// ModelRuntime: one model loaded and started, whichever kind it is (a causal LM with its
// engine, an encoder with its runner, an encoder-decoder with its generator), with where
// it came from and the task it serves. What app/ builds from a model reference and the
// server answers requests with (pipelines/model_registry.h holds them).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "hub/pull.h"
#include "pipelines/encoder_tasks.h"
#include "pipelines/loaded_encoder.h"
#include "pipelines/loaded_model.h"
#include "pipelines/task.h"
#include "pipelines/text2text.h"
#include "pipelines/text_generation.h"

namespace hfserve::pipelines {

struct ModelRuntime {
  std::string reference;         // the model reference as resolved
  hub::PulledModel pulled;       // where its files came from (revision, commit)
  std::string device;            // where it runs ("cpu"), for logs and spans
  TaskSettings task;             // what `hfserve serve` runs for KServe's V1/V2 routes
  std::size_t weight_bytes = 0;  // of its weight files (weight_file_bytes), read at load
  // A causal LM (model and generator), an encoder (encoder and encoder_tasks) or an
  // encoder-decoder (seq2seq and text2text).
  LoadedModel model;
  std::unique_ptr<TextGenerator> generator;
  std::unique_ptr<LoadedEncoder> encoder;
  std::unique_ptr<EncoderTasks> encoder_tasks;
  std::unique_ptr<LoadedSeq2Seq> seq2seq;
  std::unique_ptr<Text2TextGenerator> text2text;

  // Whichever kind was loaded: its folder or file, and its weights.
  const std::string& source() const {
    return encoder ? encoder->source : seq2seq ? seq2seq->source : model.source;
  }
  const formats::WeightSource& weights() const {
    return encoder ? *encoder->weights : seq2seq ? *seq2seq->weights : *model.weights;
  }
  // The longest sequence it takes, in tokens.
  std::size_t max_model_len() const;
};

// The bytes of a model's weight files, as they lie on disk.
std::size_t weight_file_bytes(const formats::WeightSource& weights);

}  // namespace hfserve::pipelines
