// Power loss under pipelined local confirmation (process_scheduler.h): the scheduler answers
// after an UNSYNCED write of the signed assignment, having synced its reservation while
// signing. A store that keeps only what was synced (every write after the last synced one is
// dropped, as a machine that loses power loses LevelDB's unsynced log tail) shows that the
// schedule recovered from the reservations is what the callers were answered, byte for byte.
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/cache/content_cache.h"
#include "aocore/message/commitment.h"
#include "aocore/scheduler/process_scheduler.h"
#include "aocore/scheduler/reservations.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/keys.h"
#include "aocore/store/memory_store.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::RandomId;
using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestMessage;
using scheduler_testing::TestSign;
using scheduler_testing::TestSignerAddress;

// Applies every batch to the live store, and to `durable` only when a synced Apply makes it
// (and every batch applied before it) durable. After a simulated power loss, `durable` is the
// store as the machine finds it.
class PowerLossStore final : public testing::ForwardingStore {
 public:
  explicit PowerLossStore(Store& live) : ForwardingStore(live) {}
  MemoryStore durable;
  std::atomic<int> synced_applies{0};
  std::atomic<int> unsynced_applies{0};
  // Synced applies wait (boundedly) for this first, before they take the log's order.
  std::function<bool()> release_sync = [] { return true; };
  std::atomic<int> syncs_waiting{0};

  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    if (options.sync) {
      ++syncs_waiting;
      (void)testing::WaitFor(release_sync);
      --syncs_waiting;
    }
    // One order for the live store and the log, as LevelDB's single log has.
    std::lock_guard<std::mutex> lock(mu_);
    Status applied = ForwardingStore::Apply(batch, options);
    if (!applied.ok()) return applied;
    unsynced_.push_back(batch);
    if (!options.sync) {
      ++unsynced_applies;
      return applied;
    }
    ++synced_applies;
    for (const WriteBatch& b : unsynced_) {
      Status replayed = durable.Apply(b, WriteOptions{});
      if (!replayed.ok()) return replayed.WithContext("replaying into the durable copy");
    }
    unsynced_.clear();
    return applied;
  }

 private:
  std::mutex mu_;
  std::vector<WriteBatch> unsynced_;
};

bool Stored(Store& store, const std::string& pid, uint64_t slot) {
  Result<NodeType> type = store.Type(AssignmentPath(pid, slot));
  return type.ok() && *type != NodeType::kNotFound;
}

Bytes Packed(const Message& m) {
  Result<Bytes> packed = ContentCache::EncodePacked(Value(m));
  EXPECT_OK(packed);
  return packed.ok() ? *packed : Bytes();
}

SchedulerEnvironment Pipelined(Store* store) {
  SchedulerEnvironment env = TestEnvironment(store);
  env.deterministic_signer = true;  // TestSign is an HMAC of the content: deterministic
  return env;
}

// Schedules `count` messages from `threads` callers; returns slot -> the answered assignment.
std::map<int64_t, Message> ScheduleMany(ProcessScheduler& scheduler, int threads, int count) {
  std::mutex mu;
  std::map<int64_t, Message> answered;
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = t; i < count; i += threads) {
        Result<Message> a = scheduler.Schedule(TestMessage(i, "caller" + std::to_string(t)));
        ASSERT_OK(a);
        std::lock_guard<std::mutex> lock(mu);
        answered.emplace(a->Find("slot")->integer(), *a);
      }
    });
  }
  for (auto& c : callers) c.join();
  return answered;
}

// Every answered assignment is in `store`, byte for byte, and the schedule is contiguous with a
// verifying chain.
void ExpectScheduleIsWhatWasAnswered(Store& store, const std::string& pid,
                                     const std::map<int64_t, Message>& answered) {
  Result<std::vector<Message>> stored = ReadAndVerifySchedule(store, pid, answered.size());
  ASSERT_OK(stored);
  for (const auto& [slot, assignment] : answered) {
    EXPECT_EQ(Packed((*stored)[slot]), Packed(assignment)) << "slot " << slot;
  }
}

