// ProcessCache: the dual index, Latest (one seek for "any" and "snapshot", a walk for other
// paths), limits, first-writer-wins with reported conflicts, restore points and persistence.
#include "aocore/cache/process_cache.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

std::string RandomId() { return Base64UrlEncode(RandomBytes(32)); }

Value F(const Message& m, std::string_view k) {
  const Value* v = m.Find(k);
  return v != nullptr ? *v : Value("<missing>");
}

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

// A state whose `blob` never changes, `n` changes every slot, `odd` exists only on odd slots.
Message GrowingState(int64_t slot, const std::string& blob) {
  Message m{{"at-slot", Value(slot)},
            {"blob", Value(blob)},
            {"n", Value(slot * 10)},
            {"deep", Value(Message{{"x", Value(slot)}})},
            {"results", Value(Message{{"result-number", Value(slot)}})}};
  if (slot % 2 == 1) m.Set("odd", Value(true));
  Value::List seen, log;  // seen = [slot, ..., 0] grows at the front, log = [0, ..., slot] at the end
  for (int64_t s = slot; s >= 0; --s) seen.push_back(Value(s));
  for (int64_t s = 0; s <= slot; ++s) log.push_back(Value(s));
  m.Set("seen", Value(std::move(seen)));
  m.Set("log", Value(std::move(log)));
  return m;
}

TEST_F(ProcessCacheTest, DeltaEntriesReadBackAsWholeStates) {
  const std::string blob(32 * 1024, 'b');
  const std::string message_id = RandomId();
  Message s0 = GrowingState(0, blob);
  s0.Set("snapshot", Value(Message()));
  ASSERT_OK(cache_.Write(pid_, 0, s0));
  for (int64_t s = 1; s <= 6; ++s) {
    ASSERT_OK(cache_.WriteDelta(pid_, s, GrowingState(s, blob), GrowingState(s - 1, blob),
                                s == 4 ? std::vector<std::string>{message_id} : std::vector<std::string>{}));
  }
  for (int64_t s = 1; s <= 6; ++s) {
    Result<std::optional<Message>> r = cache_.Read(pid_, s);
    ASSERT_OK(r);
    ASSERT_TRUE(r->has_value()) << s;
    EXPECT_EQ(**r, GrowingState(s, blob)) << s;  // `odd` removed on even slots, `blob` kept
  }
  // Slot 0 is the full state as written (with its snapshot).
  Result<std::optional<Message>> zero = cache_.Read(pid_, 0);
  ASSERT_OK(zero);
  EXPECT_EQ(**zero, s0);
  Result<std::optional<CachedState>> by_id = cache_.ReadById(pid_, message_id);
  ASSERT_OK(by_id);
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->slot, 4u);
  EXPECT_EQ((*by_id)->state, GrowingState(4, blob));
  Result<std::optional<CachedState>> latest = cache_.Latest(pid_);
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->slot, 6u);
  EXPECT_EQ((*latest)->state, GrowingState(6, blob));
  // A general path is checked in the state a delta stands for.
  Result<std::optional<CachedState>> odd = cache_.Latest(pid_, {"odd"});
  ASSERT_OK(odd);
  ASSERT_TRUE(odd->has_value());
  EXPECT_EQ((*odd)->slot, 5u);
  Result<std::optional<CachedState>> deep = cache_.Latest(pid_, {"deep", "x"}, 3);
  ASSERT_OK(deep);
  EXPECT_EQ((*deep)->slot, 3u);
  // The only restore point is slot 0.
  Result<std::optional<CachedState>> snap = cache_.Latest(pid_, {"snapshot"});
  ASSERT_OK(snap);
  EXPECT_EQ((*snap)->slot, 0u);
}

