// WeightSource: what a model's weights look like to everything above formats/: a name ->
// TensorView map over memory-mapped files, whichever format they came in. Models look
// tensors up by name and never parse files. Views are zero-copy; the source keeps the
// mappings alive, so a view is valid as long as its WeightSource. Immutable after open:
// any thread may call any method.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor_view.h"

namespace hfserve::formats {

class WeightSource {
 public:
  virtual ~WeightSource() = default;

  // The tensor called `name`, or nullopt (an optional weight may be missing).
  virtual std::optional<tensor::TensorView> find(std::string_view name) const = 0;
  // Every tensor name, sorted.
  virtual std::vector<std::string> names() const = 0;
  // The files behind the source, for logs and `hfserve inspect`.
  virtual std::vector<std::string> files() const = 0;
  // "safetensors" or "gguf".
  virtual std::string_view format() const = 0;

  // Says that a layer keeps its own copy of `view` (a weight repacked at load): a source
  // over file mappings drops the view's pages from memory, so that the process holds the
  // copy and not both. The view stays valid; a later read faults its pages back in.
  virtual void drop_pages(const tensor::TensorView& view) const { (void)view; }

  // find() that throws Error(kNotFound) naming the tensor and the source's files.
  tensor::TensorView get(std::string_view name) const;

  // The tensor widened to F32 (a copy, made on purpose once at load for a layer that needs
  // F32; logged at info level). Throws Error(kUnsupported) for integer dtypes.
  std::vector<float> to_f32(std::string_view name) const;
};

// Opens safetensors weights: a .safetensors file, a sharded checkpoint's
// model.safetensors.index.json, or a folder holding either (the index wins). Every shard
// the index names is mapped and validated; the index's weight_map must agree with the
// shards (each tensor in the file it names, no tensor in two shards). Throws Error.
std::unique_ptr<WeightSource> open_safetensors(const std::string& path);

// Opens a GGUF file; for a split file (name-00001-of-0000N.gguf) every part. Names are
// GGUF's own (blk.0.attn_q.weight). Throws Error.
std::unique_ptr<WeightSource> open_gguf_weights(const std::string& path);

}  // namespace hfserve::formats
