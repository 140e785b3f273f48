// ProcessWorker and WorkerRegistry over a fake engine (the process device is tested in
// devices/process_device_test.cc): live state kept between calls, one computation per slot
// for any number of waiters, lower slots from the cache without rollback, failures keep the
// last good state, retire/evict snapshot, stop answers Unavailable, deadlines.
#include "aocore/actor/process_worker.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/actor/manual_executor.h"
#include "aocore/actor/thread_pool_executor.h"
#include "aocore/actor/worker_registry.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using std::chrono::steady_clock;

// A shared "store" for fake engines of one process: states by slot, restore points.
struct FakeStore {
  std::mutex mu;
  std::map<int64_t, Message> states;
  std::map<int64_t, Message> snapshots;
  std::map<int64_t, int> advances;  // computations per slot
  int loads = 0;
  int64_t fail_at = -2;             // Advance to this slot fails
  int64_t snapshot_every = 0;       // 0: none while computing
  // Gate: Advance to slot `block_at` waits until released.
  int64_t block_at = -2;
  std::chrono::milliseconds delay{0};  // each Advance takes this long
  bool released = false;
  bool blocked = false;
  std::condition_variable cv;
};

class FakeEngine : public ProcessEngine {
 public:
  explicit FakeEngine(std::shared_ptr<FakeStore> s) : s_(std::move(s)) {}
  Result<std::optional<Message>> ReadCached(int64_t slot) override {
    std::lock_guard lock(s_->mu);
    auto it = s_->states.find(slot);
    if (it == s_->states.end()) return std::optional<Message>();
    return std::optional<Message>(it->second);
  }
  ComputeResult Load(int64_t target) override {
    std::lock_guard lock(s_->mu);
    ++s_->loads;
    auto it = s_->snapshots.upper_bound(target);
    if (it == s_->snapshots.begin()) return ResolveResult::Ok(Value(Message{{"at-slot", Value(-1)}, {"sum", Value(0)}}));
    --it;
    return ResolveResult::Ok(Value(it->second));
  }
  ComputeResult Advance(const Message& state, int64_t slot) override {
    const int64_t next = slot + 1;
    if (s_->delay.count() > 0) std::this_thread::sleep_for(s_->delay);  // a slow device
    {
      std::unique_lock lock(s_->mu);
      if (next == s_->block_at) {
        s_->blocked = true;
        s_->cv.notify_all();
        s_->cv.wait(lock, [&] { return s_->released; });
      }
      ++s_->advances[next];
      if (next == s_->fail_at) {
        return ResolveResult::Error(Value(Message{{"phase", "compute"}, {"attempted-slot", Value(next)}}));
      }
    }
    EXPECT_EQ(state.Find("at-slot")->integer(), slot);
    Message out{{"at-slot", Value(next)}, {"sum", Value(state.Find("sum")->integer() + next)}};
    std::lock_guard lock(s_->mu);
    s_->states[next] = out;
    if (s_->snapshot_every > 0 && next % s_->snapshot_every == 0) s_->snapshots[next] = out;
    return ResolveResult::Ok(Value(out));
  }
  Status Snapshot(const Message& state, int64_t slot) override {
    std::lock_guard lock(s_->mu);
    s_->snapshots.emplace(slot, state);
    return Status::OK();
  }

 private:
  std::shared_ptr<FakeStore> s_;
};

int64_t SlotOf(const ComputeResult& r) {
  if (!r.ok() || !r->ok() || !r->value.is_message()) return -100;
  return r->value.message().Find("at-slot")->integer();
}

ComputeResult Get(std::future<ComputeResult>& f) {
  EXPECT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  return f.get();
}

class ProcessWorkerTest : public ::testing::Test {
 protected:
  std::shared_ptr<ProcessWorker> MakeWorker() {
    return ProcessWorker::Create("P", std::make_unique<FakeEngine>(store_), ex_, counters_);
  }
  ManualExecutor ex_;
  std::shared_ptr<FakeStore> store_ = std::make_shared<FakeStore>();
  std::shared_ptr<WorkerCounters> counters_ = std::make_shared<WorkerCounters>();
};

TEST_F(ProcessWorkerTest, KeepsTheLiveStateBetweenCalls) {
  auto w = MakeWorker();
  auto f3 = w->Compute(3);
  ex_.RunAll();
  ComputeResult r3 = Get(f3);
  ASSERT_EQ(SlotOf(r3), 3);
  EXPECT_EQ(r3->value.message().Find("sum")->integer(), 6);
  auto f5 = w->Compute(5);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f5)), 5);
  EXPECT_EQ(store_->loads, 1);  // one boot, then from memory
  for (int64_t s = 0; s <= 5; ++s) EXPECT_EQ(store_->advances[s], 1) << s;
  EXPECT_EQ(counters_->slots_computed.load(), 6);
}

