// SchedulerRegistry: atomic get-or-create, canonical process IDs, the device-facing API (the
// reference's registry tests 20-24, 32).
#include "aocore/scheduler/scheduler_registry.h"

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::FailingStore;
using scheduler_testing::RandomId;
using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestMessage;

TEST(SchedulerRegistry, FindsNothingForAnUnknownProcess) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store));
  EXPECT_EQ(registry.Find(RandomId()), nullptr);
  EXPECT_TRUE(registry.Processes().empty());
}

TEST(SchedulerRegistry, CreatesOneSchedulerPerProcessAndFindsItAgain) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store));
  const std::string p1 = RandomId(), p2 = RandomId();
  auto s1 = registry.GetOrCreate(p1);
  auto s2 = registry.GetOrCreate(p2);
  ASSERT_OK(s1);
  ASSERT_OK(s2);
  EXPECT_NE(s1->get(), s2->get());
  EXPECT_EQ(registry.Find(p1).get(), s1->get());
  EXPECT_EQ(registry.GetOrCreate(p2)->get(), s2->get());
  std::vector<std::string> expected = {p1, p2};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(registry.Processes(), expected);
}

TEST(SchedulerRegistry, ConcurrentFirstCallsGetTheSameScheduler) {
  for (int round = 0; round < 20; ++round) {
    MemoryStore store;
    SchedulerRegistry registry(TestEnvironment(&store));
    const std::string pid = RandomId();
    constexpr int kThreads = 16;
    std::vector<ProcessScheduler*> got(kThreads, nullptr);
    std::vector<int64_t> slots(kThreads, -1);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();  // maximise the race
        auto s = registry.GetOrCreate(pid);
        if (!s.ok()) return;
        got[t] = s->get();
        Result<Message> a = (*s)->Schedule(TestMessage(t));
        if (a.ok()) slots[t] = a->Find("slot")->integer();
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) ASSERT_EQ(got[t], got[0]);
    std::set<int64_t> unique(slots.begin(), slots.end());
    ASSERT_EQ(unique.size(), size_t{kThreads});  // one writer: no slot twice
    EXPECT_EQ(*unique.begin(), 0);
    EXPECT_EQ(*unique.rbegin(), kThreads - 1);
    ASSERT_OK(ReadAndVerifySchedule(store, pid, kThreads));
  }
}

TEST(SchedulerRegistry, RawAndTextProcessIdsAreTheSameProcess) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store));
  const std::string pid = RandomId();
  const std::string raw = *Base64UrlDecode(pid);
  EXPECT_EQ(registry.GetOrCreate(raw)->get(), registry.GetOrCreate(pid)->get());
  EXPECT_EQ(*CanonicalProcessId(raw), pid);
  EXPECT_TRUE(registry.GetOrCreate("short").status().IsInvalidArgument());
  EXPECT_TRUE(CanonicalProcessId(std::string(43, '*')).status().IsInvalidArgument());
}

TEST(SchedulerRegistry, CurrentSlotOfANewProcessIsMinusOne) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store));
  const std::string pid = RandomId();
  EXPECT_EQ(*registry.CurrentSlot(pid), -1);
  ASSERT_OK(registry.Schedule(pid, TestMessage(0)));
  ASSERT_OK(registry.Schedule(pid, TestMessage(0)));
  EXPECT_EQ(*registry.CurrentSlot(pid), 1);
}

TEST(SchedulerRegistry, AssignmentsPagesAreInclusiveAndAtMostAThousand) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store, SchedulingMode::kAggressive));
  const std::string pid = RandomId();
  // Empty schedule: no assignments, no next page.
  Result<SchedulePage> empty = registry.Assignments(pid, 0, std::nullopt);
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->assignments.empty());
  EXPECT_FALSE(empty->has_next_page);
  for (int i = 0; i < 2500; ++i) ASSERT_OK(registry.Schedule(pid, TestMessage(i)));

  Result<SchedulePage> range = registry.Assignments(pid, 0, 10);  // test 32: 11
  ASSERT_OK(range);
  ASSERT_EQ(range->assignments.size(), 11u);
  EXPECT_FALSE(range->has_next_page);
  EXPECT_EQ(range->process_id, pid);
  for (int i = 0; i <= 10; ++i) EXPECT_EQ(range->assignments[i].Find("slot")->integer(), i);

  uint64_t from = 0;
  size_t total = 0;
  int pages = 0;
  while (true) {
    Result<SchedulePage> page = registry.Assignments(pid, from, std::nullopt);
    ASSERT_OK(page);
    ASSERT_LE(page->assignments.size(), kMaxSchedulePage);
    ASSERT_FALSE(page->assignments.empty());
    EXPECT_EQ(page->assignments.front().Find("slot")->integer(), static_cast<int64_t>(from));
    total += page->assignments.size();
    ++pages;
    if (!page->has_next_page) break;
    from += page->assignments.size();
  }
  EXPECT_EQ(total, 2500u);
  EXPECT_EQ(pages, 3);
  // Exactly a page's worth: no next page.
  Result<SchedulePage> exact = registry.Assignments(pid, 1500, std::nullopt);
  EXPECT_EQ(exact->assignments.size(), 1000u);
  EXPECT_FALSE(exact->has_next_page);
  EXPECT_TRUE(registry.Assignments(pid, 11, 10)->assignments.empty());  // from > to
  Result<SchedulePage> limited = registry.Assignments(pid, 0, 100, 7);
  EXPECT_EQ(limited->assignments.size(), 7u);
  EXPECT_TRUE(limited->has_next_page);
}

TEST(SchedulerRegistry, RemoveRecreatesAFailedSchedulerFromTheStore) {
  MemoryStore inner;
  FailingStore store(inner);
  SchedulerRegistry registry(TestEnvironment(&store));
  const std::string pid = RandomId();
  ASSERT_OK(registry.Schedule(pid, TestMessage(0)));
  store.fail_apply = true;
  EXPECT_FALSE(registry.Schedule(pid, TestMessage(1)).ok());
  store.fail_apply = false;
  EXPECT_TRUE(registry.Schedule(pid, TestMessage(1)).status().IsAborted());
  ASSERT_OK(registry.Remove(pid));
  EXPECT_EQ(registry.Find(pid), nullptr);
  Result<Message> a = registry.Schedule(pid, TestMessage(1));
  ASSERT_OK(a);
  EXPECT_EQ(a->Find("slot")->integer(), 1);
  EXPECT_TRUE(registry.Remove(RandomId()).IsNotFound());
}

TEST(SchedulerRegistry, ManyProcessesInParallelEachGetTheirOwnContiguousSchedule) {
  MemoryStore store;
  SchedulerRegistry registry(TestEnvironment(&store, SchedulingMode::kAggressive));
  std::vector<std::string> pids;
  for (int p = 0; p < 8; ++p) pids.push_back(RandomId());
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Result<Message> a = registry.Schedule(pids[(t + i) % pids.size()], TestMessage(i));
        if (!a.ok()) ADD_FAILURE() << a.status().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& pid : pids) {
    EXPECT_EQ(*registry.CurrentSlot(pid), 99);
    ASSERT_OK(ReadAndVerifySchedule(store, pid, 100));
  }
}

}  // namespace
}  // namespace ao
