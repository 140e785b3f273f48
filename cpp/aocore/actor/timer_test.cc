#include "aocore/actor/timer.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

using namespace std::chrono_literals;

TEST(Timer, RunsCallbacksInTheOrderTheyAreDue) {
  Timer timer(1);
  std::mutex mu;
  std::vector<int> order;
  auto record = [&](int i) {
    return [&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
    };
  };
  timer.After(60ms, record(3));
  timer.After(20ms, record(1));
  timer.After(40ms, record(2));
  ASSERT_TRUE(testing::WaitFor([&] {
    std::lock_guard lock(mu);
    return order.size() == 3;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

// The timer thread waits for the earliest entry; cancelling that very entry while it waits must
// not leave the thread reading the erased entry (`make sanitize` caught a use after free), and
// entries added afterwards still run.
TEST(Timer, CancellingTheEntryTheTimerWaitsForKeepsItServing) {
  Timer timer(1);
  std::atomic<bool> far_ran{false};
  std::atomic<int> near_ran{0};
  for (int round = 0; round < 20; ++round) {
    const uint64_t far = timer.After(1h, [&] { far_ran = true; });
    ASSERT_NE(far, 0u);
    std::this_thread::yield();  // let the timer thread start waiting for it
    EXPECT_TRUE(timer.Cancel(far));
    timer.After(1ms, [&] { near_ran.fetch_add(1); });
    const int expected = round + 1;
    ASSERT_TRUE(testing::WaitFor([&] { return near_ran.load() == expected; }));
  }
  EXPECT_FALSE(far_ran.load());
}

TEST(Timer, StopDropsPendingEntriesAndRefusesNewOnes) {
  std::atomic<bool> ran{false};
  Timer timer(1);
  timer.After(1h, [&] { ran = true; });
  timer.Stop();
  EXPECT_TRUE(timer.stopped());
  EXPECT_EQ(timer.After(1ms, [&] { ran = true; }), 0u);
  EXPECT_FALSE(timer.Cancel(12345));
  EXPECT_FALSE(ran.load());
}

}  // namespace
}  // namespace ao
