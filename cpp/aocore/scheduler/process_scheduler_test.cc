// ProcessScheduler: slot order, hash chain across restarts, confirmation modes, sticky
// failure, deadlines, verification.
#include "aocore/scheduler/process_scheduler.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using namespace std::chrono_literals;
using scheduler_testing::FailingStore;
using scheduler_testing::RandomId;
using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestMessage;
using scheduler_testing::TestSign;
using scheduler_testing::TestSignerAddress;

int64_t SlotOf(const Message& assignment) { return assignment.Find("slot")->integer(); }

std::unique_ptr<ProcessScheduler> MakeScheduler(const std::string& pid,
                                                const SchedulerEnvironment& env) {
  Result<std::unique_ptr<ProcessScheduler>> s = ProcessScheduler::Create(pid, env);
  EXPECT_OK(s);
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(ProcessScheduler, SlotsStartAtZeroAndIncreaseWithoutGaps) {
  MemoryStore store;
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, TestEnvironment(&store));
  ASSERT_NE(scheduler, nullptr);
  EXPECT_EQ(scheduler->CurrentSlot(), -1);
  for (int64_t i = 0; i < 50; ++i) {
    Result<Message> a = scheduler->Schedule(TestMessage(i));
    ASSERT_OK(a);
    EXPECT_EQ(SlotOf(*a), i);
    EXPECT_EQ(scheduler->CurrentSlot(), i);
  }
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 50));
}

TEST(ProcessScheduler, ReplyIsTheSignedAssignmentWithTheMessageAsBody) {
  MemoryStore store;
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, TestEnvironment(&store));
  Message message = TestMessage(1);
  Result<Message> a = scheduler->Schedule(message);
  ASSERT_OK(a);
  EXPECT_EQ(*a->FindMessage("body"), message);
  EXPECT_EQ(*a->FindBinary("process"), pid);
  EXPECT_EQ(*a->FindBinary("epoch"), "0");
  // Signed by the injected signer: id(assignment, all) is the signer's commitment.
  const Message* commitments = a->FindMessage("commitments");
  ASSERT_NE(commitments, nullptr);
  ASSERT_EQ(commitments->size(), 1u);
  EXPECT_EQ(*commitments->begin()->second.message().FindBinary("committer"), TestSignerAddress());
  EXPECT_OK(scheduler_testing::TestVerify(*a));
  // The first chain value is SHA-256 of the message's ID text alone.
  EXPECT_EQ(*a->FindBinary("hash-chain"),
            HashChain().Next(*MessageId(message, IdMode::kAll))->Text());
  // What was replied is what is stored.
  EXPECT_EQ(*ReadAndVerifySchedule(store, pid, 1)->front().FindMessage("body"), message);
}

