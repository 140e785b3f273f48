// An assignment the scheduler commits is stored as a record (assignment_writes.h): its packed
// copy, linked by every ID a content tree would be readable by. Every reader must read the
// message the caller was answered with, and the write must stay small (issue 15 point 5).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/process_scheduler.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/keys.h"
#include "aocore/store/memory_store.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::RandomId;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestMessage;
using scheduler_testing::TestSign;

// Counts what the scheduler writes: operations and bytes (paths and values) of every Apply.
class CountingStore final : public testing::ForwardingStore {
 public:
  explicit CountingStore(Store& inner) : ForwardingStore(inner) {}
  std::atomic<int64_t> ops{0};
  std::atomic<int64_t> bytes{0};

  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    for (const WriteBatch::Op& op : batch.ops()) {
      ++ops;
      bytes += static_cast<int64_t>(op.path.size() + op.data.size());
    }
    return ForwardingStore::Apply(batch, options);
  }
};

// A signed message with a nested signed message and a list holding a message, as a caller may
// schedule one.
Message SignedBody(int64_t i) {
  Result<Message> inner = TestSign(Message{{"kind", "inner"}, {"n", Value(i)}}, "inner-signer");
  EXPECT_OK(inner);
  Message body = TestMessage(i);
  body.Set("nested", Value(inner.ok() ? *inner : Message{}));
  body.Set("items", Value(Value::List{Value(Message{{"first", "x"}}), Value(Message{{"in-list", Value(i)}})}));
  Result<Message> signed_body = TestSign(body, "body-signer");
  EXPECT_OK(signed_body);
  return signed_body.ok() ? *signed_body : body;
}

std::vector<std::string> CommitmentIds(const Message& m) {
  std::vector<std::string> ids;
  if (const Message* commitments = m.FindMessage("commitments")) {
    for (const auto& [id, unused] : *commitments) ids.push_back(id);
  }
  return ids;
}

// `latest`: `answered` is the process's last assignment.
void ExpectEveryReaderReads(Store& store, const std::string& pid, const Message& answered, bool latest) {
  ContentCache content(store);
  AssignmentCache assignments(store, content);
  const int64_t slot = answered.Find("slot")->integer();
  // The process worker's reads: one slot, a range, the scheduler's recovery.
  EXPECT_TRUE(*assignments.Read(pid, static_cast<uint64_t>(slot)) == answered);
  Result<std::vector<Message>> range = assignments.Range(pid, static_cast<uint64_t>(slot), static_cast<uint64_t>(slot), 0);
  ASSERT_OK(range);
  ASSERT_EQ(range->size(), 1u);
  EXPECT_TRUE(range->front() == answered);
  if (latest) {
    Result<std::optional<LatestAssignment>> recovered = assignments.Latest(pid);
    ASSERT_OK(recovered);
    ASSERT_TRUE(recovered->has_value());
    EXPECT_EQ((*recovered)->slot, static_cast<uint64_t>(slot));
    EXPECT_EQ((*recovered)->hash_chain, *answered.FindBinary("hash-chain"));
    EXPECT_EQ((*recovered)->timestamp_ms, answered.Find("timestamp")->integer());
  }
  // Reads by ID (GET /<id>, Node::Read): the assignment by its ID and commitment IDs, the body
  // and every message in it by theirs, and paths under them.
  const Message& body = *answered.FindMessage("body");
  EXPECT_TRUE(content.ReadMessage(*MessageId(answered, IdMode::kUncommitted)).ok() && *content.ReadMessage(*MessageId(answered, IdMode::kUncommitted)) == answered) << "answered by " << *MessageId(answered, IdMode::kUncommitted);
  for (const std::string& id : CommitmentIds(answered)) EXPECT_TRUE(content.ReadMessage(id).ok() && *content.ReadMessage(id) == answered) << "answered by " << id;
  const std::string body_id = *MessageId(body, IdMode::kUncommitted);
  EXPECT_TRUE(content.ReadMessage(body_id).ok() && *content.ReadMessage(body_id) == body) << "body by " << body_id;
  for (const std::string& id : CommitmentIds(body)) EXPECT_TRUE(content.ReadMessage(id).ok() && *content.ReadMessage(id) == body) << "body by " << id;
  // A message nested in the body is verified as the content cache verifies it (the test signer's
  // commitments do not verify there), so it is read by its content ID, never by a commitment ID
  // it merely claims: as a content tree stores it.
  const Message& nested = *body.FindMessage("nested");
  const std::string nested_id = *UncommittedId(nested);
  EXPECT_TRUE(content.ReadMessage(nested_id).ok() && *content.ReadMessage(nested_id) == nested);
  for (const std::string& id : CommitmentIds(nested)) EXPECT_TRUE(content.Read(id).status().IsNotFound()) << id;
  const Message& in_list = body.Find("items")->list()[1].message();
  EXPECT_TRUE(content.ReadMessage(*MessageId(in_list, IdMode::kUncommitted)).ok() && *content.ReadMessage(*MessageId(in_list, IdMode::kUncommitted)) == in_list) << "in_list by " << *MessageId(in_list, IdMode::kUncommitted);
  EXPECT_EQ(*content.Read(body_id + "/data"), *body.Find("data"));
  EXPECT_EQ(*content.Read(body_id + "/items/2/in-list"), *in_list.Find("in-list"));
  EXPECT_EQ(*content.Read(AssignmentPath(pid, static_cast<uint64_t>(slot)) + "/body/nested/kind"), Value("inner"));
  EXPECT_TRUE(content.Read(body_id + "/no-such-key").status().IsNotFound());
  EXPECT_TRUE(content.Read(body_id + "/items/3").status().IsNotFound());
}

