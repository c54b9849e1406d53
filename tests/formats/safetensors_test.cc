// safetensors reading against files the PyPI `safetensors` package writes at test time
// (tests/formats/safetensors_reference.py), and refusal of hand-corrupted files.
#include "formats/safetensors.h"

#include <gtest/gtest.h>

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

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (dir_ == nullptr) {
      dir_ = new TempDir("safetensors");
      hfserve::testing::run_reference_script("formats/safetensors_reference.py",
                                             dir_->path().string());
    }
    expected_ = json::parse(hfserve::testing::read_text(dir_->file("expected.json")));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Every tensor the reference wrote is there with its dtype, shape and exact bytes.
  static void expect_matches(const WeightSource& source, const json& expected) {
    EXPECT_EQ(source.names().size(), expected["tensors"].size());
    for (const auto& [name, want] : expected["tensors"].items()) {
      SCOPED_TRACE(name);
      auto view = source.find(name);
      ASSERT_TRUE(view.has_value());
      EXPECT_EQ(tensor::dtype_name(view->dtype), want["dtype"].get<std::string>());
      EXPECT_EQ(json(view->shape), want["shape"]);
      EXPECT_EQ(to_hex(view->bytes(), view->num_bytes()), want["hex"].get<std::string>());
    }
  }

  // A file from a header text and `data_bytes` zero bytes of data.
  std::string make_file(const std::string& name, const std::string& header,
                        std::size_t data_bytes = 0, std::uint64_t claimed_length = 0) {
    std::string bytes(8, '\0');
    std::uint64_t length = claimed_length != 0 ? claimed_length : header.size();
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    bytes += header;
    bytes += std::string(data_bytes, '\0');
    const std::string path = dir_->file(name);
    hfserve::testing::write_bytes(path, bytes);
    return path;
  }

  // Opening `path` throws kInvalidArgument whose message names the file and holds `what`.
  static void expect_refused(const std::string& path, const std::string& what) {
    try {
      open_safetensors(path);
      ADD_FAILURE() << path << " was accepted; expected: " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(e.message().find(std::filesystem::path(path).filename().string()),
                std::string::npos)
          << e.message();
      EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
    }
  }

  static TempDir* dir_;
  json expected_;
};
TempDir* SafetensorsTest::dir_ = nullptr;

TEST_F(SafetensorsTest, ReadsEveryDtypeTheFormatDefines) {
  auto source = open_safetensors(dir_->file("all_dtypes.safetensors"));
  expect_matches(*source, expected_["all_dtypes.safetensors"]);
  SafetensorsFile file(dir_->file("all_dtypes.safetensors"));
  EXPECT_EQ(json(file.header().metadata), expected_["all_dtypes.safetensors"]["metadata"]);
  EXPECT_EQ(file.header().tensors.size(), 12u);
}

TEST_F(SafetensorsTest, ViewsPointIntoTheMapping) {
  SafetensorsFile file(dir_->file("numpy.safetensors"));
  const std::uint8_t* begin = file.mapping()->data();
  for (const SafetensorsTensor& tensor : file.header().tensors) {
    tensor::TensorView view = file.view(tensor);
    EXPECT_EQ(view.bytes(), begin + file.header().data_offset + tensor.begin);
  }
  expect_matches(*open_safetensors(dir_->file("numpy.safetensors")),
                 expected_["numpy.safetensors"]);
}

TEST_F(SafetensorsTest, ReadsAShardedCheckpointThroughItsIndex) {
  auto from_folder = open_safetensors(dir_->file("sharded"));
  expect_matches(*from_folder, expected_["sharded"]);
  EXPECT_EQ(from_folder->files().size(), 2u);
  auto from_index = open_safetensors(dir_->file("sharded/model.safetensors.index.json"));
  expect_matches(*from_index, expected_["sharded"]);
  EXPECT_EQ(from_index->get("lm_head.weight").shape, (std::vector<std::int64_t>{32, 4}));
  EXPECT_THROW(from_index->get("missing.weight"), Error);
}

TEST_F(SafetensorsTest, ConvertsToF32OnRequest) {
  auto source = open_safetensors(dir_->file("sharded"));
  std::vector<float> up = source->to_f32("model.layers.0.mlp.up_proj.weight");
  EXPECT_EQ(up.size(), 32u);
  auto positions = open_safetensors(dir_->file("numpy.safetensors"));
  EXPECT_THROW(positions->to_f32("positions"), Error);  // I64 has no F32 conversion
}