TEST(ProcessScheduler, AssignmentsSignedWithTheNodeWalletVerify) {
  // The wiring the node uses: Commit with the node wallet, Verify for incoming messages.
  Result<Wallet> wallet = Wallet::Generate();
  ASSERT_OK(wallet);
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.signer = [&wallet](Message m) { return Commit(m, *wallet); };
  env.verifier = [](const Message& m) {
    return Verify(m) ? Status::OK() : Status::InvalidArgument("commitment does not verify");
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  Result<Message> signed_message = Commit(TestMessage(0), *wallet);
  ASSERT_OK(signed_message);
  Result<Message> a = scheduler->Schedule(*signed_message);
  ASSERT_OK(a);
  EXPECT_TRUE(Verify(*a));
  EXPECT_EQ(*a->FindMessage("body"), *signed_message);
  // id(assignment, all) is the wallet's RSA commitment.
  Result<std::vector<std::string>> committers = SelectCommitments(*a, nullptr, nullptr);
  ASSERT_OK(committers);
  bool found = false;
  for (const auto& [key, c] : *a->FindMessage("commitments")) {
    const Bytes* committer = c.message().FindBinary("committer");
    if (committer != nullptr && *committer == wallet->Address()) {
      EXPECT_EQ(*MessageId(*a, IdMode::kAll), key);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  Message tampered = *signed_message;
  tampered.Set("data", "changed after signing");
  EXPECT_TRUE(scheduler->Schedule(tampered).status().IsInvalidArgument());
  ASSERT_OK(scheduler->Schedule(TestMessage(1)));  // unsigned: accepted
  Result<std::vector<Message>> stored = ReadAndVerifySchedule(store, pid, 2);
  ASSERT_OK(stored);
  EXPECT_TRUE(Verify((*stored)[0]));  // the stored assignment still verifies
}

TEST(ProcessScheduler, DuplicateMessagesGetConsecutiveSlots) {
  MemoryStore store;
  auto scheduler = MakeScheduler(RandomId(), TestEnvironment(&store));
  Result<Message> signed_message = TestSign(TestMessage(0), RandomId());
  ASSERT_OK(signed_message);
  EXPECT_EQ(SlotOf(*scheduler->Schedule(*signed_message)), 0);
  EXPECT_EQ(SlotOf(*scheduler->Schedule(*signed_message)), 1);  // no dedup
  EXPECT_EQ(scheduler->CurrentSlot(), 1);
}

TEST(ProcessScheduler, ChainAndSlotsContinueAcrossARestart) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  const std::string pid = RandomId();
  for (int run = 0; run < 3; ++run) {
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    {
      auto scheduler = MakeScheduler(pid, TestEnvironment(store->get()));
      ASSERT_NE(scheduler, nullptr);
      EXPECT_EQ(scheduler->CurrentSlot(), run * 4 - 1);
      for (int i = 0; i < 4; ++i) {
        Result<Message> a = scheduler->Schedule(TestMessage(run * 4 + i));
        ASSERT_OK(a);
        EXPECT_EQ(SlotOf(*a), run * 4 + i);
      }
    }
    ASSERT_OK((*store)->Close());
  }
  auto store = LevelDbStore::Open(db);
  ASSERT_OK(store);
  // Recomputed from scratch with the canonical (raw-digest) rule, the chain verifies across
  // both restarts: the reference's chain would not.
  ASSERT_OK(ReadAndVerifySchedule(**store, pid, 12));
}

// A wall clock that goes back 100 ms at every read.
class BackwardsClock final : public Clock {
 public:
  TimePoint Now() const override { return SystemClock::Default().Now(); }
  int64_t WallMillis() const override { return now.fetch_sub(100); }
  mutable std::atomic<int64_t> now{5000};
};

TEST(ProcessScheduler, TimestampsNeverDecreaseEvenWhenTheClockDoes) {
  MemoryStore store;
  const std::string pid = RandomId();
  SchedulerEnvironment env = TestEnvironment(&store);
  BackwardsClock clock;
  std::atomic<int64_t>& now = clock.now;
  env.clock = &clock;
  {
    auto scheduler = MakeScheduler(pid, env);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(scheduler->Schedule(TestMessage(i))->Find("timestamp")->integer(), 5000);
  }
  // Also after a restart (the last timestamp is recovered from the store).
  auto scheduler = MakeScheduler(pid, env);
  EXPECT_EQ(scheduler->Schedule(TestMessage(9))->Find("timestamp")->integer(), 5000);
  now = 9000;
  EXPECT_EQ(scheduler->Schedule(TestMessage(10))->Find("timestamp")->integer(), 9000);
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 7));
}

TEST(ProcessScheduler, BlockInfoComesFromTheInjectedSource) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.block_info = [] { return BlockInfo{1440001, 1700000000, std::string(43, 'Z')}; };
  auto scheduler = MakeScheduler(RandomId(), env);
  Result<Message> a = scheduler->Schedule(TestMessage(0));
  ASSERT_OK(a);
  EXPECT_EQ(a->Find("block-height")->integer(), 1440001);
  EXPECT_EQ(a->Find("block-timestamp")->integer(), 1700000000);
  EXPECT_EQ(*a->FindBinary("block-hash"), std::string(43, 'Z'));
}