TEST_F(ProcessWorkerTest, AllWaitersForOneSlotShareOneComputation) {
  auto w = MakeWorker();
  std::vector<std::future<ComputeResult>> fs;
  for (int i = 0; i < 10; ++i) fs.push_back(w->Compute(4));
  for (int i = 0; i < 5; ++i) fs.push_back(w->Compute(2));
  EXPECT_EQ(w->pending(), 15);
  ex_.RunAll();
  for (size_t i = 0; i < fs.size(); ++i) EXPECT_EQ(SlotOf(Get(fs[i])), i < 10 ? 4 : 2);
  for (int64_t s = 0; s <= 4; ++s) EXPECT_EQ(store_->advances[s], 1) << s;
  EXPECT_EQ(w->pending(), 0);
}

TEST_F(ProcessWorkerTest, IntermediateWaitersAreAnsweredAsTheirSlotPasses) {
  auto w = MakeWorker();
  // One drain runs at most SerialQueue::kBatch strand tasks (one slot each), so a far target
  // leaves room to observe the run mid-way.
  auto f100 = w->Compute(100);
  auto f2 = w->Compute(2);
  // Run until slot 2 is reached: its waiter is answered before slot 100 is done.
  while (f2.wait_for(std::chrono::seconds(0)) != std::future_status::ready) ASSERT_TRUE(ex_.RunOne());
  EXPECT_EQ(SlotOf(f2.get()), 2);
  EXPECT_NE(f100.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  // A request arriving mid-way joins the same run.
  auto f70 = w->Compute(70);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f70)), 70);
  EXPECT_EQ(SlotOf(Get(f100)), 100);
  for (int64_t s = 0; s <= 100; ++s) EXPECT_EQ(store_->advances[s], 1) << s;
}

TEST_F(ProcessWorkerTest, LowerSlotsComeFromTheCacheWithoutRollingBack) {
  auto w = MakeWorker();
  auto f6 = w->Compute(6);
  ex_.RunAll();
  ASSERT_EQ(SlotOf(Get(f6)), 6);
  auto f2 = w->Compute(2);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f2)), 2);
  EXPECT_EQ(counters_->cache_hits.load(), 1);
  auto f7 = w->Compute(7);  // continues from the live slot 6, not from 2
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f7)), 7);
  EXPECT_EQ(store_->advances[3], 1);
  EXPECT_EQ(store_->loads, 1);
  // Slot -1 (the booted process) is not cached: replayed on a temporary state.
  auto fm1 = w->Compute(-1);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(fm1)), -1);
  auto f8 = w->Compute(8);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f8)), 8);
  EXPECT_EQ(store_->advances[8], 1);
}

TEST_F(ProcessWorkerTest, AFailingSlotAnswersItsWaitersAndKeepsTheLastGoodState) {
  store_->fail_at = 3;
  auto w = MakeWorker();
  auto f1 = w->Compute(1);
  auto f5 = w->Compute(5);
  auto f3 = w->Compute(3);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f1)), 1);
  ComputeResult r5 = Get(f5);
  ASSERT_OK(r5);
  EXPECT_FALSE(r5->ok());
  EXPECT_EQ(r5->value.message().Find("attempted-slot")->integer(), 3);
  ComputeResult r3 = Get(f3);
  ASSERT_OK(r3);
  EXPECT_FALSE(r3->ok());
  // The worker still serves: its live state is slot 2.
  auto f2 = w->Compute(2);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f2)), 2);
  EXPECT_EQ(counters_->live_hits.load(), 1);
  store_->fail_at = -2;  // the device recovers
  auto f4 = w->Compute(4);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f4)), 4);
  EXPECT_EQ(store_->loads, 1);  // never reloaded
  EXPECT_EQ(store_->advances[2], 1);
}

TEST_F(ProcessWorkerTest, ColdWorkersAnswerExactCacheHitsAndRestoreFromTheLatestSnapshot) {
  store_->snapshot_every = 4;
  {
    auto w = MakeWorker();
    auto f = w->Compute(9);
    ex_.RunAll();
    ASSERT_EQ(SlotOf(Get(f)), 9);
  }
  auto w = MakeWorker();
  auto f5 = w->Compute(5);  // cached: no load
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f5)), 5);
  EXPECT_EQ(store_->loads, 1);
  auto f11 = w->Compute(11);  // restores slot 8, replays 9..11
  ex_.RunAll();
  ComputeResult r11 = Get(f11);
  EXPECT_EQ(SlotOf(r11), 11);
  EXPECT_EQ(store_->loads, 2);
  EXPECT_EQ(store_->advances[8], 1);
  EXPECT_EQ(store_->advances[9], 2);
  EXPECT_EQ(r11->value.message().Find("sum")->integer(), 66);
}

