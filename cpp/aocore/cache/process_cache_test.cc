// ProcessCache: the dual index, Latest (one seek for "any" and "snapshot", a walk for other
// paths), limits, first-writer-wins with reported conflicts, restore points and persistence
// (spec/process.md §2).
#include "aocore/cache/process_cache.h"

#include <string>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

std::string RandomId() { return Base64UrlEncode(RandomBytes(32)); }

Message State(int64_t slot) {
  return Message{{"at-slot", Value(slot)}, {"results", Value(Message{{"result-number", Value(slot)}})}};
}

class ProcessCacheTest : public ::testing::Test {
 protected:
  MemoryStore store_;
  ContentCache content_{store_};
  ProcessCache cache_{store_, content_};
  const std::string pid_ = RandomId();
};

TEST_F(ProcessCacheTest, EmptyNamespaceHasNoLatestAndNoSlots) {
  Result<std::optional<CachedState>> latest = cache_.Latest(pid_);
  ASSERT_OK(latest);
  EXPECT_FALSE(latest->has_value());
  Result<std::optional<Message>> read = cache_.Read(pid_, 0);
  ASSERT_OK(read);
  EXPECT_FALSE(read->has_value());
  Result<std::optional<CachedState>> snap = cache_.Latest(pid_, {"snapshot"}, 10);
  ASSERT_OK(snap);
  EXPECT_FALSE(snap->has_value());
  Result<std::optional<CachedState>> deep = cache_.Latest(pid_, {"deep", "process"});
  ASSERT_OK(deep);
  EXPECT_FALSE(deep->has_value());
}

TEST_F(ProcessCacheTest, WritesAreReadableBySlotAndByStateId) {
  Result<std::string> id = cache_.Write(pid_, 3, State(3));
  ASSERT_OK(id);
  Result<std::optional<Message>> by_slot = cache_.Read(pid_, 3);
  ASSERT_OK(by_slot);
  ASSERT_TRUE(by_slot->has_value());
  EXPECT_EQ(**by_slot, State(3));
  Result<std::optional<CachedState>> by_id = cache_.ReadById(pid_, *id);
  ASSERT_OK(by_id);
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->slot, 3u);
  EXPECT_EQ((*by_id)->state, State(3));
  // The physical key is the fixed-width slot under computed/<pid>/slot.
  Result<NodeType> type = store_.Type(ComputedSlotPath(pid_, 3));
  ASSERT_OK(type);
  EXPECT_EQ(*type, NodeType::kComposite);
}

TEST_F(ProcessCacheTest, ExtraIdsNameTheirSlotAndTheFirstSlotWinsForRepeats) {
  const std::string message_id = RandomId();
  const std::string assignment_id = RandomId();
  ASSERT_OK(cache_.Write(pid_, 0, State(0), {message_id, assignment_id}));
  ASSERT_OK(cache_.Write(pid_, 1, State(1), {message_id}));  // the same message again
  Result<std::optional<CachedState>> a = cache_.ReadById(pid_, assignment_id);
  ASSERT_OK(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->slot, 0u);
  Result<std::optional<CachedState>> m = cache_.ReadById(pid_, message_id);
  ASSERT_OK(m);
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->slot, 0u);
  EXPECT_FALSE(cache_.Write(pid_, 2, State(2), {"not-an-id"}).ok());
  Result<std::optional<CachedState>> none = cache_.ReadById(pid_, RandomId());
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
}

TEST_F(ProcessCacheTest, LatestMatchesTheReferenceExamples) {
  const Message p{{"device", "process@1.0"}, {"x", "1"}};
  ASSERT_OK(cache_.Write(pid_, 0, Message{{"results", Value(Message{{"result-number", Value(0)}})}}));
  ASSERT_OK(cache_.Write(pid_, 1, Message{{"results", Value(Message{{"result-number", Value(1)}})},
                                          {"process", Value(p)}}));
  ASSERT_OK(cache_.Write(pid_, 2, Message{{"results", Value(Message{{"result-number", Value(2)}})},
                                          {"deep", Value(Message{{"process", Value(p)}})}}));
  auto slot_of = [&](std::vector<std::string> path, std::optional<uint64_t> limit) -> int64_t {
    Result<std::optional<CachedState>> r = cache_.Latest(pid_, path, limit);
    EXPECT_OK(r);
    if (!r.ok() || !r->has_value()) return -1;
    return static_cast<int64_t>((*r)->slot);
  };
  EXPECT_EQ(slot_of({}, std::nullopt), 2);
  EXPECT_EQ(slot_of({"process"}, std::nullopt), 1);
  EXPECT_EQ(slot_of({"deep", "process"}, std::nullopt), 2);
  EXPECT_EQ(slot_of({}, 1), 1);
  EXPECT_EQ(slot_of({"deep", "process"}, 1), -1);
  EXPECT_EQ(slot_of({"missing"}, std::nullopt), -1);
  // The whole state comes back, not the sub-path.
  Result<std::optional<CachedState>> r = cache_.Latest(pid_, {"process"});
  ASSERT_OK(r);
  ASSERT_TRUE(r->has_value());
  EXPECT_TRUE((*r)->state.Contains("results"));
}

