// The GGUF WeightSource: one file, or every part of a split (-0000k-of-0000N.gguf) file.
#include <map>

#include "formats/gguf.h"
#include "formats/weight_source.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::formats {
namespace {

class GgufSource : public WeightSource {
 public:
  void add_file(std::unique_ptr<GgufFile> file) {
    for (const GgufTensorInfo& info : file->header().tensors) {
      if (!views_.emplace(info.name, file->view(info)).second) {
        throw Error(ErrorCode::kInvalidArgument,
                    "tensor '" + info.name + "' is in two parts of a split GGUF, the second is '" +
                        file->path() + "'");
      }
    }
    files_.push_back(std::move(file));
  }

  std::optional<tensor::TensorView> find(std::string_view name) const override {
    auto it = views_.find(std::string(name));
    if (it == views_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, view] : views_) out.push_back(name);
    return out;
  }
  std::vector<std::string> files() const override {
    std::vector<std::string> out;
    for (const auto& file : files_) out.push_back(file->path());
    return out;
  }
  std::string_view format() const override { return "gguf"; }
  void drop_pages(const tensor::TensorView& view) const override {
    for (const auto& file : files_) file->mapping()->drop_pages(view.data, view.num_bytes());
  }
  std::size_t size() const { return views_.size(); }

 private:
  std::vector<std::unique_ptr<GgufFile>> files_;
  std::map<std::string, tensor::TensorView> views_;
};

}  // namespace

std::unique_ptr<WeightSource> open_gguf_weights(const std::string& path) {
  const std::vector<std::string> paths = gguf_split_paths(path);
  auto source = std::make_unique<GgufSource>();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto file = std::make_unique<GgufFile>(paths[i]);
    if (paths.size() > 1) {
      // llama.cpp's gguf-split writes split.no (0-based) and split.count into every part.
      const GgufValue* no = file->header().find("split.no");
      const GgufValue* count = file->header().find("split.count");
      if (no == nullptr || count == nullptr || no->as_int() != static_cast<std::int64_t>(i) ||
          count->as_int() != static_cast<std::int64_t>(paths.size())) {
        throw Error(ErrorCode::kInvalidArgument,
                    "'" + paths[i] + "' is not part " + std::to_string(i + 1) + " of " +
                        std::to_string(paths.size()) + " (split.no / split.count disagree)");
      }
    }
    source->add_file(std::move(file));
  }
  log::info("gguf: {} tensors in {} file(s) from {}", source->size(), paths.size(), path);
  return source;
}

}  // namespace hfserve::formats