// 16 callers on one process, 500 messages each. `on_caller`: with schedule_on_caller, so the
// serial section passes between callers scheduling their own request and the worker.
void SixteenThreadsGetEverySlotExactlyOnce(bool on_caller) {
  testing::TempDir dir;
  auto store = LevelDbStore::Open((dir.path() / "db").string());
  ASSERT_OK(store);
  const std::string pid = RandomId();
  SchedulerEnvironment env = TestEnvironment(store->get());
  env.schedule_on_caller = on_caller;
  auto scheduler = MakeScheduler(pid, env);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 500;
  std::vector<std::vector<std::pair<int64_t, Message>>> replies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Message m = TestMessage(i, "thread-" + std::to_string(t));
        Result<Message> a = scheduler->Schedule(m);
        if (!a.ok()) {
          ADD_FAILURE() << a.status().ToString();
          return;
        }
        replies[t].emplace_back(SlotOf(*a), m);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> slots;
  std::map<int64_t, Message> sent_at;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(replies[t].size(), size_t{kPerThread});
    for (size_t i = 0; i < replies[t].size(); ++i) {
      EXPECT_TRUE(slots.insert(replies[t][i].first).second) << "slot issued twice";
      if (i > 0) {
        EXPECT_GT(replies[t][i].first, replies[t][i - 1].first);  // per-caller order
      }
      sent_at[replies[t][i].first] = replies[t][i].second;
    }
  }
  ASSERT_EQ(slots.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*slots.begin(), 0);
  EXPECT_EQ(*slots.rbegin(), kThreads * kPerThread - 1);
  EXPECT_EQ(scheduler->CurrentSlot(), kThreads * kPerThread - 1);
  Result<std::vector<Message>> stored = ReadAndVerifySchedule(**store, pid, kThreads * kPerThread);
  ASSERT_OK(stored);
  for (const Message& a : *stored) ASSERT_EQ(*a.FindMessage("body"), sent_at[SlotOf(a)]);
  // Group commit: far fewer synced batches than assignments is allowed, never more.
  EXPECT_LE((*store)->TEST_synced_commits(), uint64_t{kThreads * kPerThread});
}

TEST(ProcessScheduler, SixteenThreadsGetEverySlotExactlyOnceWithAVerifiableChain) {
  SixteenThreadsGetEverySlotExactlyOnce(/*on_caller=*/false);
}

TEST(ProcessScheduler, SixteenThreadsGetEverySlotExactlyOnceWhenCallersScheduleOnTheirThreads) {
  SixteenThreadsGetEverySlotExactlyOnce(/*on_caller=*/true);
}

TEST(ProcessScheduler, LocalConfirmationRepliesAfterASyncedWrite) {
  testing::TempDir dir;
  auto store = LevelDbStore::Open((dir.path() / "db").string());
  ASSERT_OK(store);
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, TestEnvironment(store->get()));
  ContentCache content(**store);
  AssignmentCache cache(**store, content);
  for (int i = 0; i < 3; ++i) {
    const uint64_t synced_before = (*store)->TEST_synced_commits();
    ASSERT_OK(scheduler->Schedule(TestMessage(i)));
    EXPECT_EQ((*store)->TEST_synced_commits(), synced_before + 1);
    EXPECT_OK(cache.Read(pid, i));  // read-your-writes
  }
}

TEST(ProcessScheduler, AggressiveRepliesAfterTheWriteWithoutSync) {
  testing::TempDir dir;
  auto store = LevelDbStore::Open((dir.path() / "db").string());
  ASSERT_OK(store);
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, TestEnvironment(store->get(), SchedulingMode::kAggressive));
  ContentCache content(**store);
  AssignmentCache cache(**store, content);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(scheduler->Schedule(TestMessage(i)));
    // Unlike the reference (reply before write), the slot is already in the store.
    EXPECT_OK(cache.Read(pid, i));
  }
  EXPECT_EQ((*store)->TEST_synced_commits(), 0u);
}