const char* kTensorA = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

TEST_F(SafetensorsTest, RefusesHostileFiles) {
  expect_refused(make_file("short.safetensors", "").substr(0), "header does not start");
  hfserve::testing::write_bytes(dir_->file("tiny.safetensors"), "abc");
  expect_refused(dir_->file("tiny.safetensors"), "less than the 8-byte header length");
  expect_refused(make_file("past_end.safetensors", "{}", 0, 1000), "runs past the end of the file");
  expect_refused(make_file("huge.safetensors", "{}", 0, 1ull << 40), "limit");
  expect_refused(make_file("json.safetensors", "{\"a\":"), "invalid JSON");
  expect_refused(make_file("array.safetensors", "[1]"), "header does not start with '{'");
  expect_refused(make_file("range.safetensors", std::string("{") + kTensorA + "}", 4),
                 "tensor 'a': data_offsets [0, 8] run past the end");
  expect_refused(make_file("overlap.safetensors",
                           std::string("{") + kTensorA +
                               R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           12),
                 "tensor 'b': data [4, 12) overlaps tensor 'a'");
  expect_refused(make_file("gap.safetensors",
                           std::string("{") + kTensorA +
                               R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                           16),
                 "tensor 'b': data begins at 12 but the previous data ends at 8");
  expect_refused(make_file("trailing.safetensors", std::string("{") + kTensorA + "}", 9),
                 "data section has 9 bytes");
  expect_refused(make_file("mismatch.safetensors",
                           R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
                 "tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets [0,8] span 8");
  expect_refused(make_file("dtype.safetensors",
                           R"({"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", 8),
                 "tensor 'a': unknown dtype 'F17'");
  expect_refused(
      make_file("dup.safetensors", std::string("{") + kTensorA + "," + kTensorA + "}", 8),
      "key 'a' appears twice");
  expect_refused(make_file("negative.safetensors",
                           R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
                 "tensor 'a': shape [-2] has a dimension");
  expect_refused(make_file("backwards.safetensors",
                           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8),
                 "end before they begin");
  expect_refused(
      make_file("overflow.safetensors",
                R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
      "tensor 'a'");
  expect_refused(make_file("metadata.safetensors", R"({"__metadata__":{"k":1}})"),
                 "__metadata__ value of 'k'");
}

TEST_F(SafetensorsTest, RefusesEveryTruncationOfARealFile) {
  std::vector<char> bytes = hfserve::testing::read_bytes(dir_->file("all_dtypes.safetensors"));
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    std::span<const std::uint8_t> prefix(reinterpret_cast<const std::uint8_t*>(bytes.data()), size);
    EXPECT_THROW(parse_safetensors(prefix, "cut.safetensors"), Error) << size;
  }
}

TEST_F(SafetensorsTest, RefusesAHostileIndex) {
  namespace fs = std::filesystem;
  const fs::path folder = dir_->path() / "bad_index";
  fs::create_directories(folder);
  for (const char* shard :
       {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
    fs::copy_file(dir_->path() / "sharded" / shard, folder / shard,
                  fs::copy_options::overwrite_existing);
  }
  auto write_index = [&](const std::string& text) {
    hfserve::testing::write_bytes((folder / "model.safetensors.index.json").string(), text);
    return folder.string();
  };
  auto expect_index_refused = [&](const std::string& text, const std::string& what) {
    try {
      open_safetensors(write_index(text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
    }
  };
  expect_index_refused(
      R"({"weight_map":{"lm_head.weight":"../sharded/model-00002-of-00002.safetensors"}})",
      "not a plain file name");
  expect_index_refused(
      R"({"weight_map":{"lm_head.weight":"model-00001-of-00002.safetensors"}})",
      "tensor 'lm_head.weight' is listed in shard 'model-00001-of-00002.safetensors'");
  expect_index_refused(R"({"metadata":{}})", "no \"weight_map\"");
  expect_index_refused(R"({"weight_map":{"lm_head.weight":7}})", "is not a file name");
}

}  // namespace
}  // namespace hfserve::formats