TEST_F(ProcessCacheTest, LatestSnapshotHonoursTheLimit) {
  // Frequency 2: slots 0, 2 and 4 are restore points.
  for (int64_t s = 0; s <= 5; ++s) {
    Message st = State(s);
    if (s % 2 == 0) st.Set("snapshot", Value(Message{{"1", Value(Message())}}));
    ASSERT_OK(cache_.Write(pid_, s, st));
  }
  auto latest = [&](std::optional<uint64_t> limit) -> int64_t {
    Result<std::optional<CachedState>> r = cache_.Latest(pid_, {"snapshot"}, limit);
    EXPECT_OK(r);
    if (!r.ok() || !r->has_value()) return -1;
    EXPECT_TRUE((*r)->state.Contains("snapshot"));
    return static_cast<int64_t>((*r)->slot);
  };
  EXPECT_EQ(latest(std::nullopt), 4);
  EXPECT_EQ(latest(3), 2);
  EXPECT_EQ(latest(1), 0);
  EXPECT_EQ(latest(0), 0);
  Result<bool> has = cache_.HasSnapshot(pid_, 3);
  ASSERT_OK(has);
  EXPECT_FALSE(*has);
}

TEST_F(ProcessCacheTest, AConflictingSecondWriteIsReportedAndChangesNothing) {
  ASSERT_OK(cache_.Write(pid_, 7, State(7)));
  // Writing the same state again is fine.
  ASSERT_OK(cache_.Write(pid_, 7, State(7)));
  Message other = State(7);
  other.Set("nondeterministic", Value("timestamp 2"));
  const std::string other_message = RandomId();
  Result<std::string> second = cache_.Write(pid_, 7, other, {other_message});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsAlreadyExists()) << second.status().ToString();
  Result<std::optional<Message>> read = cache_.Read(pid_, 7);
  ASSERT_OK(read);
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, State(7));
  Result<std::optional<CachedState>> by_id = cache_.ReadById(pid_, other_message);
  ASSERT_OK(by_id);
  EXPECT_FALSE(by_id->has_value());  // nothing of the refused write was linked
}

TEST_F(ProcessCacheTest, WriteSnapshotAddsARestorePointWithoutReplacingTheSlot) {
  ASSERT_OK(cache_.Write(pid_, 4, State(4)));
  Message with_snapshot = State(4);
  with_snapshot.Set("snapshot", Value(Message{{"1", Value(Message())}}));
  ASSERT_OK(cache_.WriteSnapshot(pid_, 4, with_snapshot));
  Result<std::optional<CachedState>> r = cache_.Latest(pid_, {"snapshot"}, 4);
  ASSERT_OK(r);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->slot, 4u);
  EXPECT_TRUE((*r)->state.Contains("snapshot"));
  Result<std::optional<Message>> slot = cache_.Read(pid_, 4);
  ASSERT_OK(slot);
  EXPECT_EQ(**slot, State(4));  // first writer kept
  EXPECT_FALSE(cache_.WriteSnapshot(pid_, 5, State(5)).ok());  // no snapshot: refused
  // A restore point for a slot never stored also fills the slot index.
  Message s9 = State(9);
  s9.Set("snapshot", Value(Message()));
  ASSERT_OK(cache_.WriteSnapshot(pid_, 9, s9));
  Result<std::optional<Message>> nine = cache_.Read(pid_, 9);
  ASSERT_OK(nine);
  EXPECT_TRUE(nine->has_value());
}

TEST(ProcessCachePersistence, IndexesSurviveReopeningTheLevelDbStore) {
  testing::TempDir dir;
  const std::string pid = RandomId();
  const std::string message_id = RandomId();
  {
    Result<std::unique_ptr<LevelDbStore>> store = LevelDbStore::Open(dir.str());
    ASSERT_OK(store);
    ContentCache content(**store);
    ProcessCache cache(**store, content);
    for (int64_t s = 0; s < 30; ++s) {
      Message st = State(s);
      if (s % 10 == 0) st.Set("snapshot", Value(Message()));
      ASSERT_OK(cache.Write(pid, s, st, s == 17 ? std::vector<std::string>{message_id} : std::vector<std::string>{}));
    }
    ASSERT_OK((*store)->Close());
  }
  Result<std::unique_ptr<LevelDbStore>> store = LevelDbStore::Open(dir.str());
  ASSERT_OK(store);
  ContentCache content(**store);
  ProcessCache cache(**store, content);
  Result<std::optional<CachedState>> latest = cache.Latest(pid);
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->slot, 29u);
  Result<std::optional<CachedState>> snap = cache.Latest(pid, {"snapshot"}, 25);
  ASSERT_OK(snap);
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ((*snap)->slot, 20u);
  Result<std::optional<CachedState>> by_id = cache.ReadById(pid, message_id);
  ASSERT_OK(by_id);
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->slot, 17u);
}

}  // namespace
}  // namespace ao