TEST(ProcessScheduler, RemoteConfirmationRepliesOnlyAfterTheUploaderAccepted) {
  testing::TempDir dir;
  auto store = LevelDbStore::Open((dir.path() / "db").string());
  ASSERT_OK(store);
  SchedulerEnvironment env = TestEnvironment(store->get(), SchedulingMode::kRemoteConfirmation);
  std::atomic<int> uploaded{0};
  std::vector<std::thread> uploaders;
  std::mutex uploaders_mu;
  env.uploader = [&](const Message& assignment) {
    auto promise = std::make_shared<std::promise<Status>>();
    std::future<Status> future = promise->get_future();
    std::lock_guard<std::mutex> lock(uploaders_mu);
    uploaders.emplace_back([&uploaded, promise] {
      std::this_thread::sleep_for(20ms);  // a slow network, not a synchronisation
      ++uploaded;
      promise->set_value(Status::OK());
    });
    EXPECT_TRUE(assignment.Contains("commitments"));
    return future;
  };
  auto scheduler = MakeScheduler(RandomId(), env);
  for (int i = 0; i < 3; ++i) {
    const uint64_t synced_before = (*store)->TEST_synced_commits();
    ASSERT_OK(scheduler->Schedule(TestMessage(i)));
    EXPECT_EQ(uploaded.load(), i + 1);
    EXPECT_EQ((*store)->TEST_synced_commits(), synced_before + 1);
  }
  for (auto& t : uploaders) t.join();
}

TEST(ProcessScheduler, RemoteConfirmationUploadFailureIsAnErrorReplyWithoutAHole) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store, SchedulingMode::kRemoteConfirmation);
  std::atomic<bool> fail{true};
  env.uploader = [&](const Message&) {
    std::promise<Status> p;
    p.set_value(fail ? Status::Unavailable("bundler down") : Status::OK());
    return p.get_future();
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  Result<Message> a = scheduler->Schedule(TestMessage(0));
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.status().IsUnavailable()) << a.status().ToString();
  EXPECT_NE(a.status().message().find("upload failed"), std::string::npos);
  EXPECT_EQ(scheduler->CurrentSlot(), 0);  // committed locally: the slot is used
  fail = false;
  EXPECT_EQ(SlotOf(*scheduler->Schedule(TestMessage(1))), 1);
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 2));
}

TEST(ProcessScheduler, RemoteConfirmationNeedsAnUploader) {
  MemoryStore store;
  EXPECT_TRUE(ProcessScheduler::Create(
                  RandomId(), TestEnvironment(&store, SchedulingMode::kRemoteConfirmation))
                  .status()
                  .IsInvalidArgument());
}

TEST(ProcessScheduler, AFailedWriteMakesTheSchedulerRefuseEverythingUntilRecreated) {
  MemoryStore inner;
  FailingStore store(inner);
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, TestEnvironment(&store));
  ASSERT_OK(scheduler->Schedule(TestMessage(0)));
  ASSERT_OK(scheduler->Schedule(TestMessage(1)));
  store.fail_apply = true;
  Result<Message> failed = scheduler->Schedule(TestMessage(2));
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.status().IsIOError()) << failed.status().ToString();
  EXPECT_TRUE(scheduler->health().IsAborted());
  store.fail_apply = false;  // even once the store works again: sticky
  const int applies = store.applies.load();
  for (int i = 0; i < 3; ++i) {
    Result<Message> refused = scheduler->Schedule(TestMessage(3 + i));
    EXPECT_TRUE(refused.status().IsAborted()) << refused.status().ToString();
  }
  EXPECT_EQ(store.applies.load(), applies);  // nothing more was written
  EXPECT_EQ(scheduler->CurrentSlot(), 1);
  scheduler.reset();
  // Recreated: recovers from the store and continues at slot 2, with no hole.
  scheduler = MakeScheduler(pid, TestEnvironment(&store));
  EXPECT_EQ(SlotOf(*scheduler->Schedule(TestMessage(2))), 2);
  ASSERT_OK(ReadAndVerifySchedule(inner, pid, 3));
}

