// How much memory the process holds resident (VmRSS) and the most it has held so far
// (VmHWM), as Linux's /proc/self/status reports them: what a user compares with a
// model's size after a load. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>

namespace hfserve {

struct ResidentMemory {
  std::size_t bytes = 0;
  std::size_t peak_bytes = 0;
};

// nullopt where /proc/self/status cannot be read or lacks the two lines.
std::optional<ResidentMemory> resident_memory();

}  // namespace hfserve
