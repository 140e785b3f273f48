// cron@1.0 and process monitors through a whole node: `every` tasks scheduling on a process,
// stop, idempotent registration, persistence across a restart, back-off of failing tasks;
// monitors delivering a ping-pong, a cursor that survives a restart, and failures that keep it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/devices/cron_device.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/node/messaging_test_util.h"
#include "aocore/node/node.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using std::chrono::milliseconds;
using testing::At;
using testing::IgnoreHashpath;
using testing::Int;
using testing::OpenPingPongNode;
using testing::WaitFor;

std::pair<Message, std::string> Spawn(Node& node, const std::string& name, int64_t limit = 6) {
  Message def{{"device", "process@1.0"},       {"scheduler-device", "scheduler@1.0"},
              {"execution-device", "pingpong@1.0"}, {"type", "Process"},
              {"name", Value(name)},               {"limit", Value(limit)},
              {"scheduler", Value(node.address())}};
  Message signed_def = *Commit(def, node.wallet());
  Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(signed_def)}};
  Result<ResolveResult> r = node.Resolve(Value(Message{{"device", "scheduler@1.0"}}), Value(req), IgnoreHashpath(node));
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  return {signed_def, *MessageId(signed_def, IdMode::kAll)};
}

int64_t ScheduleOn(Node& node, const Message& def, const std::string& pid, Message body) {
  body.Set("type", Value("Message"));
  body.Set("target", Value(pid));
  Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(std::move(body))}};
  Result<ResolveResult> r = node.Resolve(Value(def), Value(req), IgnoreHashpath(node));
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  return r.ok() ? Int(At(r->value, "slot")).value_or(-1) : -1;
}

int64_t Slot(Node& node, const std::string& pid) { return *node.schedulers().CurrentSlot(pid); }

Result<ResolveResult> Cron(Node& node, Message req) {
  return node.Resolve(Value(Message{{"device", "cron@1.0"}}), Value(std::move(req)), IgnoreHashpath(node));
}

std::string Every(Node& node, const std::string& pid, const std::string& interval, const std::string& tag = "tick",
                  Message extra = {}) {
  extra.Set("path", Value("every"));
  extra.Set("interval", Value(interval));
  extra.Set("cron-path", Value("/" + pid + "/schedule"));
  extra.Set("type", Value("Message"));
  extra.Set("tag", Value(tag));
  Result<ResolveResult> r = Cron(node, std::move(extra));
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  return r.ok() && r->value.is_binary() ? r->value.binary() : "";
}

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The assignments of slots `from`..latest of `pid`.
std::vector<Message> AssignmentsOf(Node& node, const std::string& pid, int64_t from = 0) {
  Result<SchedulePage> page = node.schedulers().Assignments(pid, static_cast<uint64_t>(from), std::nullopt);
  EXPECT_OK(page);
  return page.ok() ? page->assignments : std::vector<Message>{};
}

// A witness for absence checks: an independent cron task on its own process, on the same
// timer. Once it has run `runs` more times, the timer has handed out every run due before
// (runs are dispatched in due order) and more than `runs` - 1 of its intervals have passed.
class CronWitness {
 public:
  CronWitness(Node& node, const std::string& interval) : node_(node) {
    pid_ = Spawn(node, "witness").second;
    task_ = Every(node, pid_, interval, "witness");
  }
  ~CronWitness() { (void)node_.cron().Stop(task_); }
  // Waits until the witness ran `runs` more times from now.
  bool Wait(int64_t runs) {
    const int64_t from = Slot(node_, pid_);
    return WaitFor([&] { return Slot(node_, pid_) >= from + runs; }, std::chrono::seconds(30));
  }

 private:
  Node& node_;
  std::string pid_;
  std::string task_;
};

// The same for monitors: an independent monitor ticking on the same timer.
class MonitorWitness {
 public:
  MonitorWitness(Node& node, milliseconds every) {
    monitor_ = *node.Monitor(Spawn(node, "witness").second, MonitorOptions{every});
  }
  ~MonitorWitness() { monitor_->Stop(); }
  bool Wait(int64_t ticks) {
    const int64_t from = monitor_->ticks();
    return WaitFor([&] { return monitor_->ticks() >= from + ticks; }, std::chrono::seconds(30));
  }

 private:
  std::shared_ptr<ProcessMonitor> monitor_;
};