TEST(ProcessScheduler, SignerFailureRejectsOnlyThatMessage) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.signer = [](Message m) -> Result<Message> {
    if (m.FindMessage("body")->Contains("refuse-me")) return Status::Internal("HSM offline");
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  ASSERT_OK(scheduler->Schedule(TestMessage(0)));
  Message bad = TestMessage(1);
  bad.Set("refuse-me", true);
  EXPECT_TRUE(scheduler->Schedule(bad).status().IsInternal());
  EXPECT_OK(scheduler->health());
  EXPECT_EQ(SlotOf(*scheduler->Schedule(TestMessage(2))), 1);  // no gap
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 2));
}

TEST(ProcessScheduler, ASignerThatAltersTheAssignmentIsRefused) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.signer = [](Message m) -> Result<Message> {
    m.Set("slot", Value(int64_t{42}));
    return m;
  };
  auto scheduler = MakeScheduler(RandomId(), env);
  EXPECT_TRUE(scheduler->Schedule(TestMessage(0)).status().IsInternal());
  EXPECT_EQ(scheduler->CurrentSlot(), -1);
}

TEST(ProcessScheduler, MessagesThatCannotBeStoredAreRejectedWithoutConsumingASlot) {
  MemoryStore store;
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, TestEnvironment(&store));
  Message bad = TestMessage(0);
  bad.Set("a/b", "slash keys cannot be stored");
  EXPECT_TRUE(scheduler->Schedule(bad).status().IsInvalidArgument());
  EXPECT_EQ(SlotOf(*scheduler->Schedule(TestMessage(1))), 0);
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 1));
}

TEST(ProcessScheduler, SignedMessagesThatDoNotVerifyAreRefusedUnsignedAreAccepted) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  std::atomic<int> verified{0};
  env.verifier = [&](const Message& m) {
    ++verified;
    return scheduler_testing::TestVerify(m);
  };
  auto scheduler = MakeScheduler(RandomId(), env);
  EXPECT_OK(scheduler->Schedule(TestMessage(0)));  // unsigned: accepted, not verified
  EXPECT_EQ(verified.load(), 0);
  Result<Message> good = TestSign(TestMessage(1), RandomId());
  ASSERT_OK(good);
  EXPECT_OK(scheduler->Schedule(*good));
  Message tampered = *good;
  tampered.Set("data", "changed after signing");
  Result<Message> refused = scheduler->Schedule(tampered);
  EXPECT_TRUE(refused.status().IsInvalidSignature());
  EXPECT_NE(refused.status().message().find("Message is not valid"), std::string::npos);
  EXPECT_EQ(verified.load(), 2);
  EXPECT_EQ(scheduler->CurrentSlot(), 1);
}

