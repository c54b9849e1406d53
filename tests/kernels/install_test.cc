#include "kernels/install.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "kernels/cpu_features.h"
#include "util/error.h"

namespace hfserve::kernels {
namespace {

// The kernel's own view of the CPU (/proc/cpuinfo flags) is the independent reference:
// a feature we detect must be one Linux reports too.
TEST(CpuFeaturesTest, AgreesWithProcCpuinfo) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  }
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags here";
  auto has = [&](const char* flag) {
    return flags.find(std::string(" ") + flag + " ") != std::string::npos;
  };
  const CpuFeatures& cpu = cpu_features();
  EXPECT_EQ(cpu.avx2, has("avx2") && has("fma") && has("f16c")) << flags;
  EXPECT_EQ(cpu.avx512, has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq"));
  EXPECT_EQ(cpu.avx512_vnni, cpu.avx512 && has("avx512_vnni"));
  EXPECT_EQ(cpu.amx_int8, has("amx_tile") && has("amx_int8"));
}

TEST(InstallTest, InstallsTheBestVariantByDefault) {
  Isa best = supported_isas().back();
  EXPECT_EQ(install(), best);
  EXPECT_EQ(std::string(tensor::kernel_table().isa), isa_name(best));
  EXPECT_EQ(install(Isa::kScalar), Isa::kScalar);
  EXPECT_STREQ(tensor::kernel_table().isa, "scalar");
}

TEST(InstallTest, RefusesWhatTheCpuCannotRun) {
  if (cpu_features().avx512) GTEST_SKIP() << "this CPU runs every variant";
  try {
    table_for(Isa::kAvx512);
    FAIL() << "built an AVX-512 table on a CPU without AVX-512";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnsupported);
    EXPECT_NE(error.message().find("it can run: scalar"), std::string::npos) << error.message();
  }
}

TEST(InstallTest, ParsesVariantNames) {
  EXPECT_EQ(parse_isa("avx2"), Isa::kAvx2);
  EXPECT_THROW(parse_isa("neon"), Error);
}

}  // namespace
}  // namespace hfserve::kernels