TEST(SchedulerPowerLoss, PipelinedSchedulingAnswersBeforeTheSignedAssignmentIsSynced) {
  MemoryStore live;
  PowerLossStore store(live);
  const std::string pid = RandomId();
  auto scheduler = ProcessScheduler::Create(pid, Pipelined(&store));
  ASSERT_OK(scheduler);
  ASSERT_OK((*scheduler)->Schedule(TestMessage(0)));
  (*scheduler)->Stop();
  // The reservation was synced; the signed assignment was written without sync.
  EXPECT_EQ(store.synced_applies.load(), 1);
  EXPECT_EQ(store.unsynced_applies.load(), 1);
  EXPECT_TRUE(Stored(live, pid, 0));
  EXPECT_FALSE(Stored(store.durable, pid, 0));
  EXPECT_OK(store.durable.Read(ReservationPath(pid, 0)));
  // The stored assignment removed its reservation.
  EXPECT_TRUE(live.Read(ReservationPath(pid, 0)).status().IsNotFound());
}

TEST(SchedulerPowerLoss, TheRecoveredScheduleIsWhatWasAnsweredByteForByte) {
  MemoryStore live;
  PowerLossStore store(live);
  const std::string pid = RandomId();
  std::map<int64_t, Message> answered;
  {
    auto scheduler = ProcessScheduler::Create(pid, Pipelined(&store));
    ASSERT_OK(scheduler);
    answered = ScheduleMany(**scheduler, 1, 10);
    std::map<int64_t, Message> more = ScheduleMany(**scheduler, 8, 120);
    for (auto& [slot, a] : more) answered.emplace(slot, std::move(a));
    ASSERT_EQ(answered.size(), 130u);
  }
  // The power goes: what was not synced is gone, at least the last answered assignment.
  Result<std::optional<uint64_t>> durable_latest =
      AssignmentCache(store.durable, ContentCache(store.durable)).LatestSlot(pid);
  ASSERT_OK(durable_latest);
  ASSERT_TRUE(!durable_latest->has_value() || **durable_latest < 129u);

  // Recovery at Create: every answered assignment is back, as answered.
  SchedulerEnvironment env = Pipelined(&store.durable);
  auto recovered = ProcessScheduler::Create(pid, env);
  ASSERT_OK(recovered);
  EXPECT_EQ((*recovered)->CurrentSlot(), 129);
  ExpectScheduleIsWhatWasAnswered(store.durable, pid, answered);
  Result<std::vector<Reservation>> left = ReadReservations(store.durable, pid);
  ASSERT_OK(left);
  EXPECT_TRUE(left->empty());

  // Idempotent: a second recovery finds nothing to do and changes nothing; scheduling
  // continues the chain.
  (*recovered)->Stop();
  recovered->reset();
  auto again = ProcessScheduler::Create(pid, env);
  ASSERT_OK(again);
  EXPECT_EQ((*again)->CurrentSlot(), 129);
  ExpectScheduleIsWhatWasAnswered(store.durable, pid, answered);
  Result<Message> next = (*again)->Schedule(TestMessage(1000));
  ASSERT_OK(next);
  EXPECT_EQ(next->Find("slot")->integer(), 130);
  ASSERT_OK(ReadAndVerifySchedule(store.durable, pid, 131));
}

TEST(SchedulerPowerLoss, ANodesRegistryRecoversEveryProcessBeforeAnythingReadsIt) {
  MemoryStore live;
  PowerLossStore store(live);
  const std::string a = RandomId();
  const std::string b = RandomId();
  std::map<int64_t, Message> answered_a, answered_b;
  {
    auto sa = ProcessScheduler::Create(a, Pipelined(&store));
    auto sb = ProcessScheduler::Create(b, Pipelined(&store));
    ASSERT_OK(sa);
    ASSERT_OK(sb);
    answered_a = ScheduleMany(**sa, 1, 5);
    answered_b = ScheduleMany(**sb, 1, 3);
  }
  // What Node::Start does: the reservations left are stored at once, not at the next Schedule.
  SchedulerRegistry registry(Pipelined(&store.durable));
  Result<size_t> recovered = registry.RecoverReservedAssignments();
  ASSERT_OK(recovered);
  EXPECT_GE(*recovered, 1u);
  ExpectScheduleIsWhatWasAnswered(store.durable, a, answered_a);
  ExpectScheduleIsWhatWasAnswered(store.durable, b, answered_b);
  Result<std::vector<std::string>> left = ProcessesWithReservations(store.durable);
  ASSERT_OK(left);
  EXPECT_TRUE(left->empty());
  // Nothing left: a second call creates nothing.
  SchedulerRegistry again(Pipelined(&store.durable));
  EXPECT_EQ(again.RecoverReservedAssignments().value(), 0u);
}