TEST_F(ProcessWorkerTest, RetireSnapshotsTheLiveSlotAndDropsTheState) {
  auto w = MakeWorker();
  auto f = w->Compute(6);
  ex_.RunAll();
  ASSERT_EQ(SlotOf(Get(f)), 6);
  w->Retire();
  ex_.RunAll();
  EXPECT_EQ(store_->snapshots.count(6), 1u);
  EXPECT_EQ(counters_->snapshots.load(), 1);
  auto f7 = w->Compute(7);  // loads from the retire snapshot
  ex_.RunAll();
  EXPECT_EQ(SlotOf(Get(f7)), 7);
  EXPECT_EQ(store_->loads, 2);
  EXPECT_EQ(store_->advances[6], 1);
}

TEST_F(ProcessWorkerTest, StopAnswersOutstandingWaitersUnavailableAndSnapshots) {
  auto w = MakeWorker();
  auto f2 = w->Compute(2);
  ex_.RunAll();
  ASSERT_EQ(SlotOf(Get(f2)), 2);
  auto f9 = w->Compute(500);
  ex_.RunOne();  // one drain: the request is registered and a few slots computed
  auto done = w->Stop();
  auto late = w->Compute(3);
  ComputeResult rl = Get(late);
  EXPECT_TRUE(rl.status().IsUnavailable());
  ex_.RunAll();
  EXPECT_EQ(done.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  ComputeResult r9 = Get(f9);
  EXPECT_TRUE(r9.status().IsUnavailable()) << r9.status().ToString();
  // The live slot (somewhere past 2, far below 500) became a restore point.
  ASSERT_FALSE(store_->snapshots.empty());
  EXPECT_GT(store_->snapshots.rbegin()->first, 2);
  EXPECT_LT(store_->snapshots.rbegin()->first, 500);
  EXPECT_EQ(w->pending(), 0);
}

TEST(ProcessWorkerDeadline, AWaitPastItsDeadlineIsDeadlineExceededAndTheSlotStillCompletes) {
  ThreadPoolExecutor pool(2);
  auto store = std::make_shared<FakeStore>();
  store->block_at = 2;
  auto counters = std::make_shared<WorkerCounters>();
  auto w = ProcessWorker::Create("P", std::make_unique<FakeEngine>(store), pool, counters);
  ComputeResult r = w->ComputeAndWait(3, steady_clock::now() + std::chrono::milliseconds(50));
  EXPECT_TRUE(r.status().IsDeadlineExceeded()) << r.status().ToString();
  {
    std::lock_guard lock(store->mu);
    store->released = true;
  }
  store->cv.notify_all();
  ComputeResult again = w->ComputeAndWait(3, steady_clock::now() + std::chrono::seconds(10));
  EXPECT_EQ(SlotOf(again), 3);
  w->Stop().wait();
  pool.Stop();
  pool.Join();
}

// A computation far longer than the timeout succeeds while every slot comes within it; a
// worker stuck on one slot is DeadlineExceeded after one timeout, keeps computing, and is found
// further along without being asked again.
TEST(ProcessWorkerDeadline, AWaitLastsWhileTheWorkerProgressesAndFailsWhenItStalls) {
  ThreadPoolExecutor pool(2);
  auto store = std::make_shared<FakeStore>();
  store->delay = std::chrono::milliseconds(5);
  auto counters = std::make_shared<WorkerCounters>();
  auto w = ProcessWorker::Create("P", std::make_unique<FakeEngine>(store), pool, counters);
  const auto start = steady_clock::now();
  ComputeResult r = w->ComputeAndWait(60, std::chrono::milliseconds(60));
  EXPECT_EQ(SlotOf(r), 60) << (r.ok() ? r->DebugString() : r.status().ToString());
  EXPECT_GT(steady_clock::now() - start, std::chrono::milliseconds(120));  // > 2 timeouts
  // Stuck at slot 63: no progress for a whole timeout.
  {
    std::lock_guard lock(store->mu);
    store->block_at = 63;
  }
  ComputeResult stalled = w->ComputeAndWait(80, std::chrono::milliseconds(60));
  EXPECT_TRUE(stalled.status().IsDeadlineExceeded()) << stalled.status().ToString();
  EXPECT_NE(stalled.status().ToString().find("keeps computing"), std::string::npos);
  {
    std::lock_guard lock(store->mu);
    store->released = true;
  }
  store->cv.notify_all();
  // No new request: the worker still reaches 80 for the request that timed out.
  const auto deadline = steady_clock::now() + std::chrono::seconds(20);
  while (counters->slots_computed.load() < 81) {  // slots 0..80
    ASSERT_LT(steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const int64_t computed = counters->slots_computed.load();
  EXPECT_EQ(SlotOf(w->ComputeAndWait(80, std::chrono::milliseconds(60))), 80);
  EXPECT_EQ(counters->slots_computed.load(), computed);  // the retry was answered live
  w->Stop().wait();
  pool.Stop();
  pool.Join();
}

TEST(ProcessWorkerConcurrency, ManyThreadsAgreeWithASequentialRun) {
  ThreadPoolExecutor pool(2);
  auto store = std::make_shared<FakeStore>();
  auto counters = std::make_shared<WorkerCounters>();
  auto w = ProcessWorker::Create("P", std::make_unique<FakeEngine>(store), pool, counters);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 88172645463325252ull + t;
      for (int i = 0; i < 50; ++i) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        const int64_t slot = static_cast<int64_t>(x % 200);
        ComputeResult r = w->ComputeAndWait(slot, steady_clock::now() + std::chrono::seconds(30));
        if (SlotOf(r) != slot || r->value.message().Find("sum")->integer() != slot * (slot + 1) / 2) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  {
    std::lock_guard lock(store->mu);
    for (const auto& [slot, n] : store->advances) EXPECT_EQ(n, 1) << slot;  // no slot twice
    EXPECT_EQ(store->loads, 1);
  }
  w->Stop().wait();
}

class WorkerRegistryTest : public ::testing::Test {
 protected:
  // A registry's destructor stops its workers by posting to the executor; run those posts, or
  // the stopped workers (held by their own queued tasks) would never be released.
  void TearDown() override { ex_.RunAll(); }
  WorkerRegistry::EngineFactory Factory(const std::string& pid) {
    return [this, pid]() -> Result<std::unique_ptr<ProcessEngine>> {
      auto& s = stores_[pid];
      if (!s) s = std::make_shared<FakeStore>();
      return std::unique_ptr<ProcessEngine>(std::make_unique<FakeEngine>(s));
    };
  }
  ComputeResult Compute(WorkerRegistry& reg, const std::string& pid, int64_t slot) {
    Result<std::shared_ptr<ProcessWorker>> w = reg.FindOrStart(pid, Factory(pid));
    if (!w.ok()) return w.status();
    auto f = (*w)->Compute(slot);
    ex_.RunAll();
    return f.get();
  }
  ManualExecutor ex_;
  ManualClock clock_;
  std::map<std::string, std::shared_ptr<FakeStore>> stores_;
};

TEST_F(WorkerRegistryTest, FindOrStartReturnsTheSameWorkerForAProcess) {
  WorkerRegistry reg(ex_, WorkerRegistryOptions{16, std::chrono::seconds(60), &clock_, {}});
  auto a = reg.FindOrStart("A", Factory("A"));
  auto b = reg.FindOrStart("A", Factory("A"));
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg.metrics().workers_started, 1);
  Result<std::shared_ptr<ProcessWorker>> failed = reg.FindOrStart(
      "B", []() -> Result<std::unique_ptr<ProcessEngine>> { return Status::InvalidArgument("no engine"); });
  EXPECT_TRUE(failed.status().IsInvalidArgument());
  EXPECT_EQ(reg.size(), 1u);
}

TEST_F(WorkerRegistryTest, ConcurrentFirstCallsStartOneWorker) {
  WorkerRegistry reg(ex_, WorkerRegistryOptions{16, std::chrono::seconds(60), &clock_, {}});
  std::vector<std::thread> threads;
  std::vector<ProcessWorker*> seen(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto w = reg.FindOrStart("A", [] { return Result<std::unique_ptr<ProcessEngine>>(
                                             std::make_unique<FakeEngine>(std::make_shared<FakeStore>())); });
      seen[i] = w.ok() ? w->get() : nullptr;
    });
  }
  for (auto& t : threads) t.join();
  for (ProcessWorker* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_EQ(reg.metrics().workers_started, 1);
}

TEST_F(WorkerRegistryTest, IdleWorkersSnapshotAndRetireOnTheInjectedClock) {
  WorkerRegistry reg(ex_, WorkerRegistryOptions{16, std::chrono::seconds(60), &clock_, {}});
  ASSERT_EQ(SlotOf(Compute(reg, "A", 4)), 4);
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_EQ(reg.ReapIdle(), 0u);
  ASSERT_EQ(SlotOf(Compute(reg, "B", 1)), 1);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(reg.ReapIdle(), 1u);  // A only: B was used a second ago
  ex_.RunAll();
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg.Find("A"), nullptr);
  EXPECT_EQ(stores_["A"]->snapshots.count(4), 1u);  // where restore finds it
  EXPECT_EQ(reg.metrics().workers_retired_idle, 1);
  // The next request starts a fresh worker that restores slot 4: nothing recomputed.
  ASSERT_EQ(SlotOf(Compute(reg, "A", 5)), 5);
  EXPECT_EQ(stores_["A"]->advances[4], 1);
  EXPECT_EQ(stores_["A"]->advances[5], 1);
}

