// cron@1.0 on its own, without a Node: the device over a CronScheduler on a memory store, a Timer
// and a runner that records the task requests it is given (a node's runner resolves them).
#include "aocore/devices/cron_device.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/actor/timer.h"
#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/store/memory_store.h"
#include "testing/fixture_devices.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using ::ao::testing::WaitFor;

class CronDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cron_ = std::make_unique<CronScheduler>(*store_, content_, timer_, [this](const Message& request) -> Result<ResolveResult> {
      std::lock_guard lock(mu_);
      runs_.push_back(request);
      return ResolveResult::Ok(Value("done"));
    });
    BuiltinDeviceServices services;
    services.cron = cron_.get();
    resolver_ = ::ao::testing::MakeResolver(nullptr, services);
  }
  void TearDown() override {
    cron_->Shutdown();
    timer_.Stop();
  }

  ResolveResult Resolve(Message req) {
    Result<ResolveResult> r = resolver_->Resolve(Value(Message{{"device", "cron@1.0"}}), req, ResolveOptions{});
    EXPECT_OK(r);
    return r.ok() ? *r : ResolveResult::Error(Value(r.status().ToString()));
  }
  size_t Runs() {
    std::lock_guard lock(mu_);
    return runs_.size();
  }
  Message Run(size_t i) {
    std::lock_guard lock(mu_);
    return runs_.at(i);
  }

  std::unique_ptr<Store> store_ = MemoryStore::Create();
  ContentCache content_{*store_};
  Timer timer_{1};
  std::unique_ptr<CronScheduler> cron_;
  std::unique_ptr<Resolver> resolver_;
  std::mutex mu_;  // leaf lock: guards runs_
  std::vector<Message> runs_;
};

TEST_F(CronDeviceTest, OnceRunsTheTaskRequestOnce) {
  ResolveResult r = Resolve(Message{{"path", "once"}, {"cron-path", "/~test-device@1.0/x"}, {"k", "v"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  ASSERT_TRUE(r.value.is_binary());
  ASSERT_TRUE(WaitFor([&] { return Runs() >= 1; }));
  // The task request: `path` is the cron-path, `cron-path` is gone, the method defaults to POST.
  const Message run = Run(0);
  EXPECT_EQ(*run.Find("path"), Value("/~test-device@1.0/x"));
  EXPECT_EQ(*run.Find("k"), Value("v"));
  EXPECT_EQ(*run.Find("method"), Value("POST"));
  EXPECT_EQ(run.Find("cron-path"), nullptr);
  ASSERT_TRUE(WaitFor([&] { return cron_->Tasks().empty(); }));  // a finished once task is forgotten
  EXPECT_EQ(Runs(), 1u);
}

TEST_F(CronDeviceTest, EveryRunsUntilStoppedAndTheSameRequestIsTheSameTask) {
  Message every{{"path", "every"}, {"cron-path", "/tick"}, {"interval", "5-milliseconds"}};
  ResolveResult first = Resolve(every);
  ASSERT_TRUE(first.ok()) << first.DebugString();
  ResolveResult again = Resolve(every);
  ASSERT_TRUE(again.ok()) << again.DebugString();
  EXPECT_EQ(first.value, again.value);
  EXPECT_EQ(cron_->Tasks().size(), 1u);
  ASSERT_TRUE(WaitFor([&] { return Runs() >= 3; }));
  ResolveResult stopped = Resolve(Message{{"path", "stop"}, {"task", first.value}});
  ASSERT_TRUE(stopped.ok()) << stopped.DebugString();
  EXPECT_EQ(*stopped.value.message().Find("status"), Value(int64_t{200}));
  EXPECT_TRUE(cron_->Tasks().empty());
  // Stop waits for a run in flight: no run starts after it returned.
  const size_t after_stop = Runs();
  ResolveResult unknown = Resolve(Message{{"path", "stop"}, {"task", first.value}});
  EXPECT_EQ(unknown.value, Value("Task not found."));
  EXPECT_EQ(Runs(), after_stop);
}

TEST_F(CronDeviceTest, MissingKeysAndBadIntervalsAreErrorResultsAndRunNothing) {
  EXPECT_EQ(Resolve(Message{{"path", "once"}}).value, Value("No cron path found in message."));
  EXPECT_EQ(Resolve(Message{{"path", "every"}, {"cron-path", "/x"}}).value, Value("No interval found in message."));
  EXPECT_EQ(Resolve(Message{{"path", "every"}, {"cron-path", "/x"}, {"interval", "5-fortnights"}}).value,
            Value("Invalid time unit: fortnights"));
  EXPECT_EQ(Resolve(Message{{"path", "stop"}}).value, Value("No task ID found in message."));
  EXPECT_TRUE(cron_->Tasks().empty());
  EXPECT_EQ(Runs(), 0u);
}

TEST(CronDevice, WithoutACronSchedulerEveryKeyIsAnErrorResult) {
  std::unique_ptr<Resolver> resolver = ::ao::testing::MakeResolver();
  for (const char* path : {"once", "every", "stop"}) {
    Result<ResolveResult> r = resolver->Resolve(Value(Message{{"device", "cron@1.0"}}),
                                                Message{{"path", path}, {"cron-path", "/x"}}, ResolveOptions{});
    ASSERT_OK(r);
    EXPECT_FALSE(r->ok()) << path;
    ASSERT_TRUE(r->value.is_message()) << path;
    EXPECT_EQ(*r->value.message().Find("status"), Value(int64_t{500})) << path;
  }
}

}  // namespace
}  // namespace ao
