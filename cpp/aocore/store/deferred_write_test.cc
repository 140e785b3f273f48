// Deferred writes (Store::ApplyDeferred, kv_store.h): a batch the caller answers for before it is
// applied. What a reader must be able to rely on: a read that starts after ApplyDeferred returned
// sees the batch (it waits for it), deferred batches are applied in order and each build sees
// the ones before it, and Close applies what was deferred. A read ahead (Store::ReadAhead) runs
// on that thread before the batches still queued.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

std::function<Result<WriteBatch>()> Writes(std::string path, std::string value) {
  return [path = std::move(path), value = std::move(value)]() -> Result<WriteBatch> {
    WriteBatch batch;
    batch.Write(path, value);
    return batch;
  };
}

TEST(KvStoreDeferredWrites, AReadAfterTheCallWaitsForTheBatch) {
  MemoryStore store;
  store.PauseDeferredForTesting(true);
  std::atomic<bool> done{false};
  store.ApplyDeferred(Writes("a/b", "1"), [&](Status s) {
    EXPECT_OK(s);
    done = true;
  });
  EXPECT_EQ(store.deferred_pending(), 1u);
  Result<Bytes> read = Status::Internal("not read");
  std::thread reader([&] { read = store.Read("a/b"); });
  // The reader is held until the batch is applied (it would read NotFound otherwise).
  ASSERT_TRUE(testing::WaitFor([&] { return store.deferred_waiters() == 1; }));
  EXPECT_FALSE(done.load());
  store.PauseDeferredForTesting(false);
  reader.join();
  ASSERT_OK(read);
  EXPECT_EQ(*read, "1");
  EXPECT_TRUE(done.load());
  EXPECT_EQ(store.deferred_pending(), 0u);
}

TEST(KvStoreDeferredWrites, ABatchAppliedLaterDoesNotUndoAWriteMadeAfterTheCall) {
  MemoryStore store;
  store.PauseDeferredForTesting(true);
  store.ApplyDeferred(Writes("latest", "1"), nullptr);
  // This Apply waits for the deferred batch, so its value is the one that stays.
  std::thread writer([&] { EXPECT_OK(store.Write("latest", "2")); });
  ASSERT_TRUE(testing::WaitFor([&] { return store.deferred_waiters() == 1; }));
  store.PauseDeferredForTesting(false);
  writer.join();
  Result<Bytes> latest = store.Read("latest");
  ASSERT_OK(latest);
  EXPECT_EQ(*latest, "2");
}

TEST(KvStoreDeferredWrites, BatchesApplyInOrderAndEachBuildSeesTheOnesBefore) {
  MemoryStore store;
  std::vector<std::string> seen;  // written by the deferred thread only, read after Close
  store.PauseDeferredForTesting(true);
  for (int i = 0; i < 5; ++i) {
    store.ApplyDeferred(
        [&store, &seen, i]() -> Result<WriteBatch> {
          Result<Bytes> before = store.Read("counter");  // not held: the build runs on the store's thread
          seen.push_back(before.ok() ? *before : "none");
          WriteBatch batch;
          batch.Write("counter", std::to_string(i));
          return batch;
        },
        nullptr);
  }
  store.PauseDeferredForTesting(false);
  Result<Bytes> last = store.Read("counter");
  ASSERT_OK(last);
  EXPECT_EQ(*last, "4");
  EXPECT_EQ(seen, (std::vector<std::string>{"none", "0", "1", "2", "3"}));
}

TEST(KvStoreDeferredWrites, ABuildErrorIsTheStatusAndWritesNothing) {
  MemoryStore store;
  Status status;
  std::atomic<bool> done{false};
  store.ApplyDeferred([]() -> Result<WriteBatch> { return Status::InvalidArgument("no batch"); },
                      [&](Status s) {
                        status = s;
                        done = true;
                      });
  ASSERT_TRUE(store.Read("anything").status().IsNotFound());  // waits for the deferred batch
  EXPECT_TRUE(done.load());
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
}

TEST(KvStoreDeferredWrites, CloseAppliesWhatWasDeferredAndLaterOnesAreRefused) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  {
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    (*store)->PauseDeferredForTesting(true);
    (*store)->ApplyDeferred(Writes("kept", "yes"), nullptr);
    ASSERT_OK((*store)->Close());
    Status after;
    (*store)->ApplyDeferred(Writes("late", "no"), [&](Status s) { after = s; });
    EXPECT_TRUE(after.IsClosed()) << after.ToString();
  }
  auto reopened = LevelDbStore::Open(db);
  ASSERT_OK(reopened);
  Result<Bytes> kept = (*reopened)->Read("kept");
  ASSERT_OK(kept);
  EXPECT_EQ(*kept, "yes");
}

TEST(KvStoreDeferredWrites, AReadAheadRunsBeforeTheQueuedBatchesAndSeesTheAppliedOnes) {
  MemoryStore store;
  ASSERT_OK(store.Write("applied", "yes"));
  store.PauseDeferredForTesting(true);
  store.ApplyDeferred(Writes("queued", "1"), nullptr);
  std::atomic<bool> ran{false};
  Status open = Status::Internal("not run");
  Result<Bytes> applied = Status::Internal("not read");
  Result<Bytes> queued = Status::Internal("not read");
  std::thread asker([&] {
    store.ReadAhead([&](Status s) {
      open = s;
      applied = store.Read("applied");  // on the store's thread: not held by the queued batch
      queued = store.Read("queued");
      ran = true;
    });
  });
  // It runs while the batch queued before it waits (paused), so it does not see that batch.
  EXPECT_TRUE(testing::WaitFor([&] { return ran.load(); }));
  EXPECT_EQ(store.deferred_pending(), 1u);
  store.PauseDeferredForTesting(false);
  asker.join();
  EXPECT_OK(open);
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, "yes");
  EXPECT_TRUE(queued.status().IsNotFound()) << queued.status().ToString();
  Result<Bytes> later = store.Read("queued");  // a read the usual way waits for the batch
  ASSERT_OK(later);
  EXPECT_EQ(*later, "1");
}

TEST(KvStoreDeferredWrites, AReadAheadAfterCloseIsToldSoAndReadsNothing) {
  testing::TempDir dir;
  auto store = LevelDbStore::Open((dir.path() / "db").string());
  ASSERT_OK(store);
  ASSERT_OK((*store)->Close());
  Status told = Status::Internal("not run");
  (*store)->ReadAhead([&](Status s) { told = s; });
  EXPECT_TRUE(told.IsClosed()) << told.ToString();
}

TEST(KvStoreDeferredWrites, WithoutADeferredThreadTheDefaultAppliesAtOnce) {
  // Store's default (stores that are not KvStores, e.g. test wrappers): build, Apply, done, now.
  MemoryStore inner;
  bool done = false;
  inner.Store::ApplyDeferred(Writes("x", "1"), [&](Status s) {
    EXPECT_OK(s);
    done = true;
  });
  EXPECT_TRUE(done);
  EXPECT_EQ(inner.deferred_pending(), 0u);
}

}  // namespace
}  // namespace ao