TEST_F(WorkerRegistryTest, AWorkerWithRequestsInFlightIsNotIdle) {
  WorkerRegistry reg(ex_, WorkerRegistryOptions{16, std::chrono::seconds(60), &clock_, {}});
  auto w = reg.FindOrStart("A", Factory("A"));
  ASSERT_OK(w);
  auto f = (*w)->Compute(3);
  clock_.Advance(std::chrono::seconds(120));
  EXPECT_EQ(reg.ReapIdle(), 0u);
  ex_.RunAll();
  EXPECT_EQ(SlotOf(f.get()), 3);
  EXPECT_EQ(reg.ReapIdle(), 1u);
}

TEST_F(WorkerRegistryTest, TheLeastRecentlyUsedWorkerIsEvictedWithASnapshot) {
  WorkerRegistry reg(ex_, WorkerRegistryOptions{2, std::chrono::seconds(60), &clock_, {}});
  ASSERT_EQ(SlotOf(Compute(reg, "A", 2)), 2);
  ASSERT_EQ(SlotOf(Compute(reg, "B", 3)), 3);
  ASSERT_EQ(SlotOf(Compute(reg, "A", 4)), 4);  // A is now the most recent
  ASSERT_EQ(SlotOf(Compute(reg, "C", 1)), 1);  // evicts B
  EXPECT_EQ(reg.size(), 2u);
  EXPECT_EQ(reg.Find("B"), nullptr);
  EXPECT_NE(reg.Find("A"), nullptr);
  EXPECT_EQ(stores_["B"]->snapshots.count(3), 1u);
  EXPECT_EQ(reg.metrics().workers_evicted, 1);
  EXPECT_EQ(reg.metrics().live_workers, 2);
}