TEST(CronInterval, ParsesUnitsByPrefixAndRejectsBadOnes) {
  EXPECT_EQ(*ParseCronInterval("500-milliseconds"), milliseconds(500));
  EXPECT_EQ(*ParseCronInterval("10-seconds"), milliseconds(10000));
  EXPECT_EQ(*ParseCronInterval("1-minute"), milliseconds(60000));
  EXPECT_EQ(*ParseCronInterval("2-Hours"), milliseconds(7200000));
  EXPECT_EQ(*ParseCronInterval("1-day"), milliseconds(86400000));
  EXPECT_EQ(ParseCronInterval("5-fortnights").status().message(), "Invalid time unit: fortnights");
  EXPECT_EQ(ParseCronInterval("0-seconds").status().message(), "Invalid interval value.");
  EXPECT_EQ(ParseCronInterval("x-seconds").status().message(), "Invalid interval value.");
  EXPECT_EQ(ParseCronInterval("10seconds").status().message(), "Error parsing interval");
}

TEST(Cron, EveryTaskSchedulesOnAProcessUntilStopped) {
  auto node = OpenPingPongNode();
  auto [def, pid] = Spawn(*node, "clock");
  const std::string task = Every(*node, pid, "50-milliseconds");
  ASSERT_EQ(task.size(), 43u);
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= 3; })) << Slot(*node, pid);
  // The scheduled messages are the task request's keys.
  Result<SchedulePage> page = node->schedulers().Assignments(pid, 1, 1);
  ASSERT_OK(page);
  EXPECT_EQ(*At(*page->assignments[0].Find("body"), "tag"), Value("tick"));
  Result<ResolveResult> stopped = Cron(*node, Message{{"path", "stop"}, {"task", Value(task)}});
  ASSERT_OK(stopped);
  ASSERT_TRUE(stopped->ok()) << stopped->DebugString();
  EXPECT_EQ(Int(At(stopped->value, "status")), 200);
  EXPECT_EQ(*At(stopped->value, "body/task_id"), Value(task));
  const int64_t after = Slot(*node, pid);
  // No run after stop returned: a witness task of the same interval runs several times while
  // the stopped task's process gets nothing more.
  CronWitness witness(*node, "50-milliseconds");
  ASSERT_TRUE(witness.Wait(5));
  EXPECT_EQ(Slot(*node, pid), after);
  Result<ResolveResult> again = Cron(*node, Message{{"path", "stop"}, {"task", Value(task)}});
  ASSERT_OK(again);
  EXPECT_EQ(again->status, "error");
  EXPECT_EQ(again->value, Value("Task not found."));
}

TEST(Cron, RegisteringTheSameTaskTwiceIsOneTask) {
  auto node = OpenPingPongNode();
  auto [def, pid] = Spawn(*node, "clock");
  const std::string a = Every(*node, pid, "1-minute");
  const std::string b = Every(*node, pid, "1-minute");
  EXPECT_EQ(a, b);
  EXPECT_EQ(node->cron().Tasks().size(), 1u);
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= 1; }));
  {
    // One first run only: a witness registered afterwards runs several times, the task not again.
    CronWitness witness(*node, "20-milliseconds");
    ASSERT_TRUE(witness.Wait(5));
    EXPECT_EQ(Slot(*node, pid), 1);
  }
  EXPECT_NE(Every(*node, pid, "1-minute", "other"), a);
  EXPECT_EQ(node->cron().Tasks().size(), 2u);
}

TEST(Cron, MissingKeysAndBadIntervalsAreErrorResults) {
  auto node = OpenPingPongNode();
  auto text = [&](Message req) {
    Result<ResolveResult> r = Cron(*node, std::move(req));
    return r.ok() && r->status == "error" && r->value.is_binary() ? r->value.binary() : std::string("?");
  };
  EXPECT_EQ(text(Message{{"path", "once"}}), "No cron path found in message.");
  EXPECT_EQ(text(Message{{"path", "every"}, {"cron-path", "/x"}}), "No interval found in message.");
  EXPECT_EQ(text(Message{{"path", "every"}, {"cron-path", "/x"}, {"interval", "3-eons"}}), "Invalid time unit: eons");
  EXPECT_EQ(text(Message{{"path", "stop"}}), "No task ID found in message.");
  EXPECT_EQ(text(Message{{"path", "stop"}, {"task", "nope"}}), "Task not found.");
}

