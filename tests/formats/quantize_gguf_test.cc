// `hfserve quantize`'s core: the stories260K F32 GGUF (rows of 64 and 172) and a gguf-py
// written F32/F16/BF16 model (rows of 512) quantised to each target, then
// checked by gguf-py alone (tests/formats/quantize_check.py): it must read the file, find
// the metadata and shapes unchanged, and (Q8_0, Q4_0) the exact bytes of
// gguf.quants.quantize.
#include "formats/quantize_gguf.h"

#include <gtest/gtest.h>

#include "../support/python_reference.h"
#include "formats/gguf.h"
#include "util/error.h"

namespace hfserve::formats {
namespace {

class QuantizeGgufTest : public ::testing::TestWithParam<const char*> {};

void quantize_and_check(const std::string& source, const std::string& type,
                        const hfserve::testing::TempDir& dir) {
  SCOPED_TRACE(source);
  const std::string output = dir.file("out.gguf");
  const tensor::DType target = type == "Q8_0"   ? tensor::DType::kQ8_0
                               : type == "Q4_0" ? tensor::DType::kQ4_0
                                                : tensor::DType::kQ4_K;
  const QuantizeReport report = quantize_gguf(source, output, target);
  EXPECT_LT(report.bytes_out, report.bytes_in);
  EXPECT_FALSE(std::filesystem::exists(output + ".incomplete"));
  GgufFile written(output);  // and our own reader accepts it
  EXPECT_EQ(written.header().tensors.size(), report.quantised + report.copied);
  hfserve::testing::run_reference_script("formats/quantize_check.py",
                                         "'" + source + "' '" + output + "' " + type);
}

TEST_P(QuantizeGgufTest, GgufPyReadsAndAgrees) {
  const std::string type = GetParam();
  hfserve::testing::TempDir dir("quantize_" + type);
  hfserve::testing::run_reference_script("formats/gguf_reference.py", dir.path().string());
  quantize_and_check(dir.file("float_model.gguf"), type, dir);
  if (type != "Q4_K") {  // stories260K's rows (64, 172) are not whole 256-element blocks
    quantize_and_check(hfserve::testing::testdata_dir() + "/stories260K/stories260K-f32.gguf", type,
                       dir);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, QuantizeGgufTest, ::testing::Values("Q8_0", "Q4_0", "Q4_K"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST(QuantizeGgufErrors, RefusesOtherTargets) {
  EXPECT_THROW(quantize_gguf("in.gguf", "out.gguf", tensor::DType::kQ6_K), Error);
}

}  // namespace
}  // namespace hfserve::formats
