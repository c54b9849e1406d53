#include "tokenizer/piece_trie.h"

#include <algorithm>

namespace hfserve::tokenizer {

void PieceTrie::insert(std::string_view key, std::uint32_t id) {
  Node node = kRoot;
  for (char c : key) {
    auto byte = static_cast<unsigned char>(c);
    auto it = build_[node].find(byte);
    if (it == build_[node].end()) {
      build_.emplace_back();
      values_.push_back(-1);
      it = build_[node].emplace(byte, static_cast<Node>(build_.size() - 1)).first;
    }
    node = it->second;
  }
  values_[node] = id;
}

void PieceTrie::finish() {
  first_edge_.assign(build_.size() + 1, 0);
  for (std::size_t n = 0; n < build_.size(); ++n) {
    first_edge_[n + 1] = first_edge_[n] + static_cast<std::uint32_t>(build_[n].size());
    for (const auto& [byte, target] : build_[n]) {
      edge_bytes_.push_back(byte);
      edge_targets_.push_back(target);
    }
  }
  build_.clear();
  build_.shrink_to_fit();
}

std::optional<PieceTrie::Node> PieceTrie::child(Node node, unsigned char byte) const {
  auto begin = edge_bytes_.begin() + first_edge_[node];
  auto end = edge_bytes_.begin() + first_edge_[node + 1];
  auto it = std::lower_bound(begin, end, byte);
  if (it == end || *it != byte) return std::nullopt;
  return edge_targets_[static_cast<std::size_t>(it - edge_bytes_.begin())];
}

std::optional<PieceTrie::Node> PieceTrie::descend(std::string_view key, Node from) const {
  Node node = from;
  for (char c : key) {
    std::optional<Node> next = child(node, static_cast<unsigned char>(c));
    if (!next) return std::nullopt;
    node = *next;
  }
  return node;
}

}  // namespace hfserve::tokenizer