// A signer that blocks until released: holds the serial section.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> waiting{0};
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    ++waiting;
    cv.wait(lock, [this] { return open; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(ProcessScheduler, EveryCallerGetsOneReplyByItsDeadline) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  Gate gate;
  env.signer = [&gate](Message m) {
    gate.Wait();
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  // The first request reaches the (blocked) signer; the second waits in the queue.
  auto first = std::async(std::launch::async, [&] {
    return scheduler->Schedule(TestMessage(0), std::chrono::steady_clock::now() + 100ms);
  });
  ASSERT_TRUE(testing::WaitFor([&] { return gate.waiting.load() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  Result<Message> second =
      scheduler->Schedule(TestMessage(1), std::chrono::steady_clock::now() + 50ms);
  EXPECT_TRUE(second.status().IsDeadlineExceeded()) << second.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  Result<Message> first_result = first.get();
  EXPECT_TRUE(first_result.status().IsDeadlineExceeded()) << first_result.status().ToString();
  gate.Open();
  // The first request was already being committed: it lands at slot 0. The second expired in
  // the queue and is dropped unassigned, so the next message gets slot 1: no gap either way.
  ASSERT_TRUE(testing::WaitFor([&] { return scheduler->CurrentSlot() == 0; }));
  EXPECT_EQ(SlotOf(*scheduler->Schedule(TestMessage(2))), 1);
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 2));
}

// Runs helper tasks on threads of its own; joins them on destruction.
struct HelperThreads {
  std::mutex mu;
  std::vector<std::thread> threads;
  HelperStarter Starter() {
    return [this](std::function<void()> task) {
      std::lock_guard<std::mutex> lock(mu);
      threads.emplace_back(std::move(task));
      return true;
    };
  }
  ~HelperThreads() {
    for (auto& t : threads) t.join();
  }
};

TEST(ProcessScheduler, TheAssignmentsOfABatchAreSignedInParallel) {
  MemoryStore store;
  HelperThreads helpers;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.start_helper = helpers.Starter();
  env.signing_helpers = 3;
  std::atomic<int> in_flight{0};
  std::atomic<int> most_in_flight{0};
  env.signer = [&](Message m) {
    const int now = ++in_flight;
    int seen = most_in_flight.load();
    while (now > seen && !most_in_flight.compare_exchange_weak(seen, now)) {
    }
    // Until two signatures have overlapped, each waits (boundedly) for a partner to show up.
    const auto give_up = std::chrono::steady_clock::now() + 200ms;
    while (most_in_flight.load() < 2 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(1ms);
    }
    --in_flight;
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_OK(scheduler->Schedule(TestMessage(i, "caller-" + std::to_string(t))));
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_GE(most_in_flight.load(), 2);
  EXPECT_EQ(scheduler->CurrentSlot(), 79);
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 80));
}

TEST(ProcessScheduler, ASignerFailureInsideABatchLeavesNoGapAfterIt) {
  MemoryStore store;
  HelperThreads helpers;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.start_helper = helpers.Starter();
  env.signing_helpers = 2;
  Gate gate;
  env.signer = [&gate](Message m) -> Result<Message> {
    if (m.FindMessage("body")->Contains("hold")) gate.Wait();
    if (m.FindMessage("body")->Contains("refuse-me")) return Status::Internal("HSM offline");
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  // Slot 0 holds the scheduler while a batch queues up behind it, a refused message in its middle.
  Message hold = TestMessage(0);
  hold.Set("hold", true);
  auto first = std::async(std::launch::async, [&] { return scheduler->Schedule(hold); });
  ASSERT_TRUE(testing::WaitFor([&] { return gate.waiting.load() == 1; }));
  std::vector<std::future<Result<Message>>> batch;
  for (int i = 1; i <= 6; ++i) {
    Message m = TestMessage(i);
    if (i == 3) m.Set("refuse-me", true);
    batch.push_back(std::async(std::launch::async, [&scheduler, m] { return scheduler->Schedule(m); }));
  }
  gate.Open();
  ASSERT_OK(first.get());
  std::set<int64_t> slots;
  for (int i = 1; i <= 6; ++i) {
    Result<Message> a = batch[i - 1].get();
    if (i == 3) {
      EXPECT_TRUE(a.status().IsInternal()) << a.status().ToString();
    } else {
      ASSERT_OK(a);
      slots.insert(SlotOf(*a));
    }
  }
  EXPECT_EQ(slots, (std::set<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_OK(scheduler->health());
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 6));
}

TEST(ProcessScheduler, RemoteUploadThatNeverFinishesIsDeadlineExceeded) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store, SchedulingMode::kRemoteConfirmation);
  std::vector<std::promise<Status>> pending;
  std::mutex pending_mu;
  env.uploader = [&](const Message&) {
    std::lock_guard<std::mutex> lock(pending_mu);
    pending.emplace_back();
    return pending.back().get_future();
  };
  auto scheduler = MakeScheduler(RandomId(), env);
  Result<Message> a = scheduler->Schedule(TestMessage(0), std::chrono::steady_clock::now() + 30ms);
  EXPECT_TRUE(a.status().IsDeadlineExceeded()) << a.status().ToString();
  std::lock_guard<std::mutex> lock(pending_mu);
  for (auto& p : pending) p.set_value(Status::OK());
}

TEST(ProcessScheduler, StoppedSchedulerRefusesWithClosed) {
  MemoryStore store;
  auto scheduler = MakeScheduler(RandomId(), TestEnvironment(&store));
  ASSERT_OK(scheduler->Schedule(TestMessage(0)));
  scheduler->Stop();
  scheduler->Stop();  // idempotent
  EXPECT_TRUE(scheduler->Schedule(TestMessage(1)).status().IsClosed());
}

TEST(ProcessScheduler, StopRepliesToQueuedRequests) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  Gate gate;
  env.signer = [&gate](Message m) {
    gate.Wait();
    return TestSign(std::move(m), TestSignerAddress());
  };
  auto scheduler = MakeScheduler(RandomId(), env);
  auto first = std::async(std::launch::async, [&] { return scheduler->Schedule(TestMessage(0)); });
  ASSERT_TRUE(testing::WaitFor([&] { return gate.waiting.load() == 1; }));
  auto second = std::async(std::launch::async, [&] { return scheduler->Schedule(TestMessage(1)); });
  std::thread stopper([&] { scheduler->Stop(); });
  // The stopper waits for the batch in progress; release it. `second` may have been queued
  // before the stop (then it is answered Closed, or committed if it joined the batch) or
  // refused after it: exactly one reply either way.
  gate.Open();
  stopper.join();
  EXPECT_OK(first.get());
  Result<Message> second_result = second.get();
  EXPECT_TRUE(second_result.ok() || second_result.status().IsClosed())
      << second_result.status().ToString();
}

