#include "hub/token.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "util/error.h"

namespace hfserve::hub {
namespace {

namespace fs = std::filesystem;

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hfserve_token_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "home");
    settings_.hf_home = dir_ / "home";
  }
  void TearDown() override { fs::remove_all(dir_); }

  EnvLookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }
  void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  std::string found(const std::optional<std::string>& configured = std::nullopt) {
    TokenSource source = discover_token(configured, settings_, env());
    return source.token ? source.token->reveal() + " from " + source.source : "none";
  }

  fs::path dir_;
  HubSettings settings_;
  std::map<std::string, std::string> vars_;
};

// The order of issue 3: flag/config, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HF_HUB_TOKEN, the
// HF_TOKEN_PATH file, $HF_HOME/token. Each step is removed in turn.
TEST_F(TokenTest, FollowsTheDocumentedOrder) {
  write(settings_.hf_home / "token", "  tok_home\n");
  write(dir_ / "path_token", "tok_path\n");
  vars_ = {{"HF_TOKEN", " tok_env "},
           {"HUGGING_FACE_HUB_TOKEN", "tok_legacy"},
           {"HF_HUB_TOKEN", "tok_hub"},
           {"HF_TOKEN_PATH", (dir_ / "path_token").string()}};
  EXPECT_EQ(found("\ttok_flag\n"), "tok_flag from --hf_token");
  EXPECT_EQ(found(), "tok_env from HF_TOKEN");
  vars_.erase("HF_TOKEN");
  EXPECT_EQ(found(), "tok_legacy from HUGGING_FACE_HUB_TOKEN");
  vars_.erase("HUGGING_FACE_HUB_TOKEN");
  EXPECT_EQ(found(), "tok_hub from HF_HUB_TOKEN");
  vars_.erase("HF_HUB_TOKEN");
  EXPECT_EQ(found(),
            "tok_path from the file at HF_TOKEN_PATH (" + (dir_ / "path_token").string() + ")");
  vars_.erase("HF_TOKEN_PATH");
  EXPECT_EQ(found(), "tok_home from the file " + (settings_.hf_home / "token").string());
  fs::remove(settings_.hf_home / "token");
  EXPECT_EQ(found(), "none");
}

// app/ says which of the flag and the config file gave the value; the log repeats it.
TEST_F(TokenTest, NamesTheConfiguredSourceItIsGiven) {
  vars_ = {{"HF_TOKEN", "tok_env"}};
  const TokenSource source =
      discover_token(" tok_config ", settings_, env(), "token in hfserve.yaml line 3");
  ASSERT_TRUE(source.token);
  EXPECT_EQ(source.token->reveal(), "tok_config");
  EXPECT_EQ(source.source, "token in hfserve.yaml line 3");
}

TEST_F(TokenTest, EmptyValuesCountAsUnset) {
  vars_ = {{"HF_TOKEN", "  \n"}, {"HF_HUB_TOKEN", "tok"}};
  EXPECT_EQ(found(""), "tok from HF_HUB_TOKEN");
}

// A token with a newline inside could inject an HTTP header; the error never shows it.
TEST_F(TokenTest, RefusesHeaderInjectionWithoutQuotingTheToken) {
  vars_ = {{"HF_TOKEN", "hf_secret\r\nX-Evil: 1"}};
  try {
    found();
    ADD_FAILURE() << "accepted";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).find("hf_secret"), std::string::npos);
  }
}

TEST(HubSettingsTest, DefaultsAndPrecedenceLikeHuggingfaceHub) {
  std::map<std::string, std::string> vars = {{"HOME", "/home/u"}};
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
  HubSettings settings = HubSettings::from_environment(env);
  EXPECT_EQ(settings.endpoint, "https://huggingface.co");
  EXPECT_EQ(settings.cache_dir, "/home/u/.cache/huggingface/hub");
  EXPECT_FALSE(settings.offline);
  vars["XDG_CACHE_HOME"] = "/xdg";
  EXPECT_EQ(HubSettings::from_environment(env).cache_dir, "/xdg/huggingface/hub");
  vars["HF_HOME"] = "/hf";
  EXPECT_EQ(HubSettings::from_environment(env).cache_dir, "/hf/hub");
  vars["HF_HUB_CACHE"] = "/cache";
  vars["HF_ENDPOINT"] = "http://127.0.0.1:1234/";
  vars["HF_HUB_OFFLINE"] = "True";
  settings = HubSettings::from_environment(env);
  EXPECT_EQ(settings.cache_dir, "/cache");
  EXPECT_EQ(settings.endpoint, "http://127.0.0.1:1234");
  EXPECT_TRUE(settings.offline);
  vars["HF_ENDPOINT"] = "ftp://x";
  EXPECT_THROW(HubSettings::from_environment(env), Error);
}

}  // namespace
}  // namespace hfserve::hub
