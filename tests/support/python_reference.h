// Test helper: runs a reference script under tests/ with the project's virtualenv Python
// (the PyPI reference libraries live there) and hands back what it wrote. Tests compare
// hfserve with these outputs, computed at test time by independent code.
//
// Paths come from the environment CTest gives every test (tests/CMakeLists.txt).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace hfserve::testing {

inline std::string env_or(const char* name) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  throw std::runtime_error(std::string("environment variable ") + name +
                           " is not set (ctest sets it; run the tests through ctest)");
}

inline std::string venv_python() { return env_or("HFSERVE_VENV_PYTHON"); }
inline std::string source_dir() { return env_or("HFSERVE_SOURCE_DIR"); }
inline std::string testdata_dir() { return env_or("HFSERVE_TESTDATA"); }

// The bytes a reference script wrote as hex (how the scripts pass raw, possibly invalid,
// UTF-8 through JSON).
inline std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("hfserve_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `tests/<script> <args>` with the venv's Python; throws with the exit status on failure.
inline void run_reference_script(const std::string& script, const std::string& args) {
  const std::string python = venv_python();
  const std::string source = source_dir();
  const std::string command = "'" + python + "' '" + source + "/tests/" + script + "' " + args;
  const int status = std::system(command.c_str());
  if (status != 0) {
    throw std::runtime_error("reference script failed (" + std::to_string(status) +
                             "): " + command);
  }
}

inline std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::string& path) {
  std::vector<char> bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace hfserve::testing
