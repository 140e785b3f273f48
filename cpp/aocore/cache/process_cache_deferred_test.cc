// ProcessCache::WriteDeltasDeferred: a run of slot deltas written by the store's own thread
// (Store::ApplyDeferred) while the writer computes on. What the writer and its readers rely on:
// the call returns before the run is written; a read that starts after it sees the run; a run
// that fails is kept for the writer (never lost silently); a run after one whose last slot holds
// another state is not written as deltas against a base the store does not hold.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/cache/process_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/store/keys.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

std::string RandomId() { return Base64UrlEncode(RandomBytes(32)); }

// A state that grows every slot: `seen` at the front (as test-device@1.0's), `n` changes.
Message Grown(int64_t slot) {
  Value::List seen;
  for (int64_t s = slot; s >= 0; --s) seen.push_back(Value(s));
  return Message{{"at-slot", Value(slot)}, {"n", Value(slot * 10)}, {"seen", Value(std::move(seen))}};
}

std::vector<ProcessCache::DeltaWrite> SlotRun(int64_t from, int64_t to, std::vector<std::string>* ids = nullptr) {
  std::vector<ProcessCache::DeltaWrite> run;
  for (int64_t s = from; s <= to; ++s) {
    std::vector<std::string> extra;
    if (ids != nullptr) {
      ids->push_back(RandomId());
      extra.push_back(ids->back());
    }
    run.push_back(ProcessCache::DeltaWrite{static_cast<uint64_t>(s), ProcessCache::DeltaOf(s, Grown(s), Grown(s - 1)),
                                           std::move(extra)});
  }
  return run;
}

class ProcessCacheDeferredTest : public ::testing::Test {
 protected:
  MemoryStore store_;
  ContentCache content_{store_};
  ProcessCache cache_{store_, content_};
  const std::string pid_ = RandomId();
  std::shared_ptr<ProcessCache::DeferredRuns> runs_ = std::make_shared<ProcessCache::DeferredRuns>();

  // Slots `from`..`to` read back as `expected` says.
  void ExpectStates(int64_t from, int64_t to, const std::function<Message(int64_t)>& expected) {
    for (int64_t s = from; s <= to; ++s) {
      Result<std::optional<Message>> r = cache_.Read(pid_, static_cast<uint64_t>(s));
      ASSERT_OK(r);
      ASSERT_TRUE(r->has_value()) << s;
      EXPECT_EQ(**r, expected(s)) << s;
    }
  }
};

TEST_F(ProcessCacheDeferredTest, TheCallReturnsBeforeTheRunIsWrittenAndAReaderAfterItSeesTheRun) {
  ASSERT_OK(cache_.Write(pid_, 0, Grown(0)));
  store_.PauseDeferredForTesting(true);
  std::vector<std::string> ids;
  cache_.WriteDeltasDeferred(pid_, Value(Grown(0)), SlotRun(1, 20, &ids), runs_);
  // Returned with the run still queued: the writer computes on while the store writes.
  EXPECT_EQ(store_.deferred_pending(), 1u);
  Result<std::optional<Message>> read = Status::Internal("not read");
  std::thread reader([&] { read = cache_.Read(pid_, 20); });
  ASSERT_TRUE(testing::WaitFor([&] { return store_.deferred_waiters() == 1; }));
  store_.PauseDeferredForTesting(false);
  reader.join();
  ASSERT_OK(read);
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, Grown(20));
  for (int64_t s = 1; s <= 20; ++s) {
    Result<std::optional<CachedState>> by_id = cache_.ReadById(pid_, ids[static_cast<size_t>(s - 1)]);
    ASSERT_OK(by_id);
    ASSERT_TRUE(by_id->has_value()) << s;
    EXPECT_EQ((*by_id)->state, Grown(s)) << s;
  }
  EXPECT_OK(runs_->TakeError());
}

TEST_F(ProcessCacheDeferredTest, ARunTheStoreNeverWritesIsReportedToTheWriter) {
  ASSERT_OK(cache_.Write(pid_, 0, Grown(0)));
  store_.PauseDeferredForTesting(true);
  cache_.WriteDeltasDeferred(pid_, Value(Grown(0)), SlotRun(1, 5), runs_);
  store_.DropDeferredForTesting();  // as if the write failed
  Status error = runs_->TakeError();
  EXPECT_TRUE(error.IsAborted()) << error.ToString();
  EXPECT_NE(error.ToString().find("slots 1-5"), std::string::npos) << error.ToString();
  EXPECT_OK(runs_->TakeError());  // taken once
  store_.PauseDeferredForTesting(false);
  // The next run's base (slot 5) is not stored: it is written one by one from a full state,
  // and every slot of it reads back right (no delta against a missing slot).
  cache_.WriteDeltasDeferred(pid_, Value(Grown(5)), SlotRun(6, 9), runs_);
  store_.WaitForDeferred();
  EXPECT_OK(runs_->TakeError());
  ASSERT_NO_FATAL_FAILURE(ExpectStates(6, 9, [&](int64_t s) { return Grown(s); }));
  Result<std::optional<Message>> lost = cache_.Read(pid_, 3);
  ASSERT_OK(lost);
  EXPECT_FALSE(lost->has_value());  // computed again from its assignment when asked for
}

