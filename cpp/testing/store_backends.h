// Store backends for typed tests (TYPED_TEST over every Store implementation): each opens a
// fresh, empty store; the LevelDB one lives in a temporary directory removed afterwards.
//
// Thread-safety: owned by one test.
#pragma once

#include <memory>

#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao::testing {

struct MemoryBackend {
  std::unique_ptr<Store> Open() { return std::make_unique<MemoryStore>(); }
};

struct LevelDbBackend {
  TempDir dir;
  std::unique_ptr<Store> Open() {
    auto store = LevelDbStore::Open((dir.path() / "db").string());
    EXPECT_OK(store);
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

}  // namespace ao::testing