TEST(SchedulerRecords, EveryReaderReadsTheAssignmentAsAnswered) {
  for (bool pipelined : {false, true}) {
    SCOPED_TRACE(pipelined ? "pipelined, deferred" : "synced after signing");
    MemoryStore store;
    const std::string pid = RandomId();
    SchedulerEnvironment env = TestEnvironment(&store);
    env.deterministic_signer = pipelined;
    env.defer_signed_write = pipelined;
    std::vector<Message> answered;
    {
      auto scheduler = ProcessScheduler::Create(pid, env);
      ASSERT_OK(scheduler);
      for (int64_t i = 0; i < 3; ++i) {
        Result<Message> a = (*scheduler)->Schedule(SignedBody(i));
        ASSERT_OK(a);
        answered.push_back(*a);
      }
      for (const Message& a : answered) ExpectEveryReaderReads(store, pid, a, &a == &answered.back());
      // The worker's read of a slot is still one store read (the record is its packed copy).
      ContentCache content(store);
      AssignmentCache assignments(store, content);
      const int64_t before = store.point_reads();
      ASSERT_OK(assignments.Read(pid, 1));
      EXPECT_EQ(store.point_reads() - before, 1);
    }
    // A new scheduler of the process recovers from the records and continues the chain.
    auto again = ProcessScheduler::Create(pid, env);
    ASSERT_OK(again);
    EXPECT_EQ((*again)->CurrentSlot(), 2);
    ASSERT_OK((*again)->Schedule(SignedBody(3)));
    ASSERT_OK(scheduler_testing::ReadAndVerifySchedule(store, pid, 4));
  }
}

// An assignment is written as its record and a few links (and its body's tree), instead of the
// content tree beside its packed copy that AssignmentCache::AddToBatch writes (the RSA-4096
// assignment of B4: 21 operations and 6.6 kB against 69 and 13.5 kB).
TEST(SchedulerRecords, AnAssignmentIsWrittenAsOneRecordAndAFewLinks) {
  MemoryStore memory;
  CountingStore store(memory);
  const std::string pid = RandomId();
  auto scheduler = ProcessScheduler::Create(pid, TestEnvironment(&store));
  ASSERT_OK(scheduler);
  ASSERT_OK((*scheduler)->Schedule(TestMessage(0)));
  const int64_t ops_before = store.ops.load();
  const int64_t bytes_before = store.bytes.load();
  constexpr int kAssignments = 10;
  std::vector<Message> answered;
  for (int i = 1; i <= kAssignments; ++i) {
    Result<Message> a = (*scheduler)->Schedule(TestMessage(i));
    ASSERT_OK(a);
    answered.push_back(*a);
  }
  const int64_t ops = store.ops.load() - ops_before;
  const int64_t bytes = store.bytes.load() - bytes_before;
  // The same assignments as AssignmentCache::AddToBatch writes them into an empty store.
  MemoryStore empty;
  ContentCache content(empty);
  AssignmentCache tree(empty, content);
  int64_t tree_ops = 0;
  int64_t tree_bytes = 0;
  for (const Message& a : answered) {
    WriteBatch batch;
    ASSERT_OK(tree.AddToBatch(a, &batch));
    for (const WriteBatch::Op& op : batch.ops()) {
      ++tree_ops;
      tree_bytes += static_cast<int64_t>(op.path.size() + op.data.size());
    }
  }
  // The record, the ID links of the assignment, its commitment, that commitment's message and
  // the commitments map, the slot link, the latest pointer, and the body's tree (4 leaves, its
  // group and 4 links, its ID link): 17, where the tree beside the packed copy takes 50.
  EXPECT_LE(ops, 17 * kAssignments);
  EXPECT_LE(ops * 2, tree_ops);
  EXPECT_LE(bytes * 3, tree_bytes * 2);
  std::printf("per assignment: %.1f operations, %.0f bytes; the tree: %.1f, %.0f\n", ops / double(kAssignments),
              bytes / double(kAssignments), tree_ops / double(kAssignments), tree_bytes / double(kAssignments));
}

}  // namespace
}  // namespace ao
