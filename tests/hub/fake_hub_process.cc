#include "fake_hub_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <stdexcept>

#include "hub/http_client.h"
#include "hub/model_ref.h"

extern char** environ;

namespace hfserve::hub::testing {

FakeHubProcess::FakeHubProcess() {
  const char* python = std::getenv("HFSERVE_VENV_PYTHON");
  const char* source = std::getenv("HFSERVE_SOURCE_DIR");
  if (python == nullptr || source == nullptr) {
    throw std::runtime_error(
        "HFSERVE_VENV_PYTHON and HFSERVE_SOURCE_DIR must be set (ctest sets them)");
  }
  const std::string script = std::string(source) + "/tests/hub/fake_hub.py";
  const std::string ready = (std::filesystem::temp_directory_path() /
                             ("hfserve_fake_hub_" + std::to_string(::getpid()) + "_" +
                              std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".json"))
                                .string();
  std::filesystem::remove(ready);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::string ready_flag = "--ready-file";
  std::vector<char*> argv = {const_cast<char*>(python), const_cast<char*>(script.c_str()),
                             ready_flag.data(), const_cast<char*>(ready.c_str()), nullptr};
  const int spawned = posix_spawn(&pid_, python, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[0]);
  stdin_fd_ = pipe_fds[1];
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << python;
    pid_ = -1;
    return;
  }
  for (int i = 0; i < 300 && !std::filesystem::exists(ready); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream in(ready);
  if (!in) {
    ADD_FAILURE() << "the fake Hub did not start within 15 s";
    return;
  }
  const nlohmann::json urls = nlohmann::json::parse(in);
  hub_url_ = urls.at("hub").get<std::string>();
  cdn_url_ = urls.at("cdn").get<std::string>();
  std::filesystem::remove(ready);
}

FakeHubProcess::~FakeHubProcess() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string FakeHubProcess::control(const std::string& path_and_query) {
  HttpRequest request;
  request.url = hub_url_ + path_and_query;
  const HttpResponse response = http_fetch(request);
  EXPECT_EQ(response.status, 200) << path_and_query << ": " << response.transport_error;
  return response.body;
}

void FakeHubProcess::reset() { control("/_fake/reset"); }

void FakeHubProcess::add_fault(const nlohmann::json& fault) {
  const nlohmann::json payload = {{"faults", nlohmann::json::array({fault})}};
  control("/_fake/faults?json=" + url_encode_segment(payload.dump()));
}

nlohmann::json FakeHubProcess::log() { return nlohmann::json::parse(control("/_fake/log")); }

}  // namespace hfserve::hub::testing

namespace hfserve::hub::testing {

nlohmann::json FakeHubProcess::manifest(const std::string& repo_id, const std::string& revision) {
  return nlohmann::json::parse(control("/_fake/manifest?repo=" + url_encode_segment(repo_id) +
                                       "&rev=" + url_encode_segment(revision)));
}

}  // namespace hfserve::hub::testing
