#include "util/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "util/error.h"

namespace hfserve {
namespace {

namespace fs = std::filesystem;

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hfserve_mapped_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<char>& bytes) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
    return path.string();
  }

  fs::path dir_;
};

// The mapping must show exactly the bytes the C++ streams library reads from the file.
TEST_F(MappedFileTest, MapsTheBytesThatStreamsRead) {
  std::mt19937 rng(7);
  std::vector<char> bytes(1 << 20 | 123);
  for (char& b : bytes) b = static_cast<char>(rng());
  std::string path = write("random.bin", bytes);

  std::ifstream in(path, std::ios::binary);
  std::vector<char> expected((std::istreambuf_iterator<char>(in)), {});

  MappedFile file(path);
  ASSERT_EQ(file.size(), expected.size());
  EXPECT_TRUE(
      std::equal(expected.begin(), expected.end(), reinterpret_cast<const char*>(file.data())));
  EXPECT_EQ(file.path(), path);
}

// Dropping pages loses nothing: every byte reads back as the file holds it, for a range
// that starts and ends inside pages, the whole file, and ranges outside the mapping
// (ignored).
TEST_F(MappedFileTest, DroppedPagesReadBackFromTheFile) {
  std::mt19937 rng(11);
  std::vector<char> bytes(3 * 4096 * 7 + 55);
  for (char& b : bytes) b = static_cast<char>(rng());
  MappedFile file(write("drop.bin", bytes));
  auto same = [&] {
    return std::equal(bytes.begin(), bytes.end(), reinterpret_cast<const char*>(file.data()));
  };
  ASSERT_TRUE(same());
  file.drop_pages(file.data() + 5000, 3 * 4096);
  EXPECT_TRUE(same());
  file.drop_pages(file.data(), file.size());
  EXPECT_TRUE(same());
  std::vector<char> elsewhere(64);
  file.drop_pages(elsewhere.data(), elsewhere.size());
  file.drop_pages(file.data() + file.size() - 10, 20);
  EXPECT_TRUE(same());
}

TEST_F(MappedFileTest, EmptyFileIsAnEmptySpan) {
  MappedFile file(write("empty.bin", {}));
  EXPECT_EQ(file.size(), 0u);
  EXPECT_TRUE(file.bytes().empty());
}

TEST_F(MappedFileTest, MissingFileIsNotFoundAndNamesThePath) {
  std::string path = (dir_ / "absent.safetensors").string();
  try {
    MappedFile file(path);
    FAIL() << "mapping a missing file succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
    EXPECT_NE(error.message().find(path), std::string::npos) << error.message();
  }
}

TEST_F(MappedFileTest, DirectoryIsRefused) {
  try {
    MappedFile file(dir_.string());
    FAIL() << "mapping a directory succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(MappedFileTest, MoveTransfersTheMapping) {
  MappedFile first(write("a.bin", {'a', 'b', 'c'}));
  const std::uint8_t* data = first.data();
  MappedFile second(std::move(first));
  EXPECT_EQ(second.data(), data);
  EXPECT_EQ(second.size(), 3u);
  EXPECT_EQ(first.size(), 0u);  // NOLINT(bugprone-use-after-move): the moved-from state is API
}

}  // namespace
}  // namespace hfserve
