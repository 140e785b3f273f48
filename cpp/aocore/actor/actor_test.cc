// Executors and the serial queue: FIFO on a pool, graceful stop, deterministic manual runs,
// strand ordering without concurrency, keep-alive, exceptions as Status.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/common/clock.h"
#include "aocore/actor/manual_executor.h"
#include "aocore/actor/serial_queue.h"
#include "aocore/actor/thread_pool_executor.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// Polls `cond` until it holds or 10 s pass (no fixed sleeps).
template <typename F>
bool WaitFor(F cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ThreadPoolExecutor, RunsEveryTaskAndStopRunsWhatWasQueued) {
  std::atomic<int> ran{0};
  {
    ThreadPoolExecutor pool(2);
    for (int i = 0; i < 1000; ++i) ASSERT_OK(pool.Schedule([&] { ran.fetch_add(1); }));
    pool.Stop();
    EXPECT_TRUE(pool.Schedule([&] { ran.fetch_add(1000); }).IsUnavailable());
    pool.Join();
    EXPECT_EQ(ran.load(), 1000);
  }
}

TEST(ThreadPoolExecutor, AThrowingTaskDoesNotKillThePool) {
  ThreadPoolExecutor pool(1);
  std::atomic<bool> after{false};
  ASSERT_OK(pool.Schedule([] { throw std::runtime_error("boom"); }));
  ASSERT_OK(pool.Schedule([&] { after = true; }));
  EXPECT_TRUE(WaitFor([&] { return after.load(); }));
}

TEST(ManualExecutor, RunsOnlyWhenAsked) {
  ManualExecutor ex;
  int ran = 0;
  ASSERT_OK(ex.Schedule([&] { ++ran; }));
  ASSERT_OK(ex.Schedule([&] { ++ran; (void)ex.Schedule([&] { ++ran; }); }));
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(ex.pending(), 2u);
  EXPECT_TRUE(ex.RunOne());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(ex.RunAll(), 2u);
  EXPECT_EQ(ran, 3);
  ex.Stop();
  EXPECT_TRUE(ex.Schedule([] {}).IsUnavailable());
}

TEST(ManualClock, MovesOnlyWhenAdvanced) {
  ManualClock clock;
  const auto t0 = clock.Now();
  EXPECT_EQ(clock.Now(), t0);
  const int64_t wall0 = clock.WallMillis();
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(clock.Now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(clock.WallMillis() - wall0, 5000);
  // The wall time may be set backwards (as a system clock may go); the monotonic time stays.
  clock.SetWallMillis(wall0 - 1);
  EXPECT_EQ(clock.WallMillis(), wall0 - 1);
  EXPECT_EQ(clock.Now() - t0, std::chrono::seconds(5));
}

TEST(SystemClock, WallMillisIsTheUnixEpochTime) {
  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t wall = SystemClock::Default().WallMillis();
  EXPECT_GE(wall, before);
  EXPECT_LT(wall - before, 60'000);
}

TEST(SerialQueue, RunsTasksInOrderAndNeverConcurrently) {
  ThreadPoolExecutor pool(4);
  auto strand = SerialQueue::Create(pool);
  std::vector<int> order;  // touched only by strand tasks: no lock on purpose
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  constexpr int kTasks = 2000;
  std::vector<std::thread> producers;
  std::mutex submit_mu;  // producers submit in a global order we can check
  int next = 0;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kTasks / 4; ++i) {
        std::lock_guard lock(submit_mu);
        const int n = next++;
        ASSERT_OK(strand->Schedule([&, n] {
          if (inside.fetch_add(1) != 0) overlapped = true;
          order.push_back(n);
          inside.fetch_sub(1);
        }));
      }
    });
  }
  for (auto& p : producers) p.join();
  ASSERT_TRUE(WaitFor([&] { return strand->pending() == 0 && inside.load() == 0; }));
  pool.Stop();
  pool.Join();
  EXPECT_FALSE(overlapped.load());
  ASSERT_EQ(order.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(order[i], i);
}

TEST(SerialQueue, QueuedTasksKeepTheQueueAliveAfterTheOwnerDropsIt) {
  ManualExecutor ex;
  std::weak_ptr<SerialQueue> weak;
  int ran = 0;
  {
    auto strand = SerialQueue::Create(ex);
    weak = strand;
    ASSERT_OK(strand->Schedule([&] { ++ran; }));
    ASSERT_OK(strand->Schedule([&] { ++ran; }));
  }
  EXPECT_FALSE(weak.expired());  // the drain holds it
  ex.RunAll();
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(weak.expired());
}

TEST(SerialQueue, ExceptionsBecomeStatusAndTheQueueContinues) {
  ManualExecutor ex;
  std::vector<Status> errors;
  auto strand = SerialQueue::Create(ex, [&](const Status& s) { errors.push_back(s); });
  bool after = false;
  ASSERT_OK(strand->Schedule([] { throw std::runtime_error("device exploded"); }));
  ASSERT_OK(strand->Schedule([&] { after = true; }));
  ex.RunAll();
  EXPECT_TRUE(after);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].IsInternal());
  EXPECT_NE(errors[0].ToString().find("device exploded"), std::string::npos);
}

TEST(SerialQueue, ClosedOrRefusedQueuesReportUnavailable) {
  ManualExecutor ex;
  auto strand = SerialQueue::Create(ex);
  bool ran = false;
  ASSERT_OK(strand->Schedule([&] { ran = true; }));
  strand->Close();
  EXPECT_TRUE(strand->Schedule([] {}).IsUnavailable());
  ex.RunAll();
  EXPECT_TRUE(ran);  // queued before Close: still runs
  ManualExecutor stopped;
  stopped.Stop();
  auto s2 = SerialQueue::Create(stopped);
  EXPECT_TRUE(s2->Schedule([] {}).IsUnavailable());
  EXPECT_EQ(s2->pending(), 0u);
}

TEST(SerialQueue, InQueueIsTrueOnlyInsideItsTasks) {
  ManualExecutor ex;
  auto strand = SerialQueue::Create(ex);
  bool inside = false;
  ASSERT_OK(strand->Schedule([&] { inside = strand->InQueue(); }));
  ex.RunAll();
  EXPECT_TRUE(inside);
  EXPECT_FALSE(strand->InQueue());
}

}  // namespace
}  // namespace ao