TEST_F(ProcessCacheTest, ADeltaIsSmallerThanTheStateItStandsFor) {
  const std::string blob(64 * 1024, 'b');
  ASSERT_OK(cache_.Write(pid_, 0, GrowingState(0, blob)));
  // The delta entry of slot 1 holds the keys that changed, not the blob.
  ASSERT_OK(cache_.WriteDelta(pid_, 1, GrowingState(1, blob), GrowingState(0, blob)));
  Result<Value> raw = content_.Read(ComputedSlotPath(pid_, 1));
  ASSERT_OK(raw);
  ASSERT_TRUE(raw->is_message());
  const Message* set = raw->message().FindMessage("set");
  ASSERT_NE(set, nullptr);
  EXPECT_FALSE(set->Contains("blob"));
  EXPECT_TRUE(set->Contains("n"));
  // Lists that grew at one end are stored as the new elements only.
  EXPECT_FALSE(set->Contains("seen"));
  EXPECT_FALSE(set->Contains("log"));
  const Message* prepend = raw->message().FindMessage("prepend");
  const Message* append = raw->message().FindMessage("append");
  ASSERT_NE(prepend, nullptr);
  ASSERT_NE(append, nullptr);
  EXPECT_EQ(*prepend->Find("seen"), Value(Value::List{Value(1)}));
  EXPECT_EQ(*append->Find("log"), Value(Value::List{Value(1)}));
  EXPECT_EQ(raw->message().Find("ao-delta-of")->integer(), 0);
}

// A list grown by Value::Prepend (as test-device@1.0 grows `already-seen`) is stored as its new
// front only, also when the previous slot's list was long, and reads back whole.
TEST_F(ProcessCacheTest, APrependedListIsStoredAsItsNewFront) {
  Value seen(Value::List{});
  std::vector<Message> states;
  for (int64_t i = 0; i < 5000; ++i) seen = Value::Prepend(Value::List{Value(i)}, seen);
  states.push_back(Message{{"already-seen", seen}});
  for (int64_t slot = 1; slot <= 40; ++slot) {
    seen = Value::Prepend(Value::List{Value(-slot)}, seen);
    seen = Value::Prepend(Value::List{Value(-slot)}, seen);
    states.push_back(Message{{"already-seen", seen}});
  }
  ASSERT_OK(cache_.Write(pid_, 0, states[0]));
  for (uint64_t slot = 1; slot < states.size(); ++slot) {
    ASSERT_OK(cache_.WriteDelta(pid_, slot, states[slot], states[slot - 1]));
    Result<Value> raw = content_.Read(ComputedSlotPath(pid_, slot));
    ASSERT_OK(raw);
    ASSERT_NE(raw->message().FindMessage("prepend"), nullptr) << slot;
    const int64_t s = static_cast<int64_t>(slot);
    EXPECT_EQ(*raw->message().FindMessage("prepend")->Find("already-seen"), Value(Value::List{Value(-s), Value(-s)}));
  }
  Result<std::optional<Message>> last = cache_.Read(pid_, states.size() - 1);
  ASSERT_OK(last);
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(**last, states.back());
}

