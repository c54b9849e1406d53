// HubCache: the Hugging Face hub cache on disk, in huggingface_hub's exact layout, so the
// Python tools and hfserve share one cache:
//   <root>/models--<org>--<name>/blobs/<sha256 or git-sha1>          file contents
//   <root>/models--<org>--<name>/snapshots/<commit>/<path>           -> ../../blobs/<hash>
//   <root>/models--<org>--<name>/refs/<revision>                     the commit, no newline
//   <root>/.locks/models--<org>--<name>/<hash>.lock                  per-blob download lock
// Callers pass ids, revisions and paths already checked (model_ref.h); this class checks
// again what it reads back from disk (a ref's content). Every write is a temporary name
// then rename, so a reader never sees a half-written ref or link.
// Thread-safe: it holds only the root path; concurrent pulls coordinate by the blob lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hub/file_selection.h"

namespace hfserve::hub {

struct CachedSnapshot {
  std::string repo_id;
  std::string commit;
  std::vector<std::string> refs;  // revisions under refs/ that name this commit
  std::int64_t size_bytes = 0;    // of the distinct blobs its files point to
  // Latest access time of those blobs; min() when unknown.
  std::filesystem::file_time_type last_used = std::filesystem::file_time_type::min();
  int file_count = 0;
};

class HubCache {
 public:
  explicit HubCache(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  // "org/name" -> <root>/models--org--name
  std::filesystem::path repo_dir(const std::string& repo_id) const;
  std::filesystem::path blob_path(const std::string& repo_id, const std::string& blob) const;
  std::filesystem::path lock_path(const std::string& repo_id, const std::string& blob) const;
  std::filesystem::path snapshot_dir(const std::string& repo_id, const std::string& commit) const;

  // The commit refs/<revision> names, or nullopt when there is no such ref. Throws
  // Error(kInternal) naming the file when it holds something else than a 40-hex commit.
  std::optional<std::string> read_ref(const std::string& repo_id,
                                      const std::string& revision) const;
  void write_ref(const std::string& repo_id, const std::string& revision,
                 const std::string& commit) const;

  // Makes snapshots/<commit>/<path> a relative symlink to blobs/<blob>, replacing any
  // link that was there.
  void link_snapshot_file(const std::string& repo_id, const std::string& commit,
                          const std::string& path, const std::string& blob) const;
  // True when snapshots/<commit>/<path> exists and leads to a regular file.
  bool snapshot_has(const std::string& repo_id, const std::string& commit,
                    const std::string& path) const;
  // The files of a snapshot (paths relative to it, sizes of what they lead to).
  std::vector<RepoFile> snapshot_files(const std::string& repo_id, const std::string& commit) const;

  // Every snapshot of every model in the cache, sorted by repo id then commit.
  std::vector<CachedSnapshot> list() const;

  // Removes one snapshot (revision = a ref name or a commit) with the refs naming it and
  // the blobs no other snapshot uses, or the whole model when `revision` is empty.
  // Returns the bytes freed. Throws Error(kNotFound) when there is nothing to remove.
  std::int64_t remove(const std::string& repo_id, const std::string& revision) const;

 private:
  std::filesystem::path root_;
};

}  // namespace hfserve::hub
