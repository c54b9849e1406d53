// Batched encoding over a ThreadPool gives exactly the single-text encodings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../support/python_reference.h"
#include "tokenizer/tokenizer.h"
#include "util/thread_pool.h"

namespace hfserve::tokenizer {
namespace {

TEST(BatchTest, BatchEqualsSingle) {
  const std::string source = hfserve::testing::source_dir();
  const std::string testdata = hfserve::testing::testdata_dir();
  const nlohmann::json corpus =
      nlohmann::json::parse(std::ifstream(source + "/tests/tokenizer/corpus.json"));
  std::vector<std::string> texts;
  for (const auto& hex : corpus["hex"]) {
    std::string h = hex;
    std::string text;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
      text.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    }
    texts.push_back(text);
  }
  ThreadPool pool(4);
  for (const char* name : {"llama3", "bert-base-uncased", "xlnet-base-cased"}) {
    Tokenizer tok = Tokenizer::from_file(testdata + "/tokenizers/" + name + "/tokenizer.json");
    std::vector<Encoding> batch = tok.encode_batch(texts, {}, &pool);
    ASSERT_EQ(batch.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      Encoding single = tok.encode(texts[i]);
      EXPECT_EQ(batch[i].ids, single.ids) << name << " text " << i;
      EXPECT_EQ(batch[i].offsets, single.offsets) << name << " text " << i;
      EXPECT_EQ(batch[i].tokens, single.tokens) << name << " text " << i;
    }
  }
}

}  // namespace
}  // namespace hfserve::tokenizer