// A signer that records the threads it signed on, in order.
struct SigningThreads {
  std::mutex mu;
  std::vector<std::thread::id> ids;
  void Add() {
    std::lock_guard<std::mutex> lock(mu);
    ids.push_back(std::this_thread::get_id());
  }
  std::vector<std::thread::id> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return ids;
  }
};

TEST(ProcessScheduler, OnTheCallersThreadAnIdleProcessIsScheduledByItsCaller) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.schedule_on_caller = true;
  SigningThreads signing;
  env.signer = [&signing](Message m) {
    signing.Add();
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  for (int i = 0; i < 3; ++i) {
    Result<Message> a = scheduler->Schedule(TestMessage(i));
    ASSERT_OK(a);
    EXPECT_EQ(SlotOf(*a), i);
    // Nothing runs on after the reply: no worker was started, none lingers.
    EXPECT_TRUE(scheduler->Idle());
  }
  EXPECT_EQ(signing.Get(), std::vector<std::thread::id>(3, std::this_thread::get_id()));
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 3));
}

TEST(ProcessScheduler, OnTheCallersThreadRequestsQueuedMeanwhileAreCommittedByAWorker) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.schedule_on_caller = true;
  Gate gate;
  SigningThreads signing;
  env.signer = [&](Message m) {
    signing.Add();
    if (signing.Get().size() == 1) gate.Wait();  // the first caller holds the serial section
    return TestSign(std::move(m), TestSignerAddress());
  };
  const std::string pid = RandomId();
  auto scheduler = MakeScheduler(pid, env);
  std::thread::id first_caller;
  auto first = std::async(std::launch::async, [&] {
    first_caller = std::this_thread::get_id();
    return scheduler->Schedule(TestMessage(0));
  });
  ASSERT_TRUE(testing::WaitFor([&] { return gate.waiting.load() == 1; }));
  std::thread::id later_callers[2];
  std::future<Result<Message>> later[2];
  for (int i = 0; i < 2; ++i) {
    later[i] = std::async(std::launch::async, [&, i] {
      later_callers[i] = std::this_thread::get_id();
      return scheduler->Schedule(TestMessage(i + 1));
    });
  }
  // Both queue behind the first (they find the section held), and wait.
  ASSERT_TRUE(testing::WaitFor([&] { return scheduler->QueuedRequests() == 2; }));
  EXPECT_EQ(signing.Get().size(), 1u);
  gate.Open();
  Result<Message> a0 = first.get();
  ASSERT_OK(a0);
  EXPECT_EQ(SlotOf(*a0), 0);
  std::set<int64_t> later_slots;
  for (auto& f : later) {
    Result<Message> a = f.get();
    ASSERT_OK(a);
    later_slots.insert(SlotOf(*a));
  }
  EXPECT_EQ(later_slots, (std::set<int64_t>{1, 2}));
  const std::vector<std::thread::id> ids = signing.Get();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], first_caller);
  // The two queued ones were signed by the worker started for them, not by their callers.
  for (size_t i = 1; i < ids.size(); ++i) {
    EXPECT_NE(ids[i], first_caller);
    EXPECT_NE(ids[i], later_callers[0]);
    EXPECT_NE(ids[i], later_callers[1]);
  }
  ASSERT_OK(ReadAndVerifySchedule(store, pid, 3));
  EXPECT_TRUE(testing::WaitFor([&] { return scheduler->Idle(); }));
}

