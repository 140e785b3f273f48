// AssignmentCache: the store layout, atomic commit of assignment + body + latest pointer, reads by
// slot, latest, ranges.
#include "aocore/cache/assignment_cache.h"

#include <string>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/message/id.h"
#include "aocore/store/keys.h"
#include "aocore/store/memory_store.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// The cache layer sits below the scheduler: these tests build assignment-shaped messages by
// hand (the fields the cache reads: process, slot, hash-chain, timestamp, body).
std::string RandomId() { return Base64UrlEncode(RandomBytes(32)); }

Message TestMessage(int64_t i) {
  return Message{{"type", "Message"}, {"index", Value(i)}, {"data", Value("payload")}};
}

Message SampleAssignment(const std::string& pid, int64_t slot) {
  return Message{{"process", Value(pid)},
                 {"slot", Value(slot)},
                 {"timestamp", Value(int64_t{1000} + slot)},
                 {"hash-chain", Value(RandomId())},
                 {"epoch", "0"},
                 {"body", Value(TestMessage(slot))}};
}

TEST(AssignmentCache, CommitsAssignmentBodyAndLatestPointerInOneBatch) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  Message a = SampleAssignment(pid, 0);
  WriteBatch batch;
  Result<std::string> id = cache.AddToBatch(a, &batch);
  ASSERT_OK(id);
  // Nothing is visible before the batch is applied.
  EXPECT_TRUE(cache.Read(pid, 0).status().IsNotFound());
  EXPECT_FALSE(*cache.LatestSlot(pid));
  EXPECT_EQ(*store.Type(*MessageId(TestMessage(0))), NodeType::kNotFound);
  ASSERT_OK(store.Apply(batch));
  // The assignment by slot (through its link), the body by its own ID, the latest pointer.
  Result<Message> read = cache.Read(pid, 0);
  ASSERT_OK(read);
  EXPECT_EQ(*read, a);
  EXPECT_EQ(*content.ReadMessage(*MessageId(TestMessage(0))), TestMessage(0));
  EXPECT_EQ(*content.ReadMessage(*id), a);
  EXPECT_EQ(*store.Read(AssignmentCache::LatestPointerPath(pid)), EncodeSlot(0));
  EXPECT_EQ(*store.Resolve(AssignmentPath(pid, 0)), *store.Resolve(*id));
}

TEST(AssignmentCache, LatestIsTheHighestSlotWithItsChainAndTimestamp) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  Result<std::optional<LatestAssignment>> none = cache.Latest(pid);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  Message last;
  for (int64_t slot = 0; slot < 12; ++slot) {
    last = SampleAssignment(pid, slot);
    ASSERT_OK(cache.Write(last));
  }
  Result<std::optional<LatestAssignment>> latest = cache.Latest(pid);
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->slot, 11u);
  EXPECT_EQ((*latest)->hash_chain, last.FindBinary("hash-chain")->data());
  EXPECT_EQ((*latest)->timestamp_ms, 1011);
  EXPECT_EQ(**cache.LatestSlot(pid), 11u);
}

TEST(AssignmentCache, AnAssignedSlotIsRefusedNotSilentlyDropped) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  ASSERT_OK(cache.Write(SampleAssignment(pid, 0)));
  Message other = SampleAssignment(pid, 0);
  other.Set("body", Value(TestMessage(99)));
  EXPECT_TRUE(cache.Write(other).IsAlreadyExists());
  EXPECT_EQ(*cache.Read(pid, 0)->FindMessage("body"), TestMessage(0));
}

TEST(AssignmentCache, MalformedAssignmentsAreRefused) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  Message a = SampleAssignment(RandomId(), 0);
  a.Set("slot", Value("0"));
  WriteBatch batch;
  EXPECT_TRUE(cache.AddToBatch(a, &batch).status().IsInvalidArgument());
  a = SampleAssignment(RandomId(), 0);
  a.Erase("process");
  EXPECT_TRUE(cache.AddToBatch(a, &batch).status().IsInvalidArgument());
  EXPECT_TRUE(batch.empty());
}

TEST(AssignmentCache, RangeIsInclusiveLimitedAndStopsAtTheFirstGap) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  for (int64_t slot : {0, 1, 2, 3, 5, 6}) ASSERT_OK(cache.Write(SampleAssignment(pid, slot)));
  Result<std::vector<Message>> all = cache.Range(pid, 0, 100, 0);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 4u);  // slot 4 is missing: 5 and 6 are hidden
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].Find("slot")->integer(), int64_t(i));
  EXPECT_EQ(cache.Range(pid, 1, 2, 0)->size(), 2u);  // inclusive on both ends
  EXPECT_EQ(cache.Range(pid, 0, 3, 2)->size(), 2u);  // limit
  EXPECT_EQ(cache.Range(pid, 5, 6, 0)->size(), 2u);
  EXPECT_TRUE(cache.Range(pid, 3, 2, 0)->empty());  // from > to
  EXPECT_TRUE(cache.Range(RandomId(), 0, 10, 0)->empty());
  EXPECT_EQ(cache.Range(pid, 5, UINT64_MAX, 0)->size(), 2u);
}