TEST(SchedulerPowerLoss, ARecoveryThatCouldNotWriteIsDoneAgainTheSameWay) {
  MemoryStore live;
  PowerLossStore store(live);
  const std::string pid = RandomId();
  std::map<int64_t, Message> answered;
  {
    auto scheduler = ProcessScheduler::Create(pid, Pipelined(&store));
    ASSERT_OK(scheduler);
    answered = ScheduleMany(**scheduler, 4, 40);
  }
  // The first recovery's write fails (the power goes again, a full disk): nothing of it is
  // stored and the scheduler is not created; the next one stores the same bytes.
  scheduler_testing::FailingStore failing(store.durable);
  failing.fail_apply = true;
  EXPECT_FALSE(ProcessScheduler::Create(pid, Pipelined(&failing)).ok());
  failing.fail_apply = false;
  auto recovered = ProcessScheduler::Create(pid, Pipelined(&failing));
  ASSERT_OK(recovered);
  EXPECT_EQ((*recovered)->CurrentSlot(), 39);
  ExpectScheduleIsWhatWasAnswered(store.durable, pid, answered);
}

TEST(SchedulerPowerLoss, TheNodeWalletsDeterministicCommitmentsComeBackIdenticalAndVerify) {
  // The node's wiring: httpsig Commit with deterministic salts, RSA-4096.
  MemoryStore live;
  PowerLossStore store(live);
  SchedulerEnvironment env = Pipelined(&store);
  const Wallet& wallet = testing::SharedTestWallet();
  env.signer = [&wallet](Message m) { return Commit(m, wallet, SaltMode::kDeterministic); };
  env.verifier = [](const Message& m) { return Verify(m) ? Status::OK() : Status::InvalidArgument("no"); };
  const std::string pid = RandomId();
  std::map<int64_t, Message> answered;
  {
    auto scheduler = ProcessScheduler::Create(pid, env);
    ASSERT_OK(scheduler);
    answered = ScheduleMany(**scheduler, 2, 6);
  }
  env.store = &store.durable;
  auto recovered = ProcessScheduler::Create(pid, env);
  ASSERT_OK(recovered);
  ExpectScheduleIsWhatWasAnswered(store.durable, pid, answered);
  Result<std::vector<Message>> stored = ReadAndVerifySchedule(store.durable, pid, answered.size());
  ASSERT_OK(stored);
  for (const Message& a : *stored) EXPECT_TRUE(Verify(a));
}