TEST(ProcessScheduler, StopWaitsForACallerSchedulingOnItsThread) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store);
  env.schedule_on_caller = true;
  Gate gate;
  std::atomic<bool> signed_one{false};
  env.signer = [&](Message m) {
    gate.Wait();
    signed_one = true;
    return TestSign(std::move(m), TestSignerAddress());
  };
  auto scheduler = MakeScheduler(RandomId(), env);
  auto first = std::async(std::launch::async, [&] { return scheduler->Schedule(TestMessage(0)); });
  ASSERT_TRUE(testing::WaitFor([&] { return gate.waiting.load() == 1; }));
  std::atomic<bool> signed_when_stopped{false};
  std::thread stopper([&] {
    scheduler->Stop();
    signed_when_stopped = signed_one.load();
  });
  gate.Open();
  stopper.join();
  EXPECT_TRUE(signed_when_stopped.load());  // Stop returned only after the caller's batch
  Result<Message> a = first.get();
  ASSERT_OK(a);
  EXPECT_EQ(SlotOf(*a), 0);
  EXPECT_TRUE(scheduler->Schedule(TestMessage(1)).status().IsClosed());
}

TEST(ProcessScheduler, CreateRefusesBadArguments) {
  MemoryStore store;
  EXPECT_TRUE(ProcessScheduler::Create("not-an-id", TestEnvironment(&store))
                  .status()
                  .IsInvalidArgument());
  SchedulerEnvironment no_signer = TestEnvironment(&store);
  no_signer.signer = nullptr;
  EXPECT_TRUE(ProcessScheduler::Create(RandomId(), no_signer).status().IsInvalidArgument());
}

TEST(ProcessScheduler, CreateRefusesADamagedSchedule) {
  MemoryStore store;
  const std::string pid = RandomId();
  {
    auto scheduler = MakeScheduler(pid, TestEnvironment(&store));
    ASSERT_OK(scheduler->Schedule(TestMessage(0)));
    ASSERT_OK(scheduler->Schedule(TestMessage(1)));
  }
  // The latest pointer lags the slot links: starting would re-issue slot 1.
  ASSERT_OK(store.Write(AssignmentCache::LatestPointerPath(pid), EncodeSlot(0)));
  EXPECT_TRUE(ProcessScheduler::Create(pid, TestEnvironment(&store)).status().IsCorruption());
}

TEST(SchedulingMode, ParsesTheReferenceNamesAndRefusesOthers) {
  EXPECT_EQ(*ParseSchedulingMode("local_confirmation"), SchedulingMode::kLocalConfirmation);
  EXPECT_EQ(*ParseSchedulingMode("aggressive"), SchedulingMode::kAggressive);
  EXPECT_EQ(*ParseSchedulingMode("remote_confirmation"), SchedulingMode::kRemoteConfirmation);
  EXPECT_TRUE(ParseSchedulingMode("disabled").status().IsUnavailable());
  EXPECT_TRUE(ParseSchedulingMode("sync").status().IsInvalidArgument());  // never replies in HB
  EXPECT_EQ(SchedulingModeName(SchedulingMode::kAggressive), "aggressive");
}

}  // namespace
}  // namespace ao
