// MappedFile: a whole file mapped read-only into memory. Weights are read through views
// into such a mapping (zero copy), so the mapping must outlive every view: whoever hands
// out views keeps the MappedFile alive (e.g. in a shared_ptr). Move-only; the bytes are
// immutable, so any thread may read them concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hfserve {

class MappedFile {
 public:
  // Maps `path`. Throws Error: kNotFound when it does not exist, kInvalidArgument when it
  // is a directory, kUnavailable/kInternal for other system failures; the message names
  // the path and the system's reason. An empty file maps to an empty span.
  explicit MappedFile(const std::string& path);
  ~MappedFile();

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

  // Drops the resident pages of [data, data + bytes) (rounded out to whole pages, clipped to
  // the mapping; nothing when the range is not in it), for a caller that keeps its own copy
  // of those bytes. The mapping is private and read-only, so nothing is lost: a later read
  // faults the pages back in from the file.
  void drop_pages(const void* data, std::size_t bytes) const;

 private:
  void release() noexcept;

  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace hfserve
