#include "util/resident_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace hfserve {

std::optional<ResidentMemory> resident_memory() {
  std::ifstream status("/proc/self/status");
  std::optional<std::size_t> rss;
  std::optional<std::size_t> hwm;
  for (std::string line; std::getline(status, line);) {
    std::istringstream fields(line);
    std::string key;
    std::size_t kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "VmRSS:") rss = kib * 1024;
    if (key == "VmHWM:") hwm = kib * 1024;
  }
  if (!rss || !hwm) return std::nullopt;
  return ResidentMemory{*rss, *hwm};
}

}  // namespace hfserve
