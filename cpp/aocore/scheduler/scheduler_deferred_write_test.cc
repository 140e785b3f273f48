// The deferred signed write of pipelined local confirmation (process_scheduler.h): the caller is
// answered once its reservation is synced and the signed write is queued with the store
// (Store::ApplyDeferred), before that write is applied. Every reader must still see the answered
// assignment, and a kill before the write is applied must lose nothing that was answered.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/cache/content_cache.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/process_scheduler.h"
#include "aocore/scheduler/reservations.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::RandomId;
using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestMessage;

SchedulerEnvironment Pipelined(Store* store) {
  SchedulerEnvironment env = TestEnvironment(store);
  env.deterministic_signer = true;  // TestSign is an HMAC of the content: deterministic
  env.defer_signed_write = true;
  return env;
}

Bytes Packed(const Message& m) {
  Result<Bytes> packed = ContentCache::EncodePacked(Value(m));
  EXPECT_OK(packed);
  return packed.ok() ? *packed : Bytes();
}

TEST(SchedulerDeferredWrite, TheCallerIsAnsweredBeforeTheSignedWriteAndAReaderThenSeesIt) {
  MemoryStore store;
  const std::string pid = RandomId();
  auto scheduler = ProcessScheduler::Create(pid, Pipelined(&store));
  ASSERT_OK(scheduler);
  store.PauseDeferredForTesting(true);
  Result<Message> answered = (*scheduler)->Schedule(TestMessage(0));
  ASSERT_OK(answered);
  // Answered while the signed write waits in the store's queue.
  EXPECT_EQ(store.deferred_pending(), 1u);
  EXPECT_FALSE((*scheduler)->Idle());
  Result<std::vector<Message>> read = Status::Internal("not read");
  std::thread reader([&] { read = ReadAndVerifySchedule(store, pid, 1); });
  ASSERT_TRUE(testing::WaitFor([&] { return store.deferred_waiters() == 1; }));
  store.PauseDeferredForTesting(false);
  reader.join();
  ASSERT_OK(read);
  EXPECT_EQ(Packed((*read)[0]), Packed(*answered));
  EXPECT_EQ(MessageId((*read)[0], IdMode::kAll).value(), MessageId(*answered, IdMode::kAll).value());
  // The signed write removed the reservation; the scheduler is idle once it is applied.
  EXPECT_TRUE(store.Read(ReservationPath(pid, 0)).status().IsNotFound());
  ASSERT_TRUE(testing::WaitFor([&] { return (*scheduler)->Idle(); }));
}

TEST(SchedulerDeferredWrite, ConsecutiveAssignmentsChainAndReadBackAsAnswered) {
  MemoryStore store;
  const std::string pid = RandomId();
  auto scheduler = ProcessScheduler::Create(pid, Pipelined(&store));
  ASSERT_OK(scheduler);
  std::vector<Message> answered;
  for (int i = 0; i < 20; ++i) {
    Result<Message> a = (*scheduler)->Schedule(TestMessage(i));
    ASSERT_OK(a);
    answered.push_back(*a);
  }
  Result<std::vector<Message>> stored = ReadAndVerifySchedule(store, pid, answered.size());
  ASSERT_OK(stored);
  for (size_t i = 0; i < answered.size(); ++i) EXPECT_EQ(Packed((*stored)[i]), Packed(answered[i])) << i;
}

TEST(SchedulerDeferredWrite, AKillBeforeTheSignedWriteIsAppliedLosesNoAnsweredSlot) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  const std::string pid = RandomId();
  std::vector<Message> answered;
  {
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    auto scheduler = ProcessScheduler::Create(pid, Pipelined(store->get()));
    ASSERT_OK(scheduler);
    Result<Message> first = (*scheduler)->Schedule(TestMessage(0));
    ASSERT_OK(first);
    answered.push_back(*first);
    ASSERT_TRUE(testing::WaitFor([&] { return (*store)->deferred_pending() == 0; }));
    (*store)->PauseDeferredForTesting(true);
    Result<Message> second = (*scheduler)->Schedule(TestMessage(1));
    ASSERT_OK(second);
    answered.push_back(*second);
    // The process dies here: the queued signed write of slot 1 is never applied.
    (*store)->DropDeferredForTesting();
    EXPECT_FALSE((*scheduler)->health().ok());
    EXPECT_TRUE((*scheduler)->Schedule(TestMessage(2)).status().IsAborted());
    (*scheduler)->Stop();
    scheduler->reset();
    EXPECT_TRUE(
        AssignmentCache(**store, ContentCache(**store)).Read(pid, 1).status().IsNotFound());
    ASSERT_OK((*store)->Close());
  }
  auto store = LevelDbStore::Open(db);
  ASSERT_OK(store);
  // Recovery signs the synced reservation again: the answered bytes.
  auto scheduler = ProcessScheduler::Create(pid, Pipelined(store->get()));
  ASSERT_OK(scheduler);
  EXPECT_EQ((*scheduler)->CurrentSlot(), 1);
  Result<Message> third = (*scheduler)->Schedule(TestMessage(2));
  ASSERT_OK(third);
  answered.push_back(*third);
  Result<std::vector<Message>> stored = ReadAndVerifySchedule(**store, pid, answered.size());
  ASSERT_OK(stored);
  for (size_t i = 0; i < answered.size(); ++i) EXPECT_EQ(Packed((*stored)[i]), Packed(answered[i])) << i;
}

}  // namespace
}  // namespace ao

namespace ao {
namespace {

// The signed write of a pipelined assignment (its record and the links to it, the body, the slot
// link) is on the reply's path; it is made of content operations, which need no existence read,
// so the store reads for an assignment are the few that decide something (slot free, body
// already stored, latest).
TEST(SchedulerPipelinedWrite, TheSignedWriteOnTheReplysPathReadsAlmostNothing) {
  MemoryStore store;
  const std::string pid = scheduler_testing::RandomId();
  SchedulerEnvironment env = scheduler_testing::TestEnvironment(&store);
  env.deterministic_signer = true;
  auto scheduler = ProcessScheduler::Create(pid, env);
  ASSERT_OK(scheduler);
  for (int i = 0; i < 3; ++i) ASSERT_OK((*scheduler)->Schedule(scheduler_testing::TestMessage(i)));
  const int64_t before = store.point_reads();
  constexpr int kAssignments = 10;
  for (int i = 3; i < 3 + kAssignments; ++i) ASSERT_OK((*scheduler)->Schedule(scheduler_testing::TestMessage(i)));
  const double per_assignment = static_cast<double>(store.point_reads() - before) / kAssignments;
  // 38 when the content operations lost their flag on the way (each then read its path first);
  // 11 with the assignment's content tree written beside its packed copy; 6 with the assignment
  // stored as a record (assignment_writes.h): the reservation, the slot check, the body's "group
  // already stored?" check and its ID link (first writer wins), the latest pointer, the
  // reservation's deletion.
  EXPECT_LE(per_assignment, 7.0);
}

}  // namespace
}  // namespace ao