TEST(SchedulerPowerLoss, ARefusedAssignmentLeavesNoReservationToRecover) {
  MemoryStore live;
  PowerLossStore store(live);
  SchedulerEnvironment env = Pipelined(&store);
  env.signer = [](Message m) -> Result<Message> {
    if (m.FindMessage("body")->Contains("refuse-me")) return Status::Internal("HSM offline");
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  {
    auto scheduler = ProcessScheduler::Create(pid, env);
    ASSERT_OK(scheduler);
    ASSERT_OK((*scheduler)->Schedule(TestMessage(0)));
    Message refused = TestMessage(1);
    refused.Set("refuse-me", true);
    EXPECT_TRUE((*scheduler)->Schedule(refused).status().IsInternal());
  }
  env.store = &store.durable;
  auto recovered = ProcessScheduler::Create(pid, env);
  ASSERT_OK(recovered);
  // Slot 0 is back; the refused message did not take slot 1.
  EXPECT_EQ((*recovered)->CurrentSlot(), 0);
  ASSERT_OK(ReadAndVerifySchedule(store.durable, pid, 1));
}

TEST(SchedulerPowerLoss, WhileAnotherProcessIsSyncingAGroupSharesItsFsyncInstead) {
  MemoryStore live;
  PowerLossStore store(live);
  std::atomic<bool> open{false};
  store.release_sync = [&] { return open.load(); };
  SchedulerEnvironment env = Pipelined(&store);
  env.committer = std::make_shared<GroupCommitter>(store);  // shared, as a registry shares it
  const std::string a = RandomId();
  const std::string b = RandomId();
  auto sa = ProcessScheduler::Create(a, env);
  auto sb = ProcessScheduler::Create(b, env);
  ASSERT_OK(sa);
  ASSERT_OK(sb);
  // A's reservation is being synced (held): the committer is busy when B plans its group.
  auto first = std::async(std::launch::async, [&] { return (*sa)->Schedule(TestMessage(0)); });
  ASSERT_TRUE(testing::WaitFor([&] { return store.syncs_waiting.load() == 1; }));
  auto second = std::async(std::launch::async, [&] { return (*sb)->Schedule(TestMessage(1)); });
  // B signs, then queues its whole assignment for the next synced write (no reservation).
  ASSERT_TRUE(testing::WaitFor([&] { return env.committer->waiting() == 1; }));
  open = true;
  ASSERT_OK(first.get());
  ASSERT_OK(second.get());
  // B's assignment itself was synced: nothing synced after it, yet it is durable. (Pipelined,
  // only its reservation would be.)
  EXPECT_TRUE(Stored(store.durable, b, 0));
  EXPECT_TRUE(store.durable.Read(ReservationPath(b, 0)).status().IsNotFound());
}

TEST(SchedulerPowerLoss, WhileOtherSchedulersSignOnEveryCoreAGroupIsSyncedAfterSigning) {
  MemoryStore live;
  PowerLossStore store(live);
  SchedulerEnvironment env = Pipelined(&store);
  env.committer = std::make_shared<GroupCommitter>(store);  // shared, as a registry shares them
  env.groups_signing = std::make_shared<std::atomic<size_t>>(0);
  env.cores = 1;
  // A's signature is held: A keeps the one core signing.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> held{0};
  SchedulerEnvironment env_a = env;
  env_a.signer = [&held, released, sign = env.signer](Message m) {
    ++held;
    released.wait();
    return sign(std::move(m));
  };
  const std::string a = RandomId();
  const std::string b = RandomId();
  auto sa = ProcessScheduler::Create(a, env_a);
  auto sb = ProcessScheduler::Create(b, env);
  ASSERT_OK(sa);
  ASSERT_OK(sb);
  auto first = std::async(std::launch::async, [&] { return (*sa)->Schedule(TestMessage(0)); });
  // Released on every way out too, before `first` and the schedulers wait for A's signature.
  struct Release {
    std::promise<void> promise;
    bool done = false;
    void operator()() {
      if (!std::exchange(done, true)) promise.set_value();
    }
    ~Release() { (*this)(); }
  } release_a{std::move(release)};
  // A was alone: pipelined, its reservation synced while it signs; the committer is idle again.
  ASSERT_TRUE(testing::WaitFor(
      [&] { return held.load() == 1 && store.synced_applies.load() == 1 && !env.committer->busy(); }));
  // B has no core to overlap an fsync with: no reservation, its assignment synced after signing.
  ASSERT_OK((*sb)->Schedule(TestMessage(1)));
  EXPECT_TRUE(Stored(store.durable, b, 0));
  EXPECT_TRUE(store.durable.Read(ReservationPath(b, 0)).status().IsNotFound());
  release_a();
  ASSERT_OK(first.get());
  (*sa)->Stop();
  EXPECT_OK(store.durable.Read(ReservationPath(a, 0)));
  EXPECT_EQ(env.groups_signing->load(), 0u);
}

TEST(SchedulerPowerLoss, AnyOtherSignerKeepsTheSyncedWriteAfterSigning) {
  MemoryStore live;
  PowerLossStore store(live);
  SchedulerEnvironment env = TestEnvironment(&store);  // deterministic_signer false
  const std::string pid = RandomId();
  auto scheduler = ProcessScheduler::Create(pid, env);
  ASSERT_OK(scheduler);
  ASSERT_OK((*scheduler)->Schedule(TestMessage(0)));
  EXPECT_EQ(store.unsynced_applies.load(), 0);
  EXPECT_TRUE(Stored(store.durable, pid, 0));
  EXPECT_TRUE(store.durable.Read(ReservationPath(pid, 0)).status().IsNotFound());
}

}  // namespace
}  // namespace ao