// A list that grew but whose earlier elements changed (an integer, or an element of another
// kind) is not a prepend or append: it is stored whole, and each slot reads back as written.
TEST_F(ProcessCacheTest, AGrownListWithAChangedElementIsStoredWhole) {
  auto state = [](Value::List seen) { return Message{{"seen", Value(std::move(seen))}}; };
  const Message s0 = state({Value(3), Value("b"), Value(1)});
  const Message s1 = state({Value(4), Value(3), Value("b"), Value(2)});        // an integer changed
  const Message s2 = state({Value(5), Value(4), Value(3), Value("c"), Value(2)});  // a binary changed
  const Message s3 = state({Value(6), Value(5), Value(4), Value(3), Value("c"), Value(2)});  // grew only
  ASSERT_OK(cache_.Write(pid_, 0, s0));
  ASSERT_OK(cache_.WriteDelta(pid_, 1, s1, s0));
  ASSERT_OK(cache_.WriteDelta(pid_, 2, s2, s1));
  ASSERT_OK(cache_.WriteDelta(pid_, 3, s3, s2));
  for (uint64_t slot : {1u, 2u}) {
    Result<Value> raw = content_.Read(ComputedSlotPath(pid_, slot));
    ASSERT_OK(raw);
    ASSERT_NE(raw->message().FindMessage("set"), nullptr);
    EXPECT_TRUE(raw->message().FindMessage("set")->Contains("seen")) << slot;
    EXPECT_EQ(raw->message().FindMessage("prepend"), nullptr) << slot;
  }
  Result<Value> grown = content_.Read(ComputedSlotPath(pid_, 3));
  ASSERT_OK(grown);
  ASSERT_NE(grown->message().FindMessage("prepend"), nullptr);
  EXPECT_EQ(*grown->message().FindMessage("prepend")->Find("seen"), Value(Value::List{Value(6)}));
  const Message expected[] = {s0, s1, s2, s3};
  for (uint64_t slot = 1; slot <= 3; ++slot) {
    Result<std::optional<Message>> r = cache_.Read(pid_, slot);
    ASSERT_OK(r);
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, expected[slot]) << slot;
  }
}

// A delta entry is one value at its slot path: writing it adds no content leaf (nothing under
// data/) and no link for the slot; the extra IDs still find the slot's state.
TEST_F(ProcessCacheTest, ADeltaIsOneValueAtItsSlotPath) {
  const std::string blob(1024, 'b');
  ASSERT_OK(cache_.Write(pid_, 0, GrowingState(0, blob)));
  const size_t leaves = store_.List("data")->size();
  const std::string message_id = RandomId();
  ASSERT_OK(cache_.WriteDelta(pid_, 1, GrowingState(1, blob), GrowingState(0, blob), {message_id}));
  EXPECT_EQ(store_.List("data")->size(), leaves);
  EXPECT_EQ(*store_.Type(ComputedSlotPath(pid_, 1)), NodeType::kSimple);
  EXPECT_EQ(*store_.Resolve(ComputedSlotPath(pid_, 1)), ComputedSlotPath(pid_, 1));  // not a link
  Result<std::optional<CachedState>> by_id = cache_.ReadById(pid_, message_id);
  ASSERT_OK(by_id);
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->slot, 1u);
  EXPECT_EQ((*by_id)->state, GrowingState(1, blob));
  // The same delta again (a replay) is fine; a different state for the slot is refused.
  ASSERT_OK(cache_.WriteDelta(pid_, 1, GrowingState(1, blob), GrowingState(0, blob), {message_id}));
  Message other = GrowingState(1, blob);
  other.Set("n", Value(99));
  EXPECT_TRUE(cache_.WriteDelta(pid_, 1, other, GrowingState(0, blob)).IsAlreadyExists());
  Result<std::optional<Message>> back = cache_.Read(pid_, 1);
  ASSERT_OK(back);
  EXPECT_EQ(**back, GrowingState(1, blob));
}