TEST(Cron, OnceRunsOnceAndIsForgotten) {
  auto node = OpenPingPongNode();
  auto [def, pid] = Spawn(*node, "clock");
  Result<ResolveResult> r = Cron(*node, Message{{"path", "once"},
                                                {"cron-path", Value("/" + pid + "/schedule")},
                                                {"type", "Message"}});
  ASSERT_TRUE(r.ok() && r->ok());
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) == 1 && node->cron().Tasks().empty(); }));
  EXPECT_FALSE(node->store().Read("cron/" + r->value.binary()).ok());
}

TEST(Cron, AFailingTaskBacksOffInsteadOfSpinning) {
  auto node = OpenPingPongNode();
  const std::string nowhere(43, 'Z');
  const std::string task = Every(*node, nowhere, "10-milliseconds");
  ASSERT_TRUE(WaitFor([&] {
    auto t = node->cron().Tasks();
    return !t.empty() && t[0].failures >= 3;
  }));
  auto runs_of_task = [&] {
    for (const auto& t : node->cron().Tasks()) {
      if (t.id == task) return t.runs;
    }
    return int64_t{-1};
  };
  const int64_t runs = runs_of_task();
  // A healthy witness of the same interval runs 30 times (>= 290 ms); without back-off the
  // failing task would run about as often, with it (100, 200, 400 ms...) only a few times.
  CronWitness witness(*node, "10-milliseconds");
  ASSERT_TRUE(witness.Wait(30));
  EXPECT_LE(runs_of_task() - runs, 6);
  ASSERT_OK(node->cron().Stop(task));
}

TEST(Cron, TasksSurviveARestart) {
  testing::TempDir dir;
  std::string pid, task;
  int64_t before = 0;
  {
    auto node = OpenPingPongNode(dir.str());
    pid = Spawn(*node, "clock").second;
    task = Every(*node, pid, "100-milliseconds");
    ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= 2; }));
    before = Slot(*node, pid);
    ASSERT_OK(node->Close());
  }
  auto node = OpenPingPongNode(dir.str());
  ASSERT_EQ(node->cron().Tasks().size(), 1u);
  EXPECT_EQ(node->cron().Tasks()[0].id, task);
  const int64_t reopened = Slot(*node, pid);
  EXPECT_GE(reopened, 2);
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= reopened + 3; }));
  ASSERT_OK(node->cron().Stop(task));
  (void)before;
}

TEST(Monitor, DeliversAPingPongAndFollowsNewSlots) {
  auto node = OpenPingPongNode();
  auto [a, a_id] = Spawn(*node, "ping");
  auto [b, b_id] = Spawn(*node, "pong");
  Result<std::shared_ptr<ProcessMonitor>> m = node->Monitor(a_id, MonitorOptions{milliseconds(20)});
  ASSERT_OK(m);
  ASSERT_TRUE(WaitFor([&] { return (*m)->cursor() == 0; }));  // the process message itself
  ScheduleOn(*node, a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, b_id) == 3 && (*m)->cursor() == Slot(*node, a_id); }))
      << (*m)->cursor() << " " << Slot(*node, a_id) << " " << Slot(*node, b_id);
  EXPECT_EQ(Slot(*node, a_id), 4);
  // The same monitor again.
  EXPECT_EQ(node->Monitor(a_id)->get(), m->get());
  (*m)->Stop();
  EXPECT_FALSE((*m)->running());
  EXPECT_TRUE(node->Monitors().empty());
  const int64_t ticks = (*m)->ticks();
  // A witness monitor of the same period ticks several times; the stopped one never again.
  MonitorWitness witness(*node, milliseconds(20));
  ASSERT_TRUE(witness.Wait(5));
  EXPECT_EQ((*m)->ticks(), ticks);
}

// The `from-slot` stamps of the messages `pid` received (slots 1..), in slot order.
std::vector<int64_t> FromSlots(Node& node, const std::string& pid) {
  std::vector<int64_t> out;
  for (const Message& a : AssignmentsOf(node, pid, 1)) out.push_back(Int(At(*a.Find("body"), "from-slot")).value_or(-1));
  return out;
}

