// A byte trie over a vocabulary's pieces, for "which pieces start here" (common prefix
// search): Unigram's lattice and WordPiece's longest match both walk it once per position
// instead of hashing every candidate substring. Built once, then read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace hfserve::tokenizer {

class PieceTrie {
 public:
  using Node = std::uint32_t;
  static constexpr Node kRoot = 0;

  void insert(std::string_view key, std::uint32_t id);
  // Flattens the build maps into sorted edge arrays; call once after the last insert.
  void finish();

  // The node reached by walking `key` from `from`, if every byte has an edge.
  std::optional<Node> descend(std::string_view key, Node from = kRoot) const;

  // Calls fn(length, id) for every piece that, appended to the path of `from`, is a prefix
  // of text; shortest first.
  template <typename Fn>
  void common_prefixes(std::string_view text, Fn fn, Node from = kRoot) const {
    Node node = from;
    for (std::size_t i = 0; i < text.size(); ++i) {
      std::optional<Node> next = child(node, static_cast<unsigned char>(text[i]));
      if (!next) return;
      node = *next;
      if (values_[node] >= 0) fn(i + 1, static_cast<std::uint32_t>(values_[node]));
    }
  }

 private:
  std::optional<Node> child(Node node, unsigned char byte) const;

  std::vector<std::map<unsigned char, Node>> build_{1};
  std::vector<std::int64_t> values_{-1};
  std::vector<std::uint32_t> first_edge_;
  std::vector<unsigned char> edge_bytes_;
  std::vector<Node> edge_targets_;
};

}  // namespace hfserve::tokenizer