TEST_F(ProcessCacheTest, DeltaConflictsAreJudgedOnTheWholeState) {
  const std::string blob = "small";
  ASSERT_OK(cache_.Write(pid_, 0, GrowingState(0, blob)));
  ASSERT_OK(cache_.WriteDelta(pid_, 1, GrowingState(1, blob), GrowingState(0, blob)));
  // The same state again, as a delta or in full (with a snapshot): not a conflict; the full
  // write with a snapshot adds a restore point for the slot.
  ASSERT_OK(cache_.WriteDelta(pid_, 1, GrowingState(1, blob), GrowingState(0, blob)));
  Message full = GrowingState(1, blob);
  full.Set("snapshot", Value(Message()));
  ASSERT_OK(cache_.Write(pid_, 1, full));
  Result<bool> has = cache_.HasSnapshot(pid_, 1);
  ASSERT_OK(has);
  EXPECT_TRUE(*has);
  // A different state is refused either way, and the stored one stays.
  Message other = GrowingState(1, blob);
  other.Set("n", Value(999));
  Status d = cache_.WriteDelta(pid_, 1, other, GrowingState(0, blob));
  EXPECT_TRUE(d.IsAlreadyExists()) << d.ToString();
  EXPECT_TRUE(cache_.Write(pid_, 1, other).status().IsAlreadyExists());
  Result<std::optional<Message>> r = cache_.Read(pid_, 1);
  ASSERT_OK(r);
  EXPECT_EQ(**r, GrowingState(1, blob));
  // A full state written first and the same state offered as a delta: fine too.
  ASSERT_OK(cache_.Write(pid_, 2, GrowingState(2, blob)));
  ASSERT_OK(cache_.WriteDelta(pid_, 2, GrowingState(2, blob), GrowingState(1, blob)));
  // Misuse is refused.
  EXPECT_TRUE(cache_.WriteDelta(pid_, 0, GrowingState(0, blob), Message()).IsInvalidArgument());
  Message reserved = GrowingState(3, blob);
  reserved.Set("ao-delta-of", Value(2));
  EXPECT_TRUE(cache_.Write(pid_, 3, reserved).status().IsInvalidArgument());
}

// A worker's run of slots: WriteDeltas stores every slot of it in one store batch, and each
// slot reads back whole, by slot and by its extra ID.
TEST(ProcessCacheBatches, WriteDeltasStoresARunOfSlotsInOneBatch) {
  class BatchCountingStore final : public Store {
   public:
    Result<Bytes> Read(std::string_view p) override { return inner.Read(p); }
    Result<NodeType> Type(std::string_view p) override { return inner.Type(p); }
    Result<std::vector<std::string>> List(std::string_view p) override { return inner.List(p); }
    Result<std::vector<std::string>> ScanChildren(std::string_view g, const ScanOptions& o) override {
      return inner.ScanChildren(g, o);
    }
    Result<std::string> Resolve(std::string_view p) override { return inner.Resolve(p); }
    Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
      ++batches;
      return inner.Apply(batch, options);
    }
    Status Close() override { return inner.Close(); }
    std::string Describe() const override { return "batch-counting"; }
    MemoryStore inner;
    int batches = 0;
  } store;
  ContentCache content(store);
  ProcessCache cache(store, content);
  const std::string pid = RandomId();
  const std::string blob = "small";
  ASSERT_OK(cache.Write(pid, 0, GrowingState(0, blob)));
  std::vector<ProcessCache::DeltaWrite> run;
  std::vector<std::string> ids;
  for (int64_t s = 1; s <= 20; ++s) {
    ids.push_back(RandomId());
    run.push_back(ProcessCache::DeltaWrite{
        static_cast<uint64_t>(s), ProcessCache::DeltaOf(s, GrowingState(s, blob), GrowingState(s - 1, blob)),
        {ids.back()}});
  }
  const int before = store.batches;
  Result<bool> written = cache.WriteDeltas(pid, GrowingState(0, blob), run);
  ASSERT_OK(written);
  EXPECT_TRUE(*written);
  EXPECT_EQ(store.batches - before, 1);
  for (int64_t s = 1; s <= 20; ++s) {
    Result<std::optional<Message>> r = cache.Read(pid, static_cast<uint64_t>(s));
    ASSERT_OK(r);
    ASSERT_TRUE(r->has_value()) << s;
    EXPECT_EQ(**r, GrowingState(s, blob)) << s;
    Result<std::optional<CachedState>> by_id = cache.ReadById(pid, ids[static_cast<size_t>(s - 1)]);
    ASSERT_OK(by_id);
    ASSERT_TRUE(by_id->has_value()) << s;
    EXPECT_EQ((*by_id)->slot, static_cast<uint64_t>(s));
  }
  // The same run again (a replay) is fine.
  written = cache.WriteDeltas(pid, GrowingState(0, blob), run);
  ASSERT_OK(written);
  EXPECT_TRUE(*written);
  // A run in which a slot already holds a different state: the slots around it are still
  // stored, the stored state of the clashing slot stays, and the slot after it (whose delta
  // base is not what the cache holds) is stored whole and reads back right.
  Message other = GrowingState(22, blob);
  other.Set("n", Value(999));
  ASSERT_OK(cache.WriteDelta(pid, 22, other, GrowingState(21, blob)));
  std::vector<ProcessCache::DeltaWrite> clash;
  for (int64_t s = 21; s <= 23; ++s) {
    clash.push_back(ProcessCache::DeltaWrite{
        static_cast<uint64_t>(s), ProcessCache::DeltaOf(s, GrowingState(s, blob), GrowingState(s - 1, blob)), {}});
  }
  written = cache.WriteDeltas(pid, GrowingState(20, blob), clash);
  ASSERT_OK(written);
  EXPECT_TRUE(*written);
  for (int64_t s = 21; s <= 23; ++s) {
    Result<std::optional<Message>> r = cache.Read(pid, static_cast<uint64_t>(s));
    ASSERT_OK(r);
    ASSERT_TRUE(r->has_value()) << s;
    EXPECT_EQ(**r, s == 22 ? other : GrowingState(s, blob)) << s;
  }
  // Slots that do not follow each other are refused.
  std::vector<ProcessCache::DeltaWrite> gap{
      {30, ProcessCache::DeltaOf(30, GrowingState(30, blob), GrowingState(29, blob)), {}},
      {32, ProcessCache::DeltaOf(32, GrowingState(32, blob), GrowingState(31, blob)), {}}};
  EXPECT_TRUE(cache.WriteDeltas(pid, GrowingState(29, blob), gap).status().IsInvalidArgument());
}

