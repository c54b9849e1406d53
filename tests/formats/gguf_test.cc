// GGUF reading compared key by key and tensor by tensor with gguf-py's GGUFReader
// (tests/formats/gguf_dump.py), on files gguf-py writes at test time, on the real GGUF
// files in the shared testdata and on the demo model; plus refusal of corrupted files.
#include "formats/gguf.h"

#include <gtest/gtest.h>

#include <glob.h>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "../support/python_reference.h"
#include "formats/weight_source.h"
#include "util/error.h"

namespace hfserve::formats {
namespace {

using hfserve::testing::TempDir;
using nlohmann::json;

// gguf-py's view of a value: the type chain of the first element and flattened contents.
void flatten(const GgufValue& value, json& contents) {
  if (const GgufArray* array = value.as_array()) {
    for (const GgufValue& item : array->items) flatten(item, contents);
    return;
  }
  if (const auto* s = value.as_string()) {
    contents.push_back(*s);
  } else if (const auto* b = value.as_bool()) {
    contents.push_back(*b);
  } else if (const auto* u = std::get_if<std::uint64_t>(&value.value)) {
    contents.push_back(*u);
  } else if (const auto* i = std::get_if<std::int64_t>(&value.value)) {
    contents.push_back(*i);
  } else {
    contents.push_back(*value.as_double());
  }
}

json type_chain(const GgufValue& value) {
  json chain = json::array({std::string(gguf_type_name(value.type))});
  if (const GgufArray* array = value.as_array()) {
    if (array->items.empty()) return chain;
    for (const auto& t : type_chain(array->items.front())) chain.push_back(t);
  }
  return chain;
}

json our_dump(const GgufFile& file) {
  json metadata = json::array();
  for (const auto& [key, value] : file.header().metadata) {
    json contents = json::array();
    flatten(value, contents);
    metadata.push_back({key, type_chain(value), value.as_array() ? contents : contents[0]});
  }
  json tensors = json::array();
  for (const GgufTensorInfo& info : file.header().tensors) {
    tensor::TensorView view = file.view(info);
    const std::uint64_t absolute = file.header().data_offset + info.offset;
    std::uint64_t elements = view.num_elements();
    tensors.push_back({info.name, info.ggml_type, info.dims, elements, view.num_bytes(), absolute});
  }
  return {{"metadata", metadata}, {"tensors", tensors}};
}

class GgufTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (dir_ != nullptr) return;
    dir_ = new TempDir("gguf");
    hfserve::testing::run_reference_script("formats/gguf_reference.py", dir_->path().string());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Our reading of `path` equals gguf-py's, entry by entry, and views point at the data.
  static void expect_same_as_gguf_py(const std::string& path) {
    SCOPED_TRACE(path);
    const std::string dump = dir_->file("dump.json");
    hfserve::testing::run_reference_script("formats/gguf_dump.py", "'" + path + "' '" + dump + "'");
    const json expected = json::parse(hfserve::testing::read_text(dump));
    GgufFile file(path);
    const json ours = our_dump(file);
    ASSERT_EQ(ours["metadata"].size(), expected["metadata"].size());
    for (std::size_t i = 0; i < ours["metadata"].size(); ++i) {
      EXPECT_EQ(ours["metadata"][i], expected["metadata"][i]) << "metadata entry " << i;
    }
    ASSERT_EQ(ours["tensors"].size(), expected["tensors"].size());
    for (std::size_t i = 0; i < ours["tensors"].size(); ++i) {
      EXPECT_EQ(ours["tensors"][i], expected["tensors"][i]) << "tensor " << i;
    }
  }

  static std::vector<std::uint8_t> read(const std::string& name) {
    std::vector<char> bytes = hfserve::testing::read_bytes(dir_->file(name));
    return {bytes.begin(), bytes.end()};
  }

  // Parsing `bytes` throws an Error whose message holds `what`.
  static void expect_refused(const std::vector<std::uint8_t>& bytes, const std::string& what,
                             ErrorCode code = ErrorCode::kInvalidArgument) {
    try {
      parse_gguf(bytes, "bad.gguf");
      ADD_FAILURE() << "accepted; expected: " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
    }
  }

