// LevelDbStore: the default, persistent Store: an embedded LevelDB database in one directory
// (no server). The port of hb_store_rocksdb with its scaling and atomicity fixes: the
// physical layout is KvStore's (type-tagged node records, one key per group member, so writes
// stay O(log n) however large a group grows), and every Apply is one atomic LevelDB WriteBatch,
// synced when WriteOptions::sync is set.
//
// Opening:
//   * a directory that another open LevelDbStore (in this or another process) holds gives
//     IOError "... is in use by another node ..." (LevelDB's LOCK file), never a crash;
//   * a corrupted or unreadable directory gives Corruption or IOError naming the directory;
//   * a non-empty directory that is not a LevelDB database, or a LevelDB database that is not
//     an aocore store, is refused (Corruption) rather than written into.
// This header does not mention LevelDB types (pimpl): leveldb_store.cc and leveldb_env.cc are
// the only translation units that include <leveldb/*>; only leveldb_env.cc subclasses LevelDB
// types, compiled without RTTI (Debian builds LevelDB without it).
// Memory: table files are read with pread, not mmap (leveldb_env.h), so the resident set is
// bounded by the block cache and memtable sizes below, not by the size of the database.
//
// Thread-safety: safe for concurrent use. Close() may race with other calls: calls that start
// after it return Closed; calls already running finish against the database, which is closed
// (and its LOCK released) when the last of them returns.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "aocore/store/kv_store.h"

namespace ao {

struct LevelDbStoreOptions {
  // Create the directory and database when missing. Default: true.
  bool create_if_missing = true;
  // LevelDB's paranoid_checks: report any detected corruption as an error instead of trying to
  // carry on. Default: false (LevelDB's default; a torn log tail after a crash is skipped).
  bool paranoid_checks = false;
  // LevelDB block cache, bytes. Default: 32 MiB.
  size_t block_cache_bytes = 32 << 20;
  // LevelDB memtable size, bytes. Default: 8 MiB.
  size_t write_buffer_bytes = 8 << 20;
};

class LevelDbStore final : public KvStore {
 public:
  // Opens (or creates) the store in directory `path`. Errors as described above.
  static Result<std::unique_ptr<LevelDbStore>> Open(const std::string& path,
                                                    const LevelDbStoreOptions& options = {});
  ~LevelDbStore() override;

  Status Close() override;
  std::string Describe() const override { return "leveldb:" + path_; }
  const std::string& path() const { return path_; }

  // Test hook: how many batches were committed with sync.
  uint64_t TEST_synced_commits() const { return synced_commits_.load(); }

  struct Impl;  // public only so leveldb_store.cc's helpers can name it

 protected:
  Result<std::optional<std::string>> KvGet(std::string_view key) override;
  Result<std::vector<KvEntry>> KvScan(std::string_view lower, std::string_view upper, bool reverse,
                                      size_t limit) override;
  Status KvCommit(const std::vector<KvWrite>& writes, bool sync) override;

 private:
  LevelDbStore(std::string path, std::shared_ptr<Impl> impl);
  Result<std::shared_ptr<Impl>> Acquire();

  const std::string path_;
  std::atomic<uint64_t> synced_commits_{0};
  std::mutex mu_;  // leaf lock: guards impl_ only, never held across a LevelDB call
  std::shared_ptr<Impl> impl_;  // guarded by mu_; null once closed
};

}  // namespace ao