TEST_F(ProcessCacheTest, ADeltaWithoutItsPreviousSlotIsCorruption) {
  ASSERT_OK(cache_.WriteDelta(pid_, 5, GrowingState(5, "x"), GrowingState(4, "x")));
  Result<std::optional<Message>> r = cache_.Read(pid_, 5);
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
}

TEST_F(ProcessCacheTest, ReadsStartFromTheNearestRestorePoint) {
  const std::string blob = "x";
  ASSERT_OK(cache_.Write(pid_, 0, GrowingState(0, blob)));
  for (int64_t s = 1; s <= 4; ++s) {
    ASSERT_OK(cache_.WriteDelta(pid_, s, GrowingState(s, blob), GrowingState(s - 1, blob)));
  }
  // A restore point at slot 2 (a worker retiring there): reads above it start from it. It is
  // observable because it differs from the replayed slot 2 in a key no delta touches.
  Message retired = GrowingState(2, blob);
  retired.Set("blob", Value("from the restore point"));
  retired.Set("snapshot", Value(Message()));
  ASSERT_OK(cache_.WriteSnapshot(pid_, 2, retired));
  Result<std::optional<Message>> r = cache_.Read(pid_, 4);
  ASSERT_OK(r);
  EXPECT_EQ(F((**r), "blob"), Value("from the restore point"));
  Result<std::optional<Message>> one = cache_.Read(pid_, 1);
  ASSERT_OK(one);
  EXPECT_EQ(**one, GrowingState(1, blob));
}