TEST_F(WorkerRegistryTest, StopStopsEveryWorkerAndRefusesNewOnes) {
  WorkerRegistry reg(ex_, WorkerRegistryOptions{16, std::chrono::seconds(60), &clock_, {}});
  ASSERT_EQ(SlotOf(Compute(reg, "A", 2)), 2);
  auto w = reg.FindOrStart("A", Factory("A"));
  ASSERT_OK(w);
  auto pending = (*w)->Compute(50);
  auto done = reg.Stop();
  ex_.RunAll();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_TRUE(pending.get().status().IsUnavailable());
  EXPECT_TRUE(reg.FindOrStart("A", Factory("A")).status().IsUnavailable());
  EXPECT_EQ(stores_["A"]->snapshots.count(2), 1u);
  EXPECT_TRUE(reg.Stop().empty());  // idempotent
}

TEST(WorkerRegistryReaper, TheBackgroundReaperRetiresIdleWorkers) {
  ThreadPoolExecutor pool(1);
  SystemClock clock;
  WorkerRegistryOptions options{16, std::chrono::milliseconds(1), &clock, std::chrono::milliseconds(1)};
  auto store = std::make_shared<FakeStore>();
  {
    WorkerRegistry reg(pool, options);
    auto w = reg.FindOrStart("A", [&] { return Result<std::unique_ptr<ProcessEngine>>(std::make_unique<FakeEngine>(store)); });
    ASSERT_OK(w);
    EXPECT_EQ(SlotOf((*w)->ComputeAndWait(2, steady_clock::now() + std::chrono::seconds(10))), 2);
    const auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (reg.size() != 0 && steady_clock::now() < deadline) std::this_thread::yield();
    EXPECT_EQ(reg.size(), 0u);
    reg.Stop();
  }
  pool.Stop();
  pool.Join();
  std::lock_guard lock(store->mu);
  EXPECT_EQ(store->snapshots.count(2), 1u);
}

}  // namespace
}  // namespace ao
