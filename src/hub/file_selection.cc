#include "hub/file_selection.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "util/error.h"

namespace hfserve::hub {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "model-Q4_K_M-00001-of-00003.gguf" -> "model-Q4_K_M": the name shared by all the parts
// of a split GGUF (the file name itself for an unsplit one).
std::string split_group(std::string_view path) {
  constexpr std::string_view kShape = "-#####-of-#####.gguf";
  if (path.size() <= kShape.size()) return std::string(path);
  const std::string tail = lower(path.substr(path.size() - kShape.size()));
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == '#' ? !is_digit(tail[i]) : tail[i] != kShape[i]) return std::string(path);
  }
  return std::string(path.substr(0, path.size() - kShape.size()));
}

std::vector<RepoFile> select_gguf(const std::vector<RepoFile>& files, std::string_view quant,
                                  const std::string& repo_id) {
  // Groups of GGUF files, one per model file (a split file is one group); multimodal
  // projectors are never the model.
  std::map<std::string, std::vector<RepoFile>> groups;
  for (const RepoFile& file : files) {
    if (!ends_with(lower(file.path), ".gguf")) continue;
    if (lower(base_name(file.path)).starts_with("mmproj")) continue;
    groups[split_group(file.path)].push_back(file);
  }
  auto group_with = [&](std::string_view tag) -> const std::vector<RepoFile>* {
    for (const auto& [name, parts] : groups) {
      if (gguf_name_has_quant(base_name(parts.front().path), tag)) return &parts;
    }
    return nullptr;
  };
  const std::vector<RepoFile>* chosen = nullptr;
  if (!quant.empty()) {
    chosen = group_with(quant);
    if (chosen == nullptr) {
      std::string available;
      for (const auto& [name, parts] : groups) {
        available += (available.empty() ? "" : ", ") + std::string(base_name(name));
      }
      throw Error(ErrorCode::kNotFound, "no GGUF file of " + repo_id + " matches quantisation '" +
                                            std::string(quant) + "'; the repository has: " +
                                            (available.empty() ? "no GGUF files" : available));
    }
  } else {
    chosen = group_with("Q4_K_M");
    if (chosen == nullptr) chosen = group_with("Q8_0");
    if (chosen == nullptr) {
      std::int64_t best = -1;
      for (const auto& [name, parts] : groups) {
        std::int64_t total = 0;
        for (const RepoFile& part : parts) total += part.size;
        if (best < 0 || total < best) {
          best = total;
          chosen = &parts;
        }
      }
    }
  }
  if (chosen == nullptr) throw Error(ErrorCode::kNotFound, repo_id + " has no GGUF model file");
  std::set<std::string> wanted;
  for (const RepoFile& part : *chosen) wanted.insert(part.path);
  std::vector<RepoFile> out;
  for (const RepoFile& file : files) {
    if (wanted.count(file.path) != 0) out.push_back(file);
  }
  return out;
}

// sentence-transformers module folders: "1_Pooling/", "2_Normalize/", "2_Dense/".
bool is_module_folder(std::string_view path) {
  std::size_t i = 0;
  while (i < path.size() && is_digit(path[i])) ++i;
  if (i == 0 || i >= path.size() || path[i] != '_') return false;
  const std::size_t letters = ++i;
  while (i < path.size() &&
         ((path[i] >= 'a' && path[i] <= 'z') || (path[i] >= 'A' && path[i] <= 'Z'))) {
    ++i;
  }
  return i > letters && i < path.size() && path[i] == '/';
}

}  // namespace

bool gguf_name_has_quant(std::string_view file_name, std::string_view quant) {
  if (quant.empty()) return false;
  const std::string name = lower(file_name);
  const std::string tag = lower(quant);
  for (std::size_t at = name.find(tag); at != std::string::npos; at = name.find(tag, at + 1)) {
    const bool starts = at == 0 || !is_alnum(name[at - 1]);
    const std::size_t after = at + tag.size();
    const bool ends = after == name.size() || (!is_alnum(name[after]) && name[after] != '_');
    if (starts && ends) return true;
  }
  return false;
}

std::vector<RepoFile> select_repo_files(const std::vector<RepoFile>& files, std::string_view quant,
                                        const std::string& repo_id) {
  bool has_safetensors = false;
  bool has_gguf = false;
  bool has_tokenizer_json = false;
  for (const RepoFile& file : files) {
    const std::string name = lower(file.path);
    has_safetensors |= ends_with(name, ".safetensors");
    has_gguf |= ends_with(name, ".gguf");
    has_tokenizer_json |= file.path == "tokenizer.json";
  }
  if (!quant.empty() && !has_gguf) {
    throw Error(ErrorCode::kInvalidArgument, "'" + repo_id + ":" + std::string(quant) +
                                                 "' asks for a GGUF quantisation, but " + repo_id +
                                                 " has no .gguf files; to pick a revision write " +
                                                 repo_id + "@REVISION");
  }
  if (has_gguf && (!has_safetensors || !quant.empty())) return select_gguf(files, quant, repo_id);

  static constexpr std::array<std::string_view, 13> kAlways = {"config.json",
                                                               "generation_config.json",
                                                               "tokenizer.json",
                                                               "tokenizer_config.json",
                                                               "special_tokens_map.json",
                                                               "added_tokens.json",
                                                               "chat_template.jinja",
                                                               "chat_template.json",
                                                               "modules.json",
                                                               "config_sentence_transformers.json",
                                                               "sentence_bert_config.json",
                                                               "model.safetensors.index.json",
                                                               "preprocessor_config.json"};
  static constexpr std::array<std::string_view, 6> kVocab = {
      "tokenizer.model", "spiece.model", "sentencepiece.bpe.model",
      "vocab.txt",       "vocab.json",   "merges.txt"};
  std::vector<RepoFile> out;
  for (const RepoFile& file : files) {
    const std::string& path = file.path;
    const bool at_root = path.find('/') == std::string::npos;
    const std::string name = lower(path);
    bool take = false;
    if (at_root) {
      take = std::find(kAlways.begin(), kAlways.end(), path) != kAlways.end();
      if (!has_tokenizer_json) {
        take |= std::find(kVocab.begin(), kVocab.end(), path) != kVocab.end();
      }
      if (has_safetensors) {
        take |= ends_with(name, ".safetensors");
      } else {
        take |= (name.starts_with("pytorch_model") &&
                 (ends_with(name, ".bin") || ends_with(name, ".bin.index.json")));
      }
    } else if (is_module_folder(path)) {
      const bool pickle = ends_with(name, ".bin") || ends_with(name, ".pt");
      take = !(pickle && has_safetensors);
    }
    if (take) out.push_back(file);
  }
  return out;
}

}  // namespace hfserve::hub