TEST_F(ProcessCacheTest, ASlotWithItsOwnRestorePointIsReadFromItWithoutTheDeltas) {
  const std::string blob = "x";
  ASSERT_OK(cache_.Write(pid_, 0, GrowingState(0, blob)));
  for (int64_t s = 1; s <= 4; ++s) {
    ASSERT_OK(cache_.WriteDelta(pid_, s, GrowingState(s, blob), GrowingState(s - 1, blob)));
  }
  // The node closed at slot 4: a restore point there. Reading slot 4 (`now` after reopening)
  // loads it and no delta: with slot 3's delta gone the read still answers.
  Message closed = GrowingState(4, blob);
  closed.Set("snapshot", Value(Message()));
  ASSERT_OK(cache_.WriteSnapshot(pid_, 4, closed));
  ASSERT_OK(store_.Apply(WriteBatch().Delete(ComputedSlotPath(pid_, 3))));
  Result<std::optional<Message>> r = cache_.Read(pid_, 4);
  ASSERT_OK(r);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, GrowingState(4, blob));  // without `snapshot`, as a delta entry reads
}

TEST_F(ProcessCacheTest, ADeltaWithAChangedLongBinaryWritesOnlyItsChangedChunks) {
  Bytes memory(4 * ContentCache::kChunkedBinaryMin, 'm');
  const Message s0{{"at-slot", Value(0)}, {"memory", Value(memory)}};
  ASSERT_OK(cache_.Write(pid_, 0, s0));
  const size_t chunks_before = store_.List("chunk")->size();
  memory[3 * ContentCache::kChunkSize + 5] = 'x';
  const Message s1{{"at-slot", Value(1)}, {"memory", Value(memory)}};
  ASSERT_OK(cache_.WriteDelta(pid_, 1, s1, s0));
  EXPECT_EQ(store_.List("chunk")->size(), chunks_before + 1);
  Result<std::optional<Message>> r = cache_.Read(pid_, 1);
  ASSERT_OK(r);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, s1);
  // The same delta again (a replay after a crash) is a no-op, not a conflict.
  EXPECT_OK(cache_.WriteDelta(pid_, 1, s1, s0));
}

// The reference's write_and_read_output: a signed and an unsigned item, read back by slot and by ID
// (the signed one by its ID over its commitments, the unsigned one by its content ID).
TEST(ProcessCacheScenarios, Scenario18WriteAndReadOutput) {
  Result<Wallet> wallet = Wallet::Generate();
  ASSERT_OK(wallet);
  MemoryStore store;
  ContentCache content(store);
  ProcessCache cache(store, content);
  Result<Message> process = Commit(Message{{"type", "Process"}, {"x", "1"}}, *wallet);
  ASSERT_OK(process);
  Result<std::string> pid = MessageId(*process, IdMode::kAll);
  ASSERT_OK(pid);
  // The items carry `at-slot`, as every state process@1.0 stores does: ReadById answers the
  // slot too, and takes it from there.
  Result<Message> item1 =
      Commit(Message{{"at-slot", Value(0)}, {"results", Value(Message{{"result-number", Value(1)}})}}, *wallet);
  ASSERT_OK(item1);
  const Message item2{{"at-slot", Value(1)}, {"results", Value(Message{{"result-number", Value(2)}})}};
  ASSERT_OK(cache.Write(*pid, 0, *item1));
  ASSERT_OK(cache.Write(*pid, 1, item2));
  Result<std::optional<Message>> r0 = cache.Read(*pid, 0);
  ASSERT_OK(r0);
  EXPECT_EQ(**r0, *item1);
  Result<std::optional<Message>> r1 = cache.Read(*pid, 1);
  ASSERT_OK(r1);
  EXPECT_EQ(**r1, item2);
  Result<std::string> id1 = MessageId(*item1);
  ASSERT_OK(id1);
  Result<std::optional<CachedState>> by1 = cache.ReadById(*pid, *id1);
  ASSERT_OK(by1);
  ASSERT_TRUE(by1->has_value());
  EXPECT_EQ((*by1)->state, *item1);
  Result<std::string> id2 = MessageId(item2, IdMode::kAll);
  ASSERT_OK(id2);
  Result<std::optional<CachedState>> by2 = cache.ReadById(*pid, *id2);
  ASSERT_OK(by2);
  ASSERT_TRUE(by2->has_value());
  EXPECT_EQ((*by2)->state, item2);
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
