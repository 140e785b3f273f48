#include "aocore/common/parallel_for.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ao {
namespace {

TEST(ParallelFor, RunsEveryIndexExactlyOnceAcrossHelpers) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::multiset<size_t> seen;
  std::set<std::thread::id> runners;
  HelperStarter start = [&](std::function<void()> task) {
    threads.emplace_back(std::move(task));
    return true;
  };
  ParallelFor(1000, 3, start, [&](size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(i);
    runners.insert(std::this_thread::get_id());
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(threads.size(), 3u);
  ASSERT_EQ(seen.size(), 1000u);
  for (size_t i = 0; i < 1000; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
}

TEST(ParallelFor, FinishesOnTheCallerWhenHelpersNeverRun) {
  // A saturated pool: helpers are accepted but only run after ParallelFor returned.
  std::vector<std::function<void()>> parked;
  std::atomic<int> ran{0};
  ParallelFor(50, 8, [&](std::function<void()> task) {
    parked.push_back(std::move(task));
    return true;
  }, [&](size_t) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 50);
  EXPECT_EQ(parked.size(), 8u);
  for (auto& task : parked) task();  // late helpers find nothing left to do
  EXPECT_EQ(ran.load(), 50);
}

TEST(ParallelFor, FinishesWhenHelpersAreRefusedOrAbsent) {
  std::atomic<int> ran{0};
  ParallelFor(20, 4, [](std::function<void()>) { return false; }, [&](size_t) { ran.fetch_add(1); });
  ParallelFor(20, 4, HelperStarter(), [&](size_t) { ran.fetch_add(1); });
  ParallelFor(0, 4, HelperStarter(), [&](size_t) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 40);
}

}  // namespace
}  // namespace ao
