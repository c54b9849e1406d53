// The safetensors WeightSource: one file or the shards of a model.safetensors.index.json.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "formats/json_reader.h"
#include "formats/safetensors.h"
#include "formats/weight_source.h"
#include "util/error.h"
#include "util/log.h"

namespace hfserve::formats {
namespace {

namespace fs = std::filesystem;

class SafetensorsSource : public WeightSource {
 public:
  void add_file(std::unique_ptr<SafetensorsFile> file,
                const std::map<std::string, std::string>* weight_map) {
    const std::string shard_name = fs::path(file->path()).filename().string();
    for (const SafetensorsTensor& tensor : file->header().tensors) {
      if (weight_map != nullptr) {
        auto listed = weight_map->find(tensor.name);
        // A tensor the index places in another shard: the index decides, as transformers
        // reads it; this copy is not used.
        if (listed == weight_map->end() || listed->second != shard_name) continue;
      }
      auto [it, inserted] = views_.emplace(tensor.name, file->view(tensor));
      if (!inserted) {
        throw Error(ErrorCode::kInvalidArgument,
                    "tensor '" + tensor.name + "' is in two safetensors files, the second is '" +
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
    out.reserve(views_.size());
    for (const auto& [name, view] : views_) out.push_back(name);
    return out;
  }
  std::vector<std::string> files() const override {
    std::vector<std::string> out;
    for (const auto& file : files_) out.push_back(file->path());
    return out;
  }
  std::string_view format() const override { return "safetensors"; }
  void drop_pages(const tensor::TensorView& view) const override {
    for (const auto& file : files_) file->mapping()->drop_pages(view.data, view.num_bytes());
  }
  std::size_t size() const { return views_.size(); }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, tensor::TensorView> views_;
};

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read '" + path + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::unique_ptr<WeightSource> open_index(const std::string& index_path) {
  const nlohmann::json index = parse_json_strict(read_small_file(index_path), index_path);
  auto weight_map_json = index.is_object() ? index.find("weight_map") : index.end();
  if (!index.is_object() || weight_map_json == index.end() || !weight_map_json->is_object()) {
    throw Error(ErrorCode::kInvalidArgument, index_path + ": no \"weight_map\" object");
  }
  std::map<std::string, std::string> weight_map;
  std::set<std::string> shards;
  for (const auto& [name, shard] : weight_map_json->items()) {
    if (!shard.is_string()) {
      throw Error(ErrorCode::kInvalidArgument,
                  index_path + ": weight_map entry of tensor '" + name + "' is not a file name");
    }
    const std::string file = shard.get<std::string>();
    // Shards sit beside the index; a path could reach any file on the machine.
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
      throw Error(ErrorCode::kInvalidArgument, index_path + ": tensor '" + name +
                                                   "' names shard '" + file +
                                                   "', which is not a plain file name");
    }
    weight_map[name] = file;
    shards.insert(file);
  }
  const fs::path folder = fs::path(index_path).parent_path();
  auto source = std::make_unique<SafetensorsSource>();
  for (const std::string& shard : shards) {
    source->add_file(std::make_unique<SafetensorsFile>((folder / shard).string()), &weight_map);
  }
  for (const auto& [name, shard] : weight_map) {
    if (!source->find(name)) {
      throw Error(ErrorCode::kInvalidArgument, index_path + ": tensor '" + name +
                                                   "' is listed in shard '" + shard +
                                                   "' but that file does not hold it");
    }
  }
  log::info("safetensors: {} tensors in {} shards of {}", source->size(), shards.size(),
            index_path);
  return source;
}

}  // namespace

std::unique_ptr<WeightSource> open_safetensors(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path index = fs::path(path) / "model.safetensors.index.json";
    if (fs::exists(index, ec)) return open_index(index.string());
    const fs::path single = fs::path(path) / "model.safetensors";
    if (fs::exists(single, ec)) return open_safetensors(single.string());
    throw Error(ErrorCode::kNotFound,
                "'" + path + "' holds neither model.safetensors nor model.safetensors.index.json");
  }
  if (path.ends_with(".json")) return open_index(path);
  auto source = std::make_unique<SafetensorsSource>();
  source->add_file(std::make_unique<SafetensorsFile>(path), nullptr);
  return source;
}

}  // namespace hfserve::formats
