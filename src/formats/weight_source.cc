#include "formats/weight_source.h"

#include "tensor/dequantize.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::formats {

tensor::TensorView WeightSource::get(std::string_view name) const {
  if (auto view = find(name)) return *view;
  std::string where;
  for (const std::string& file : files()) where += (where.empty() ? "" : ", ") + file;
  throw Error(ErrorCode::kNotFound, "tensor '" + std::string(name) + "' is not in " +
                                        std::string(format()) + " " + where);
}

std::vector<float> WeightSource::to_f32(std::string_view name) const {
  const tensor::TensorView view = get(name);
  if (!tensor::can_dequantize(view.dtype)) {
    throw Error(ErrorCode::kUnsupported, "tensor '" + std::string(name) + "' is " +
                                             std::string(tensor::dtype_name(view.dtype)) +
                                             ", which has no F32 conversion");
  }
  std::vector<float> out(view.num_elements());
  tensor::dequantize_row(view.dtype, view.data, out.data(), out.size());
  if (view.dtype != tensor::DType::kF32) {
    log::info("converted {} {} {} -> F32 ({} bytes copied)", name, tensor::dtype_name(view.dtype),
              tensor::shape_string(view.shape), out.size() * sizeof(float));
  }
  return out;
}

}  // namespace hfserve::formats
