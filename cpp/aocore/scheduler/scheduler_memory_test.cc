// Memory per process in the scheduler layer is bounded by the live set, not by every process
// ever touched (issue 7 point 8, B8 in docs/benchmarks.md): SchedulerRegistry drops idle
// schedulers beyond max_schedulers and recovers them from the store on next use, with the
// slot sequence and hash chain continuing; an idle ProcessScheduler holds no thread stack.
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::RandomId;
using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestMessage;

constexpr auto kDeadline = std::chrono::seconds(20);

// Eviction and thread exit can lag on a loaded machine: a longer deadline than the default.
bool Eventually(const std::function<bool()>& done) { return testing::WaitFor(done, kDeadline); }

TEST(SchedulerMemory, IdleSchedulersBeyondTheLimitAreDroppedAndContinueTheirChain) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store, SchedulingMode::kAggressive);
  env.worker_linger = std::chrono::milliseconds(0);
  SchedulerRegistry registry(env, SchedulerRegistryOptions{.max_schedulers = 4});
  std::vector<std::string> pids;
  for (int p = 0; p < 40; ++p) {
    pids.push_back(RandomId());
    ASSERT_OK(registry.Schedule(pids.back(), TestMessage(0)));
  }
  // GetOrCreate already dropped most of them; the last few workers may still be finishing.
  ASSERT_TRUE(Eventually([&] {
    registry.EvictIdle();
    return registry.size() <= 4;
  })) << registry.size() << " schedulers still registered";
  EXPECT_GE(registry.evicted(), 36);
  EXPECT_LE(registry.Processes().size(), 4u);

  // Every process (most of them recovered from the store) continues at slot 1, on its chain.
  for (const std::string& pid : pids) {
    Result<Message> a = registry.Schedule(pid, TestMessage(1));
    ASSERT_OK(a);
    EXPECT_EQ(a->Find("slot")->integer(), 1);
    ASSERT_OK(ReadAndVerifySchedule(store, pid, 2));
  }
  EXPECT_TRUE(Eventually([&] {
    registry.EvictIdle();
    return registry.size() <= 4;
  }));
}

TEST(SchedulerMemory, ABusySchedulerIsNeverDropped) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store), SchedulerRegistryOptions{.max_schedulers = 1});
  const std::string held = RandomId();
  Result<std::shared_ptr<ProcessScheduler>> scheduler = registry.GetOrCreate(held);
  ASSERT_OK(scheduler);
  ASSERT_OK(registry.Schedule(RandomId(), TestMessage(0)));
  ASSERT_OK(registry.Schedule(RandomId(), TestMessage(0)));
  ASSERT_TRUE(Eventually([&] {
    registry.EvictIdle();
    return registry.size() <= 2;
  }));
  // Held by this test: still the registered one, so no second writer can appear.
  EXPECT_EQ(registry.Find(held).get(), scheduler->get());
  EXPECT_EQ(registry.GetOrCreate(held)->get(), scheduler->get());
}

TEST(SchedulerMemory, EvictionUnderConcurrentSchedulingKeepsOneWriterPerProcess) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store, SchedulingMode::kAggressive);
  env.worker_linger = std::chrono::milliseconds(0);
  SchedulerRegistry registry(env, SchedulerRegistryOptions{.max_schedulers = 1});
  std::vector<std::string> pids;
  for (int p = 0; p < 4; ++p) pids.push_back(RandomId());
  constexpr int kThreads = 8, kPerThread = 40;
  std::atomic<bool> done{false};
  std::atomic<int64_t> evicted_while_running{0};
  std::thread evictor([&] {
    while (!done.load()) {
      evicted_while_running += static_cast<int64_t>(registry.EvictIdle());
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<Message> a = registry.Schedule(pids[(t + i) % pids.size()], TestMessage(t * 1000 + i));
        if (!a.ok()) ADD_FAILURE() << a.status().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  evictor.join();
  // A second writer would have reused a slot (AlreadyExists: a sticky Aborted above) or left a
  // gap or a broken chain here.
  for (const std::string& pid : pids) {
    ASSERT_OK(ReadAndVerifySchedule(store, pid, kThreads * kPerThread / pids.size()));
    EXPECT_EQ(*registry.CurrentSlot(pid), kThreads * kPerThread / static_cast<int>(pids.size()) - 1);
  }
  EXPECT_GT(evicted_while_running.load(), 0);
}

// Mappings the size of a default thread stack in this process.
int StackSizedMappings() {
  pthread_attr_t attr;
  size_t stack_size = 0;
  if (pthread_getattr_default_np(&attr) != 0) return -1;
  pthread_attr_getstacksize(&attr, &stack_size);
  pthread_attr_destroy(&attr);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int count = 0;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range;
    in >> range;
    const size_t dash = range.find('-');
    const uint64_t begin = std::stoull(range.substr(0, dash), nullptr, 16);
    const uint64_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (end - begin == stack_size) ++count;
  }
  return count;
}

TEST(SchedulerMemory, AnIdleSchedulerKeepsNoThreadStack) {
  MemoryStore store;
  SchedulerEnvironment env = TestEnvironment(&store, SchedulingMode::kAggressive);
  env.worker_linger = std::chrono::milliseconds(0);
  SchedulerRegistry registry(env);  // no eviction at this size: every scheduler stays
  const int before = StackSizedMappings();
  ASSERT_GE(before, 0);
  std::vector<std::shared_ptr<ProcessScheduler>> schedulers;
  for (int p = 0; p < 100; ++p) {
    Result<std::shared_ptr<ProcessScheduler>> s = registry.GetOrCreate(RandomId());
    ASSERT_OK(s);
    ASSERT_OK((*s)->Schedule(TestMessage(0)));
    schedulers.push_back(*s);
  }
  ASSERT_TRUE(Eventually([&] {
    for (auto& s : schedulers) {
      if (!s->Idle()) return false;
    }
    return true;
  }));
  // An exited worker that nobody joined keeps its stack mapped: 100 more here. glibc caches a
  // few freed stacks for reuse, hence the margin; a thread unmaps its stack just after Idle().
  EXPECT_TRUE(Eventually([&] { return StackSizedMappings() - before < 20; }))
      << StackSizedMappings() - before << " more stack-sized mappings";
}

}  // namespace
}  // namespace ao