TEST(Monitor, CursorSurvivesARestartWithoutRepeatingOrSkipping) {
  testing::TempDir dir;
  std::string a_id, b_id;
  Message a;
  {
    auto node = OpenPingPongNode(dir.str());
    std::tie(a, a_id) = Spawn(*node, "ping", 1);
    b_id = Spawn(*node, "pong", 1).second;
    ScheduleOn(*node, a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
    auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(20)});
    ASSERT_TRUE(WaitFor([&] { return m->cursor() == 1 && Slot(*node, b_id) == 1; }));
  }
  auto node = OpenPingPongNode(dir.str());
  // The monitor is back by itself, after the persisted cursor, with its options.
  ASSERT_EQ(node->Monitors().size(), 1u);
  std::shared_ptr<ProcessMonitor> m = node->Monitors()[0];
  EXPECT_EQ(m->process_id(), a_id);
  EXPECT_EQ(m->options().every, milliseconds(20));
  EXPECT_GE(m->cursor(), 1);
  EXPECT_EQ(node->Monitor(a_id)->get(), m.get());
  // Scheduled after the reopen: picked up after the cursor.
  ScheduleOn(*node, a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  ASSERT_TRUE(WaitFor([&] { return m->cursor() == 2 && Slot(*node, b_id) == 2; }));
  // Several more ticks: slot 1 is never pushed again, slot 2 once.
  const int64_t ticks = m->ticks();
  ASSERT_TRUE(WaitFor([&] { return m->ticks() >= ticks + 3; }));
  EXPECT_EQ(FromSlots(*node, b_id), (std::vector<int64_t>{1, 2}));
}

TEST(Monitor, StopRemovesTheRegistrationAndKeepsTheCursor) {
  testing::TempDir dir;
  std::string a_id;
  {
    auto node = OpenPingPongNode(dir.str());
    a_id = Spawn(*node, "ping").second;
    auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(30), 4, milliseconds(900)});
    ASSERT_TRUE(WaitFor([&] { return m->cursor() == 0; }));
    ASSERT_OK(node->Close());
  }
  {
    auto node = OpenPingPongNode(dir.str());
    ASSERT_EQ(node->Monitors().size(), 1u);
    auto m = node->Monitors()[0];
    EXPECT_EQ(m->options().every, milliseconds(30));
    EXPECT_EQ(m->options().page, 4u);
    EXPECT_EQ(m->options().max_backoff, milliseconds(900));
    m->Stop();
    EXPECT_TRUE(node->Monitors().empty());
    EXPECT_TRUE(node->store().Read(ProcessMonitor::RegistrationPath(a_id)).status().IsNotFound());
  }
  auto node = OpenPingPongNode(dir.str());
  EXPECT_TRUE(node->Monitors().empty());
  // A new monitor of the process starts after the kept cursor.
  auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(30)});
  EXPECT_EQ(m->cursor(), 0);
}

TEST(Monitor, RegistrationRecordsRoundTripAndRejectGarbage) {
  EXPECT_EQ(ProcessMonitor::ParseRegistration("20 16 30000")->every, milliseconds(20));
  EXPECT_EQ(ProcessMonitor::ParseRegistration("20 16 30000")->page, 16u);
  for (const char* bad : {"", "20", "20 16", "20 16 x", "20 16 30000 1", "0 16 30000", "20  16 3", "-1 1 1"}) {
    EXPECT_TRUE(ProcessMonitor::ParseRegistration(bad).status().IsInvalidArgument()) << bad;
  }
}