TEST(AssignmentCache, LatestPointerDisagreeingWithSlotLinksIsCorruption) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  ASSERT_OK(cache.Write(SampleAssignment(pid, 0)));
  ASSERT_OK(cache.Write(SampleAssignment(pid, 1)));
  // A pointer behind the highest slot would make a scheduler re-issue slot 1.
  ASSERT_OK(store.Write(AssignmentCache::LatestPointerPath(pid), EncodeSlot(0)));
  EXPECT_TRUE(cache.Latest(pid).status().IsCorruption());
  ASSERT_OK(store.Write(AssignmentCache::LatestPointerPath(pid), "garbage"));
  EXPECT_TRUE(cache.Latest(pid).status().IsCorruption());
}

}  // namespace
}  // namespace ao

namespace ao {
namespace {

TEST(AssignmentCachePacked, ReadsThePackedCopyAndFallsBackToTheContentTree) {
  MemoryStore store;
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  Message a = SampleAssignment(pid, 0);
  a.Set("list", Value(Value::List{Value(1.5), Value(true), Value(int64_t{-7})}));
  a.Set("nested", Value(Message{{"x", Value(Message{{"y", Value("z")}})}}));
  a.Set("priv-note", Value("private keys are not stored"));
  ASSERT_OK(cache.Write(a));
  ASSERT_OK(cache.Write(SampleAssignment(pid, 1)));
  const Message from_tree = *content.ReadMessage(AssignmentPath(pid, 0));
  EXPECT_FALSE(from_tree.Contains("priv-note"));
  ASSERT_EQ(*store.Type("assignment-data/" + pid + "/" + EncodeSlot(0)), NodeType::kSimple);
  EXPECT_EQ(*cache.Read(pid, 0), from_tree);  // the packed copy reads as the tree does
  Result<std::vector<Message>> range = cache.Range(pid, 0, 5, 0);
  ASSERT_OK(range);
  ASSERT_EQ(range->size(), 2u);
  EXPECT_EQ((*range)[0], from_tree);
  // Without the packed copy (a store written by an older aocore): the tree.
  ASSERT_OK(store.Apply(WriteBatch().Delete("assignment-data/" + pid + "/" + EncodeSlot(0))));
  EXPECT_EQ(*cache.Read(pid, 0), from_tree);
  // A damaged packed copy is Corruption, not another assignment.
  ASSERT_OK(store.Apply(WriteBatch().Write("assignment-data/" + pid + "/" + EncodeSlot(1), "1m\x05")));
  EXPECT_TRUE(cache.Read(pid, 1).status().IsCorruption());
}

TEST(ContentCachePacked, RoundTripsEveryKindAndRejectsMalformedInput) {
  Message m{{"b", Value(Bytes(300, 'z'))}, {"i", Value(int64_t{-1})}, {"f", Value(-0.0)},
            {"a", Value(Atom{"sym"})}, {"l", Value(Value::List{Value(), Value("s")})},
            {"m", Value(Message{{"n", Value(Message{})}})}};
  Result<Bytes> packed = ContentCache::EncodePacked(Value(m));
  ASSERT_OK(packed);
  Result<Value> back = ContentCache::DecodePacked(*packed);
  ASSERT_OK(back);
  EXPECT_EQ(*back, Value(m));
  for (size_t cut = 0; cut < packed->size(); ++cut) {
    EXPECT_TRUE(ContentCache::DecodePacked(std::string_view(*packed).substr(0, cut)).status().IsCorruption()) << cut;
  }
  EXPECT_TRUE(ContentCache::DecodePacked(*packed + "x").status().IsCorruption());
  EXPECT_TRUE(ContentCache::EncodePacked(Value(std::shared_ptr<Device>())).status().IsInvalidArgument());
}

// A worker reads the schedule a page at a time; a page of packed copies is one scan of the
// store (no list of the slot names besides).
TEST(AssignmentCachePacked, AWholePageIsOneScanOfThePackedCopies) {
  class ScanCountingStore final : public testing::ForwardingStore {
   public:
    using ForwardingStore::ForwardingStore;
    Result<std::vector<std::string>> ScanChildren(std::string_view group, const ScanOptions& options) override {
      ++name_scans;
      return ForwardingStore::ScanChildren(group, options);
    }
    Result<std::vector<std::pair<std::string, Bytes>>> ScanValues(std::string_view group,
                                                                const ScanOptions& options) override {
      ++value_scans;
      return ForwardingStore::ScanValues(group, options);
    }
    int name_scans = 0;
    int value_scans = 0;
  };
  MemoryStore inner;
  ScanCountingStore store(inner);
  ContentCache content(store);
  AssignmentCache cache(store, content);
  const std::string pid = RandomId();
  for (int64_t slot = 0; slot < 10; ++slot) ASSERT_OK(cache.Write(SampleAssignment(pid, slot)));
  store.name_scans = store.value_scans = 0;
  Result<std::vector<Message>> page = cache.Range(pid, 2, 100, 4);
  ASSERT_OK(page);
  ASSERT_EQ(page->size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ((*page)[i], *cache.Read(pid, 2 + i));
  EXPECT_EQ(store.value_scans, 1);
  EXPECT_EQ(store.name_scans, 0);
  // Up to `to` is a whole page too.
  store.name_scans = store.value_scans = 0;
  ASSERT_EQ(cache.Range(pid, 7, 9, 64)->size(), 3u);
  EXPECT_EQ(store.name_scans, 0);
  // A shorter page (the end of the schedule) is checked against the slot links.
  ASSERT_EQ(cache.Range(pid, 7, 100, 64)->size(), 3u);
  EXPECT_EQ(store.name_scans, 1);
}

}  // namespace
}  // namespace ao
