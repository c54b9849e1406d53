// Runs tests/hub/fake_hub.py (the fake Hub and its CDN) in a child process for a test
// suite, and talks to its control endpoints. The child exits when its stdin closes, so it
// never outlives the test binary.
#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

namespace hfserve::hub::testing {

class FakeHubProcess {
 public:
  FakeHubProcess();  // starts it and waits until it listens; aborts the test on failure
  ~FakeHubProcess();
  FakeHubProcess(const FakeHubProcess&) = delete;
  FakeHubProcess& operator=(const FakeHubProcess&) = delete;

  const std::string& hub_url() const { return hub_url_; }
  const std::string& cdn_url() const { return cdn_url_; }

  // Clears the faults and the request log.
  void reset();
  // Adds faults (see fake_hub.py), e.g. {{"match","model.safetensors"},{"kind","drop"}}.
  void add_fault(const nlohmann::json& fault);
  // Every request the fake saw since the last reset.
  nlohmann::json log();
  // {"commit": sha, "files": {path: {"sha256": hex, "size": n}}}, computed by Python.
  nlohmann::json manifest(const std::string& repo_id, const std::string& revision = "main");

 private:
  std::string control(const std::string& path_and_query);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string hub_url_;
  std::string cdn_url_;
};

// Tokens fake_hub.py knows (kept in step with it).
inline constexpr const char* kValidToken = "hf_fakeValidTokenDoNotLeak0123456789";
inline constexpr const char* kGatedToken = "hf_fakeGatedTokenDoNotLeak9876543210";

}  // namespace hfserve::hub::testing
