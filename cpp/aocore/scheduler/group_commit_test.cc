// GroupCommitter: batches queued behind a synced write share the next one; a bad batch in a
// combined write fails only its own caller.
#include "aocore/scheduler/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "aocore/store/memory_store.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// A store whose synced Apply first waits (boundedly) for a condition, and counts them.
class HoldingStore final : public testing::ForwardingStore {
 public:
  explicit HoldingStore(Store& inner) : ForwardingStore(inner) {}
  std::function<bool(const WriteBatch&)> release = [](const WriteBatch&) { return true; };
  std::atomic<int> synced_applies{0};

  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    if (options.sync) {
      ++synced_applies;
      (void)testing::WaitFor([&] { return release(batch); });
    }
    return ForwardingStore::Apply(batch, options);
  }
};

WriteBatch OneWrite(const std::string& path, const std::string& value) {
  WriteBatch b;
  b.Write(path, value);
  return b;
}

TEST(GroupCommitter, BatchesQueuedBehindASyncedWriteShareTheNextOne) {
  MemoryStore memory;
  HoldingStore store(memory);
  GroupCommitter committer(store);
  constexpr int kCallers = 16;
  // The first write waits until every other caller queued behind it.
  store.release = [&](const WriteBatch& batch) {
    return static_cast<int>(committer.waiting() + batch.ops().size()) >= kCallers ||
           store.synced_applies.load() > 1;
  };
  std::vector<std::thread> callers;
  std::vector<Status> results(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] { results[i] = committer.Commit(OneWrite("k" + std::to_string(i), "v")); });
  }
  for (auto& t : callers) t.join();
  for (const Status& s : results) EXPECT_OK(s);
  // Whoever came first was written first; everyone else shared the second synced write.
  EXPECT_EQ(store.synced_applies.load(), 2);
  EXPECT_EQ(committer.writes(), 2u);
  for (int i = 0; i < kCallers; ++i) EXPECT_OK(memory.Read("k" + std::to_string(i)));
}

TEST(GroupCommitter, ABadBatchInACombinedWriteFailsOnlyItsOwnCaller) {
  MemoryStore memory;
  ASSERT_OK(memory.Apply(OneWrite("x", "a value, not a group"), WriteOptions{}));
  HoldingStore store(memory);
  GroupCommitter committer(store);
  // The first write (the blocker) waits until the three others are queued behind it.
  store.release = [&](const WriteBatch&) { return committer.waiting() >= 3 || store.synced_applies.load() > 1; };
  Status blocker;
  std::thread first([&] { blocker = committer.Commit(OneWrite("blocker", "v")); });
  ASSERT_TRUE(testing::WaitFor([&] { return store.synced_applies.load() == 1; }));
  Status good1, bad, good2;
  std::thread t1([&] { good1 = committer.Commit(OneWrite("good1", "v")); });
  ASSERT_TRUE(testing::WaitFor([&] { return committer.waiting() == 1; }));
  std::thread t2([&] { bad = committer.Commit(OneWrite("x/under-a-value", "v")); });
  ASSERT_TRUE(testing::WaitFor([&] { return committer.waiting() == 2; }));
  std::thread t3([&] { good2 = committer.Commit(OneWrite("good2", "v")); });
  for (std::thread* t : {&first, &t1, &t2, &t3}) t->join();
  EXPECT_OK(blocker);
  EXPECT_OK(good1);
  EXPECT_FALSE(bad.ok());
  EXPECT_OK(good2);
  EXPECT_OK(memory.Read("good1"));
  EXPECT_OK(memory.Read("good2"));
  EXPECT_FALSE(memory.Read("x/under-a-value").ok());
}

TEST(GroupCommitter, StartReturnsAtOnceAndWaitGivesTheSyncedWritesStatus) {
  MemoryStore memory;
  HoldingStore store(memory);
  std::atomic<bool> open{false};
  store.release = [&](const WriteBatch&) { return open.load(); };
  GroupCommitter committer(store);
  GroupCommitter::Ticket good = committer.Start(OneWrite("started", "v"));
  // The caller is free while the writer thread syncs: the write is held, not done.
  ASSERT_TRUE(testing::WaitFor([&] { return store.synced_applies.load() == 1; }));
  EXPECT_TRUE(memory.Read("started").status().IsNotFound());
  open = true;
  EXPECT_OK(committer.Wait(good));
  EXPECT_OK(memory.Read("started"));
  // A bad started batch reports its own failure.
  ASSERT_OK(memory.Apply(OneWrite("x", "a value, not a group"), WriteOptions{}));
  GroupCommitter::Ticket bad = committer.Start(OneWrite("x/under-a-value", "v"));
  EXPECT_FALSE(committer.Wait(bad).ok());
}

TEST(GroupCommitter, StartedBatchesShareASyncedWriteWithCommitCallers) {
  MemoryStore memory;
  HoldingStore store(memory);
  GroupCommitter committer(store);
  // The first write waits until a started batch and a Commit caller are queued behind it.
  store.release = [&](const WriteBatch&) { return committer.waiting() >= 2 || store.synced_applies.load() > 1; };
  Status first;
  std::thread blocker([&] { first = committer.Commit(OneWrite("blocker", "v")); });
  ASSERT_TRUE(testing::WaitFor([&] { return store.synced_applies.load() == 1; }));
  GroupCommitter::Ticket started = committer.Start(OneWrite("started", "v"));
  Status committed;
  std::thread caller([&] { committed = committer.Commit(OneWrite("committed", "v")); });
  blocker.join();
  caller.join();
  EXPECT_OK(first);
  EXPECT_OK(committed);
  EXPECT_OK(committer.Wait(started));
  EXPECT_EQ(store.synced_applies.load(), 2);
  EXPECT_OK(memory.Read("started"));
  EXPECT_OK(memory.Read("committed"));
}

TEST(GroupCommitter, ABatchStartedAndNeverWaitedForIsWrittenBeforeTheCommitterGoes) {
  MemoryStore memory;
  HoldingStore store(memory);
  {
    GroupCommitter committer(store);
    (void)committer.Start(OneWrite("started", "v"));
  }
  EXPECT_OK(memory.Read("started"));
}

}  // namespace
}  // namespace ao