TEST_F(ProcessCacheDeferredTest, ARunAfterOneWhoseLastSlotHeldAnotherStateStartsInFull) {
  ASSERT_OK(cache_.Write(pid_, 0, Grown(0)));
  Message other = Grown(3);
  other.Set("n", Value(-1));
  ASSERT_OK(cache_.Write(pid_, 3, other));  // slot 3 already holds another state
  cache_.WriteDeltasDeferred(pid_, Value(Grown(0)), SlotRun(1, 3), runs_);
  // Made against the writer's own state of slot 3, which the store does not hold.
  cache_.WriteDeltasDeferred(pid_, Value(Grown(3)), SlotRun(4, 6), runs_);
  store_.WaitForDeferred();
  EXPECT_OK(runs_->TakeError());  // a conflict is reported in the log, not an error
  ASSERT_NO_FATAL_FAILURE(ExpectStates(1, 6, [&](int64_t s) { return s == 3 ? other : Grown(s); }));
}

TEST_F(ProcessCacheDeferredTest, AFullStateWrittenAfterAFailedRunLetsTheNextRunBeDeltasAgain) {
  ASSERT_OK(cache_.Write(pid_, 0, Grown(0)));
  store_.PauseDeferredForTesting(true);
  cache_.WriteDeltasDeferred(pid_, Value(Grown(0)), SlotRun(1, 2), runs_);
  store_.DropDeferredForTesting();
  EXPECT_FALSE(runs_->TakeError().ok());
  store_.PauseDeferredForTesting(false);
  cache_.WriteDeferred(pid_, 3, Value(Grown(3)), {}, runs_);
  cache_.WriteDeltasDeferred(pid_, Value(Grown(3)), SlotRun(4, 5), runs_);
  store_.WaitForDeferred();
  EXPECT_OK(runs_->TakeError());
  // Slot 4 is a delta entry (a packed value at the slot path), not a full state tree.
  Result<NodeType> type = store_.Type(ComputedSlotPath(pid_, 4));
  ASSERT_OK(type);
  EXPECT_EQ(*type, NodeType::kSimple);
  ASSERT_NO_FATAL_FAILURE(ExpectStates(3, 5, [&](int64_t s) { return Grown(s); }));
}

TEST_F(ProcessCacheDeferredTest, AFullStateThatMeetsAnotherStoredStateMakesTheNextRunStartInFull) {
  Message other = Grown(0);
  other.Set("n", Value(-1));
  ASSERT_OK(cache_.Write(pid_, 0, other));
  cache_.WriteDeferred(pid_, 0, Value(Grown(0)), {}, runs_);
  cache_.WriteDeltasDeferred(pid_, Value(Grown(0)), SlotRun(1, 3), runs_);
  store_.WaitForDeferred();
  EXPECT_OK(runs_->TakeError());  // a conflict is reported in the log, not an error
  ASSERT_NO_FATAL_FAILURE(ExpectStates(0, 3, [&](int64_t s) { return s == 0 ? other : Grown(s); }));
}

TEST_F(ProcessCacheDeferredTest, AFullStateTheStoreRefusesIsReportedToTheWriter) {
  cache_.WriteDeferred(pid_, 0, Value(Grown(0)), {"not-an-id"}, runs_);
  store_.WaitForDeferred();
  Status error = runs_->TakeError();
  EXPECT_TRUE(error.IsInvalidArgument()) << error.ToString();
  EXPECT_NE(error.ToString().find("slot 0"), std::string::npos) << error.ToString();
}

// A run of new slots: the slot entries and the assignments' ID links are written without an
// existence read each (one seek shows the slots are new); the scheduled messages' ID links keep
// theirs (a message scheduled twice keeps its first slot).
TEST_F(ProcessCacheDeferredTest, ARunOfNewSlotsReadsOnlyForTheMessageIdLinks) {
  ASSERT_OK(cache_.Write(pid_, 0, Grown(0)));
  std::vector<ProcessCache::DeltaWrite> run = SlotRun(1, 20);
  std::vector<std::string> message_ids, assignment_ids;
  for (ProcessCache::DeltaWrite& d : run) {
    message_ids.push_back(RandomId());
    assignment_ids.push_back(RandomId());
    d.extra_ids = {message_ids.back()};
    d.slot_id = assignment_ids.back();
  }
  const int64_t before = store_.point_reads();
  Result<bool> written = cache_.WriteDeltas(pid_, Grown(0), run);
  ASSERT_OK(written);
  EXPECT_TRUE(*written);
  const int64_t reads = store_.point_reads() - before;
  EXPECT_LE(reads, 20 + 4) << "three checked paths per slot would be 60 reads";
  for (int64_t s = 1; s <= 20; ++s) {
    for (const std::string* id : {&message_ids[static_cast<size_t>(s - 1)], &assignment_ids[static_cast<size_t>(s - 1)]}) {
      Result<std::optional<CachedState>> by_id = cache_.ReadById(pid_, *id);
      ASSERT_OK(by_id);
      ASSERT_TRUE(by_id->has_value()) << s;
      EXPECT_EQ((*by_id)->state, Grown(s)) << s;
    }
  }
  // The same run again (a replay) is fine, and a message ID keeps its first slot.
  ASSERT_OK(cache_.WriteDeltas(pid_, Grown(0), run));
  std::vector<ProcessCache::DeltaWrite> again = SlotRun(21, 21);
  again[0].extra_ids = {message_ids[0]};
  ASSERT_OK(cache_.WriteDeltas(pid_, Grown(20), again));
  Result<std::optional<CachedState>> first = cache_.ReadById(pid_, message_ids[0]);
  ASSERT_OK(first);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->slot, 1u);
}

}  // namespace
}  // namespace ao
