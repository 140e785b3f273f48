// The LevelDB environment LevelDbStore opens its database with: the default (POSIX) environment
// except that table files are read with pread(2) instead of being memory-mapped.
//
// Why: LevelDB maps up to 1,000 table files read-only and never unmaps them while the table
// stays in its table cache, so every page of the database that was ever read stays in the
// node's resident set (RssFile). That grows with the size of the store, i.e. with the number of
// processes and states a node ever touched, not with what it holds live (B8 in
// docs/benchmarks.md: ~40% of the growth at 10,000 processes). With pread the data goes through
// LevelDB's block cache (bounded, LevelDbStoreOptions::block_cache_bytes) and the kernel's page
// cache, which is not part of the process and is reclaimed under pressure.
//
// Only leveldb_store.cc and leveldb_env.cc include LevelDB headers; leveldb_env.cc subclasses
// LevelDB types and is compiled without RTTI (Debian builds LevelDB without it, so the base
// classes have no type_info to link against).
//
// Thread-safety: the environment and its files are safe for concurrent use, as LevelDB requires.
#pragma once

#include <memory>

namespace leveldb {
class Env;
}  // namespace leveldb

namespace ao {

// An environment that forwards everything to `base` except NewRandomAccessFile (pread-based,
// one descriptor per open table file: LevelDB's max_open_files bounds them).
// REQUIRES: `base` outlives the result (Env::Default() lives forever).
// The environment is destroyed by EnvDeleter, inside leveldb_env.cc: code compiled with RTTI
// (and UBSan's vptr check, `make sanitize`) must not delete an object whose class was compiled
// without it.
struct EnvDeleter {
  void operator()(leveldb::Env* env) const;
};
using EnvPtr = std::unique_ptr<leveldb::Env, EnvDeleter>;
EnvPtr NewPreadEnv(leveldb::Env* base);

}  // namespace ao
