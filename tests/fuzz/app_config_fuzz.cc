// Fuzz target for app/'s config file reader: YAML text through parse_config and
// apply_config onto a command with each kind of option. Any input must end in settings or
// an hfserve::Error, never a crash, a hang or another exception; and no error may show a
// value that came from a secret reference (every ${env:..} here is kSecret).
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/config_apply.h"
#include "app/config_file.h"
#include "util/error.h"

namespace {

constexpr std::string_view kSecret = "fuzzSecretValue";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // ${file:..} would read the fuzzer's paths from disk: only env references are fuzzed.
  if (text.find("${file:") != std::string_view::npos) return 0;
  const hfserve::hub::EnvLookup env = [](const std::string&) -> std::optional<std::string> {
    return std::string(kSecret);
  };
  std::string name;
  std::size_t count = 0;
  double ratio = 0;
  bool flag = false;
  std::vector<std::string> names;
  CLI::App root{"fuzz", "hfserve"};
  root.add_option("--log_level", name);
  CLI::App* command = root.add_subcommand("serve");
  command->add_option("model", name);
  command->add_option("--http_port,--port", count)->check(CLI::Range(0, 65535));
  command->add_option("--memory_utilization", ratio);
  command->add_option("--hf_token", name);
  command->add_flag("--offline", flag);
  command->add_option("--model_name", names);
  root.parse(std::vector<std::string>{"serve"});
  try {
    hfserve::app::apply_config(hfserve::app::parse_config(text, "fuzz.yaml", env), *command);
  } catch (const hfserve::Error& error) {
    HFSERVE_CHECK(text.find(kSecret) != std::string_view::npos ||
                  error.message().find(kSecret) == std::string::npos);
  }
  return 0;
}
