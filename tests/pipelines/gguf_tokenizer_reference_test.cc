// The demo model's GGUF tokenizer (SmolLM2-135M-Instruct, byte-level BPE with the
// "smollm" pre-tokenizer) against transformers' own GGUF tokenizer conversion
// (tests/pipelines/gguf_tokenizer_reference.py, run at test time, with the model's own
// digit-splitting pre-tokenizer put back, see there) on a varied corpus: ids and decodes
// must be identical. Skipped, saying why, when the demo model is not in
// the Hugging Face cache; the corpus and the reference script must be there.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "../support/python_reference.h"
#include "pipelines/gguf_tokenizer.h"

namespace hfserve::pipelines {
namespace {

namespace fs = std::filesystem;

// The demo model in the Hugging Face cache (HF_HUB_CACHE, else HF_HOME/hub, else
// ~/.cache/huggingface/hub), any snapshot.
std::optional<std::string> demo_model() {
  fs::path hub;
  if (const char* cache = std::getenv("HF_HUB_CACHE"); cache != nullptr && *cache != '\0') {
    hub = cache;
  } else if (const char* home = std::getenv("HF_HOME"); home != nullptr && *home != '\0') {
    hub = fs::path(home) / "hub";
  } else if (const char* user = std::getenv("HOME"); user != nullptr) {
    hub = fs::path(user) / ".cache/huggingface/hub";
  }
  fs::path snapshots = hub / "models--QuantFactory--SmolLM2-135M-Instruct-GGUF" / "snapshots";
  std::error_code ec;
  if (!fs::is_directory(snapshots, ec)) return std::nullopt;
  for (const auto& snapshot : fs::directory_iterator(snapshots, ec)) {
    fs::path file = snapshot.path() / "SmolLM2-135M-Instruct.Q4_1.gguf";
    if (fs::exists(file, ec)) return file.string();
  }
  return std::nullopt;
}

TEST(GgufTokenizerReferenceTest, DemoModelMatchesTransformersGgufConversion) {
  const std::optional<std::string> model = demo_model();
  if (!model) GTEST_SKIP() << "the demo model SmolLM2-135M-Instruct.Q4_1.gguf is not in the cache";
  hfserve::testing::TempDir dir("gguf_tokenizer_reference");
  const std::string out = dir.file("expected.json");
  hfserve::testing::run_reference_script("pipelines/gguf_tokenizer_reference.py",
                                         "'" + *model + "' '" + hfserve::testing::source_dir() +
                                             "/tests/tokenizer/corpus.json' '" + out + "'");
  const nlohmann::json expected = nlohmann::json::parse(std::ifstream(out));

  formats::GgufFile file(*model);
  tokenizer::Tokenizer tok = tokenizer_from_gguf(file.header());
  for (const auto& e : expected["results"]) {
    const std::string text = hfserve::testing::from_hex(e["hex"]);
    SCOPED_TRACE("text hex: " + e["hex"].get<std::string>());
    const auto ids = e["ids"].get<std::vector<std::uint32_t>>();
    EXPECT_EQ(tok.encode(text, {.add_special_tokens = false}).ids, ids);
    // The file says add_bos_token = false, and llama.cpp adds nothing; transformers'
    // conversion ignores that flag and adds its BOS, <|im_start|> (id 1).
    EXPECT_EQ(tok.encode(text).ids, ids);
    auto with_bos = ids;
    with_bos.insert(with_bos.begin(), 1);
    EXPECT_EQ(e["ids_special"].get<std::vector<std::uint32_t>>(), with_bos);
    EXPECT_EQ(tok.decode(ids, false), e["decode"].get<std::string>());
    EXPECT_EQ(tok.decode(ids, true), e["decode_skip"].get<std::string>());
  }
}

}  // namespace
}  // namespace hfserve::pipelines
