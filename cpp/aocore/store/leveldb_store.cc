// The only translation unit that includes LevelDB headers (STYLE.md rule 39).
#include "aocore/store/leveldb_store.h"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/status.h>
#include <leveldb/write_batch.h>

#include "aocore/common/logging.h"
#include "aocore/store/leveldb_env.h"
#include "aocore/store/leveldb_log_tail.h"

namespace ao {

// Owns the database and the objects its Options point at. Members are destroyed in reverse
// order, so the DB goes before the cache and filter policy it uses.
struct LevelDbStore::Impl {
  EnvPtr env;
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy;
  std::unique_ptr<leveldb::Cache> block_cache;
  std::unique_ptr<leveldb::DB> db;
};

namespace {

namespace fs = std::filesystem;

// Value of the format marker key: bump when the physical layout changes incompatibly.
constexpr std::string_view kFormatMarker = "aocore-store/1";

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

Status FromLevelDb(const leveldb::Status& s, const std::string& context) {
  if (s.ok()) return Status::OK();
  const std::string msg = context + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsIOError()) return Status::IOError(msg);
  if (s.IsInvalidArgument() || s.IsNotSupportedError()) return Status::InvalidArgument(msg);
  return Status::Internal(msg);
}

// Open-time errors get a message that says what is wrong with the directory.
Status OpenError(const leveldb::Status& s, const std::string& path) {
  const std::string detail = s.ToString();
  if (s.IsIOError() && detail.find("lock ") != std::string::npos &&
      detail.find("/LOCK") != std::string::npos) {
    return Status::IOError("store '" + path +
                           "' is in use by another node (its LevelDB LOCK is held): " + detail);
  }
  if (s.IsCorruption()) {
    return Status::Corruption("store '" + path + "' is corrupted: " + detail);
  }
  if (s.IsNotFound()) {
    return Status::Corruption("store '" + path + "' is incomplete or corrupted: " + detail);
  }
  return FromLevelDb(s, "cannot open store '" + path + "'");
}

// Refuses paths LevelDB would misuse: a file, or a non-empty directory that holds no database
// (LevelDB would silently create a new database among the foreign files).
Status CheckDirectory(const std::string& path, bool create_if_missing) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IOError("cannot access store '" + path + "': " + ec.message());
  }
  if (!fs::exists(st)) {
    if (!create_if_missing) return Status::NotFound("no store at '" + path + "'");
    fs::create_directories(path, ec);
    if (ec) return Status::IOError("cannot create store '" + path + "': " + ec.message());
    return Status::OK();
  }
  if (!fs::is_directory(st)) {
    return Status::InvalidArgument("store path '" + path + "' is not a directory");
  }
  bool has_current = fs::exists(fs::path(path) / "CURRENT", ec);
  if (ec) return Status::IOError("cannot access store '" + path + "': " + ec.message());
  if (has_current) return Status::OK();
  fs::directory_iterator it(path, ec);
  if (ec) return Status::IOError("cannot list store '" + path + "': " + ec.message());
  if (it != fs::directory_iterator()) {
    return Status::Corruption("store '" + path +
                              "' is a non-empty directory without a LevelDB database "
                              "(no CURRENT file); refusing to use it");
  }
  return Status::OK();
}

// Checks (or, in a fresh database, writes) the format marker.
Status CheckFormat(leveldb::DB* db, const std::string& path) {
  const std::string marker_key(1, KvStore::kMetaPrefix);
  std::string marker;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), marker_key, &marker);
  if (s.ok()) {
    if (marker == kFormatMarker) return Status::OK();
    return Status::Corruption("store '" + path + "' has an unsupported format marker '" + marker +
                              "' (expected '" + std::string(kFormatMarker) + "')");
  }
  if (!s.IsNotFound()) return OpenError(s, path);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->SeekToFirst();
  if (!it->status().ok()) return OpenError(it->status(), path);
  if (it->Valid()) {
    return Status::Corruption("store '" + path +
                              "' is a LevelDB database but not an aocore store (no format marker)");
  }
  leveldb::WriteOptions sync;
  sync.sync = true;
  return FromLevelDb(db->Put(sync, marker_key, ToSlice(kFormatMarker)),
                     "cannot initialise store '" + path + "'");
}

// Table files LevelDB keeps open: each holds a descriptor (pread, leveldb_env.h), so stay well
// under the descriptor limit (LevelDB's own default is 1,000).
int MaxOpenFiles() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1000;
  return static_cast<int>(std::clamp<rlim_t>(limit.rlim_cur / 4, 64, 1000));
}

Status ClosedStatus(const std::string& path) {
  return Status::Closed("store '" + path + "' is closed");
}

}  // namespace