  static TempDir* dir_;
};
TempDir* GgufTest::dir_ = nullptr;

std::vector<std::string> glob_paths(const std::string& pattern) {
  glob_t result{};
  std::vector<std::string> paths;
  if (::glob(pattern.c_str(), 0, nullptr, &result) == 0) {
    for (std::size_t i = 0; i < result.gl_pathc; ++i) paths.emplace_back(result.gl_pathv[i]);
  }
  ::globfree(&result);
  return paths;
}

TEST_F(GgufTest, EveryValueAndTensorTypeMatchesGgufPy) {
  expect_same_as_gguf_py(dir_->file("all_types.gguf"));
  GgufFile file(dir_->file("all_types.gguf"));
  EXPECT_EQ(file.header().version, 3u);
  EXPECT_EQ(file.header().alignment, 64u);
  EXPECT_EQ(file.header().data_offset % 64, 0u);
  const GgufValue* nested = file.header().find("test.nested");
  ASSERT_NE(nested, nullptr);
  ASSERT_EQ(nested->as_array()->items.size(), 2u);  // kept nested, unlike gguf-py
  EXPECT_EQ(nested->as_array()->items[1].as_array()->items.size(), 3u);
  EXPECT_EQ(file.header().tensors.size(), 18u);
}

TEST_F(GgufTest, ReadsVersion2) {
  expect_same_as_gguf_py(dir_->file("all_types_v2.gguf"));
  EXPECT_EQ(GgufFile(dir_->file("all_types_v2.gguf")).header().version, 2u);
}

TEST_F(GgufTest, ReadsSplitFilesAsOneSource) {
  for (int part = 1; part <= 3; ++part) {
    expect_same_as_gguf_py(dir_->file("split-0000" + std::to_string(part) + "-of-00003.gguf"));
  }
  auto source = open_gguf_weights(dir_->file("split-00002-of-00003.gguf"));
  EXPECT_EQ(source->names().size(), 5u);
  EXPECT_EQ(source->files().size(), 3u);
  EXPECT_EQ(source->get("blk.4.attn_norm.weight").shape, (std::vector<std::int64_t>{16}));
}

TEST_F(GgufTest, RealLlamaCppVocabFilesMatchGgufPy) {
  const auto paths = glob_paths(hfserve::testing::testdata_dir() + "/llamacpp-vocab/*.gguf");
  ASSERT_GE(paths.size(), 4u);
  for (const std::string& path : paths) expect_same_as_gguf_py(path);
}

TEST_F(GgufTest, Stories260KMatchesGgufPy) {
  expect_same_as_gguf_py(hfserve::testing::testdata_dir() + "/stories260K/stories260K-f32.gguf");
}

TEST_F(GgufTest, DemoModelMatchesGgufPy) {
  const char* home = std::getenv("HOME");
  const auto paths = glob_paths(std::string(home ? home : "") +
                                "/.cache/huggingface/hub/models--QuantFactory--SmolLM2-135M-"
                                "Instruct-GGUF/snapshots/*/SmolLM2-135M-Instruct.Q4_1.gguf");
  if (paths.empty()) GTEST_SKIP() << "demo model not installed (scripts/setup installs it)";
  expect_same_as_gguf_py(paths.front());
}

// Patches `bytes` at the first occurrence of `from` (same length) with `to`.
void patch(std::vector<std::uint8_t>& bytes, const std::string& from, const std::string& to) {
  auto it = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
  ASSERT_NE(it, bytes.end()) << from;
  std::copy(to.begin(), to.end(), it);
}

// The byte offset just after the name of tensor `name` in its tensor info.
std::size_t after_tensor_name(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  auto it = std::search(bytes.begin(), bytes.end(), name.begin(), name.end());
  return static_cast<std::size_t>(it - bytes.begin()) + name.size();
}

template <typename T>
void put(std::vector<std::uint8_t>& bytes, std::size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

TEST_F(GgufTest, RefusesCorruptedFiles) {
  const std::vector<std::uint8_t> good = read("all_types.gguf");
  std::vector<std::uint8_t> bad = good;
  bad[0] = 'X';
  expect_refused(bad, "magic");
  bad = good;
  put<std::uint32_t>(bad, 4, 1);
  expect_refused(bad, "version 1");
  put<std::uint32_t>(bad, 4, 0x03000000);
  expect_refused(bad, "big-endian");
  bad = good;
  put<std::uint64_t>(bad, 16, 1ull << 60);  // metadata count
  expect_refused(bad, "metadata entries, more than the file can hold");
  bad = good;
  put<std::uint64_t>(bad, 8, 1ull << 40);  // tensor count
  expect_refused(bad, "tensors, more than the file can hold");
  bad = good;
  put<std::uint64_t>(bad, 24, 1ull << 50);  // length of the first key
  expect_refused(bad, "more than the file has left");
  bad = good;
  patch(bad, "test.int32", "test.int16");
  expect_refused(bad, "metadata key 'test.int16' appears twice");
  bad = good;
  patch(bad, "plain.f16", "plain.f32");
  expect_refused(bad, "tensor 'plain.f32' appears twice");

  // general.alignment: key, then UINT32 type id, then the value.
  bad = good;
  std::size_t alignment_at = after_tensor_name(bad, "general.alignment") + 4;
  put<std::uint32_t>(bad, alignment_at, 48);
  expect_refused(bad, "general.alignment is not a positive power of two");
  put<std::uint32_t>(bad, alignment_at - 4, 99);
  expect_refused(bad, "unknown value type 99");

  // Tensor info after the name: n_dims u32, dims u64 x n, type u32, offset u64.
  const std::size_t f16_info = after_tensor_name(good, "plain.f16");
  bad = good;
  put<std::uint32_t>(bad, f16_info, 5);
  expect_refused(bad, "tensor 'plain.f16' has 5 dims");
  bad = good;
  put<std::uint32_t>(bad, f16_info + 4 + 16, 9);  // Q8_1
  expect_refused(bad, "ggml type 9 (Q8_1), which hfserve does not read", ErrorCode::kUnsupported);
  bad = good;
  put<std::uint64_t>(bad, f16_info + 4 + 16 + 4, 1ull << 40);
  expect_refused(bad, "tensor 'plain.f16' data [1099511627776, +192) runs past the end");
  bad = good;
  put<std::uint64_t>(bad, f16_info + 4 + 16 + 4, 64);  // plain.f32 holds [0, 384)
  expect_refused(bad, "overlaps tensor 'plain.f32'");
  bad = good;
  put<std::uint64_t>(bad, f16_info + 4 + 16 + 4, 65);
  expect_refused(bad, "is not a multiple of the alignment 64");
  bad = good;
  put<std::uint64_t>(bad, f16_info + 4, 33);  // a row of 33 is fine for F16 ...
  const std::size_t q8_info = after_tensor_name(good, "quant.q8_0");
  put<std::uint64_t>(bad, q8_info + 4, 48);  // ... but not whole Q8_0 blocks
  expect_refused(bad, "tensor 'quant.q8_0' has rows of 48 Q8_0 elements");
}

TEST_F(GgufTest, RefusesEveryTruncation) {
  const std::vector<std::uint8_t> good = read("all_types.gguf");
  GgufHeader header = parse_gguf(good, "good.gguf");
  // Every cut inside the header or any tensor's data must be refused (gguf-py pads the
  // file after the last tensor; cutting padding loses nothing).
  std::uint64_t data_end = 0;
  for (const GgufTensorInfo& info : header.tensors) {
    data_end = std::max(data_end, header.data_offset + info.offset + info.num_bytes);
  }
  ASSERT_LE(data_end, good.size());
  for (std::size_t size = 0; size < data_end; ++size) {
    std::span<const std::uint8_t> prefix(good.data(), size);
    EXPECT_THROW(parse_gguf(prefix, "cut.gguf"), Error) << size;
  }
  EXPECT_EQ(header.tensors.size(), 18u);
}

TEST_F(GgufTest, SplitNamesAreDerivedFromAnyPart) {
  EXPECT_EQ(gguf_split_paths("/m/x-00002-of-00003.gguf"),
            (std::vector<std::string>{"/m/x-00001-of-00003.gguf", "/m/x-00002-of-00003.gguf",
                                      "/m/x-00003-of-00003.gguf"}));
  EXPECT_EQ(gguf_split_paths("/m/model.gguf"), (std::vector<std::string>{"/m/model.gguf"}));
  EXPECT_THROW(gguf_split_paths("/m/x-00004-of-00003.gguf"), Error);
}

}  // namespace
}  // namespace hfserve::formats