// A node restart with an `every` cron task that ticks a process and a monitor that pushes each
// tick on: the task resumes by itself at its due time (no tick doubled, none lost beyond one
// interval) and the monitor resumes after its cursor (every tick delivered exactly once).
TEST(Restart, CronTaskAndMonitorResumeWithoutLosingOrDoublingWork) {
  constexpr int64_t kInterval = 400;
  testing::TempDir dir;
  std::string a_id, b_id, task;
  int64_t reopened_at = 0;
  {
    auto node = OpenPingPongNode(dir.str());
    a_id = Spawn(*node, "ticked", 1).second;
    b_id = Spawn(*node, "sink", 1).second;
    // Each tick is a message {peer: B, count: 0} on A; A's outbox sends one message to B.
    task = Every(*node, a_id, std::to_string(kInterval) + "-milliseconds", "tick",
                 Message{{"peer", Value(b_id)}, {"count", Value(0)}});
    ASSERT_OK(node->Monitor(a_id, MonitorOptions{milliseconds(20)}));
    ASSERT_TRUE(WaitFor([&] { return Slot(*node, a_id) >= 3; }));
    ASSERT_OK(node->Close());
  }
  auto node = OpenPingPongNode(dir.str());
  reopened_at = WallMs();
  ASSERT_EQ(node->cron().Tasks().size(), 1u);
  EXPECT_EQ(node->cron().Tasks()[0].id, task);
  ASSERT_EQ(node->Monitors().size(), 1u);
  const int64_t last_before = Slot(*node, a_id);
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, a_id) >= last_before + 3; }, std::chrono::seconds(30)));
  ASSERT_OK(node->cron().Stop(task));
  const int64_t ticks = Slot(*node, a_id);
  std::shared_ptr<ProcessMonitor> m = node->Monitors()[0];
  ASSERT_TRUE(WaitFor([&] { return m->cursor() == ticks && Slot(*node, b_id) == ticks; }, std::chrono::seconds(30)))
      << m->cursor() << " " << ticks << " " << Slot(*node, b_id);

  // The monitor: every tick pushed exactly once, in order, across the restart.
  std::vector<int64_t> expected;
  for (int64_t s = 1; s <= ticks; ++s) expected.push_back(s);
  EXPECT_EQ(FromSlots(*node, b_id), expected);

  // The cron task: tick k+1 never comes sooner than one interval after tick k started (no
  // doubled tick, also across the restart: not run at once on reopen), with a margin for the
  // time between a run's start and its assignment's timestamp; and the first tick after the
  // reopen comes within one interval of when it was due (no tick lost beyond one interval),
  // with a margin for a loaded machine.
  std::vector<int64_t> stamps;
  for (const Message& a : AssignmentsOf(*node, a_id, 1)) stamps.push_back(*Int(a.Find("timestamp")));
  ASSERT_EQ(static_cast<int64_t>(stamps.size()), ticks);
  for (size_t i = 1; i < stamps.size(); ++i) {
    EXPECT_GE(stamps[i] - stamps[i - 1], kInterval / 2) << "ticks " << i << " and " << i + 1;
  }
  const int64_t first_after = stamps[static_cast<size_t>(last_before)];  // slot last_before + 1
  const int64_t last_pre = stamps[static_cast<size_t>(last_before - 1)];
  EXPECT_LE(first_after, std::max(reopened_at, last_pre + kInterval) + kInterval + 1000);
}

TEST(Monitor, AFailingSlotKeepsTheCursorAndBacksOff) {
  auto node = OpenPingPongNode();
  auto [a, a_id] = Spawn(*node, "ping");
  ScheduleOn(*node, a, a_id, Message{{"fail", "yes"}});
  auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(10), 16, milliseconds(2000)});
  ASSERT_TRUE(WaitFor([&] { return m->failures() >= 3; }));
  EXPECT_EQ(m->cursor(), 0);
  EXPECT_TRUE(m->running());
  // Back-off doubles from 10 ms: while a healthy witness of the same period ticks 30 times
  // (>= 290 ms) the failing monitor ticks only a handful of times (30 without back-off).
  const int64_t ticks = m->ticks();
  MonitorWitness witness(*node, milliseconds(10));
  ASSERT_TRUE(witness.Wait(30));
  EXPECT_LE(m->ticks() - ticks, 5);
  EXPECT_EQ(m->cursor(), 0);
}

}  // namespace
}  // namespace ao

namespace ao {
namespace {

// Stop waits for a run in flight, but only up to its bound: a run stuck in a device cannot
// hang the caller of stop.
TEST(Cron, StopWaitsForARunInFlightOnlyUpToItsBound) {
  auto store = MemoryStore::Create();
  ContentCache content(*store);
  Timer timer(2);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> runs{0};
  CronScheduler cron(*store, content, timer, [&](const Message&) -> Result<ResolveResult> {
    runs.fetch_add(1);
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });  // stuck until the test releases it
    return ResolveResult::Ok(Value(Message{}));
  }, std::chrono::milliseconds(200));
  Message request{{"path", "every"}, {"cron-path", "/x/schedule"}, {"interval", "10-milliseconds"}};
  Result<std::string> id = cron.Every(request, std::chrono::milliseconds(10));
  ASSERT_OK(id);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runs.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(runs.load(), 1);
  const auto start = std::chrono::steady_clock::now();
  // Should Stop wait without bound, the run is released 4 s in, so the test fails, not hangs.
  std::thread releaser([&] {
    std::unique_lock lock(mu);
    cv.wait_until(lock, start + std::chrono::seconds(4), [&] { return release; });
    release = true;
    cv.notify_all();
  });
  EXPECT_OK(cron.Stop(*id));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(190));  // it did wait for the run...
  EXPECT_LT(waited, std::chrono::seconds(3));         // ...but not without bound
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  releaser.join();
  cron.Shutdown();
  EXPECT_EQ(runs.load(), 1);  // the stopped task never ran again
}

}  // namespace
}  // namespace ao