LevelDbStore::LevelDbStore(std::string path, std::shared_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

LevelDbStore::~LevelDbStore() { (void)Close(); }

Result<std::unique_ptr<LevelDbStore>> LevelDbStore::Open(const std::string& path,
                                                         const LevelDbStoreOptions& options) {
  if (path.empty()) return Status::InvalidArgument("empty store path");
  try {
    AO_RETURN_IF_ERROR(CheckDirectory(path, options.create_if_missing));
    auto impl = std::make_shared<Impl>();
    impl->env = NewPreadEnv(leveldb::Env::Default());
    impl->filter_policy.reset(leveldb::NewBloomFilterPolicy(10));
    impl->block_cache.reset(leveldb::NewLRUCache(options.block_cache_bytes));
    leveldb::Options db_options;
    db_options.create_if_missing = options.create_if_missing;
    db_options.paranoid_checks = options.paranoid_checks;
    db_options.write_buffer_size = options.write_buffer_bytes;
    db_options.block_cache = impl->block_cache.get();
    db_options.filter_policy = impl->filter_policy.get();
    db_options.env = impl->env.get();
    db_options.max_open_files = MaxOpenFiles();
    // Opening keeps the last write-ahead log and its memtable instead of turning the log into a
    // level-0 table first: reopening a node replays its log (up to write_buffer_bytes) but writes
    // and compresses nothing (the table write was ~half of `Process_ReopenNow`). Only when the
    // log and the MANIFEST end with a complete record: appending after a torn one loses what is
    // appended (leveldb_log_tail.h).
    AO_ASSIGN_OR_RETURN(db_options.reuse_logs, LevelDbLogsSafeToReuse(path));
    leveldb::DB* raw_db = nullptr;
    leveldb::Status s = leveldb::DB::Open(db_options, path, &raw_db);
    impl->db.reset(raw_db);
    if (!s.ok()) return OpenError(s, path);
    AO_RETURN_IF_ERROR(CheckFormat(impl->db.get(), path));
    Logger("store")->info("opened leveldb store path={}", path);
    return std::unique_ptr<LevelDbStore>(new LevelDbStore(path, std::move(impl)));
  } catch (const std::exception& e) {
    return Status::IOError("cannot open store '" + path + "': " + e.what());
  }
}

Status LevelDbStore::Close() {
  StopDeferred();  // what was deferred is applied first
  std::shared_ptr<Impl> impl;
  {
    std::lock_guard<std::mutex> lock(mu_);
    impl = std::move(impl_);
    impl_.reset();
  }
  // The database closes here unless calls are still running (they hold references).
  return Status::OK();
}

Result<std::shared_ptr<LevelDbStore::Impl>> LevelDbStore::Acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!impl_) return ClosedStatus(path_);
  return impl_;
}

Result<std::optional<std::string>> LevelDbStore::KvGet(std::string_view key) {
  AO_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, Acquire());
  std::string value;
  leveldb::Status s = impl->db->Get(leveldb::ReadOptions(), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromLevelDb(s, "read from store '" + path_ + "'");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<KvStore::KvEntry>> LevelDbStore::KvScan(std::string_view lower,
                                                           std::string_view upper, bool reverse,
                                                           size_t limit) {
  AO_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, Acquire());
  std::vector<KvEntry> out;
  if (!upper.empty() && lower >= upper) return out;
  std::unique_ptr<leveldb::Iterator> it(impl->db->NewIterator(leveldb::ReadOptions()));
  const leveldb::Slice lo = ToSlice(lower);
  const leveldb::Slice hi = ToSlice(upper);
  auto full = [&] { return limit != 0 && out.size() >= limit; };
  if (!reverse) {
    for (it->Seek(lo); it->Valid() && !full(); it->Next()) {
      if (!upper.empty() && it->key().compare(hi) >= 0) break;
      out.push_back(KvEntry{it->key().ToString(), it->value().ToString()});
    }
  } else {
    if (upper.empty()) {
      it->SeekToLast();
    } else {
      it->Seek(hi);  // first key >= upper; the one before it is the last key < upper
      if (it->Valid()) {
        it->Prev();
      } else {
        it->SeekToLast();
      }
    }
    for (; it->Valid() && !full(); it->Prev()) {
      if (it->key().compare(lo) < 0) break;
      out.push_back(KvEntry{it->key().ToString(), it->value().ToString()});
    }
  }
  if (!it->status().ok()) return FromLevelDb(it->status(), "scan store '" + path_ + "'");
  return out;
}

Status LevelDbStore::KvCommit(const std::vector<KvWrite>& writes, bool sync) {
  AO_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, Acquire());
  leveldb::WriteBatch batch;
  for (const KvWrite& write : writes) {
    if (write.value) {
      batch.Put(ToSlice(write.key), ToSlice(*write.value));
    } else {
      batch.Delete(ToSlice(write.key));
    }
  }
  leveldb::WriteOptions write_options;
  write_options.sync = sync;
  AO_RETURN_IF_ERROR(FromLevelDb(impl->db->Write(write_options, &batch),
                                 "write to store '" + path_ + "'"));
  if (sync) synced_commits_.fetch_add(1);
  return Status::OK();
}

}  // namespace ao
