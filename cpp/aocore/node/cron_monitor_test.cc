// cron@1.0 and process monitors through a whole node: `every` tasks scheduling on a process,
// stop, idempotent registration, persistence across a restart, back-off of failing tasks;
// monitors delivering a ping-pong, a cursor that survives a restart, and failures that keep it.
#include <chrono>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "aocore/devices/cron_device.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/node/messaging_test_util.h"
#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using std::chrono::milliseconds;
using testing::At;
using testing::Int;
using testing::WaitFor;

std::unique_ptr<Node> OpenNode(const std::string& path = "") {
  NodeOptions o = *NodeOptions::Parse(Message{});
  o.store_path = path;
  Result<std::unique_ptr<Node>> n = Node::Open(o, testing::SharedTestWallet());
  EXPECT_OK(n);
  EXPECT_OK((*n)->RegisterDevice("pingpong@1.0", testing::PingPongDevice()));
  return std::move(n).value();
}

ResolveOptions Opts(Node& node) {
  ResolveOptions o = node.DefaultResolveOptions();
  o.hashpath = HashpathMode::kIgnore;
  return o;
}

std::pair<Message, std::string> Spawn(Node& node, const std::string& name, int64_t limit = 6) {
  Message def{{"device", "process@1.0"},       {"scheduler-device", "scheduler@1.0"},
              {"execution-device", "pingpong@1.0"}, {"type", "Process"},
              {"name", Value(name)},               {"limit", Value(limit)},
              {"scheduler", Value(node.address())}};
  Message signed_def = *Commit(def, node.wallet());
  Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(signed_def)}};
  Result<ResolveResult> r = node.Resolve(Value(Message{{"device", "scheduler@1.0"}}), Value(req), Opts(node));
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  return {signed_def, *MessageId(signed_def, IdMode::kAll)};
}

int64_t ScheduleOn(Node& node, const Message& def, const std::string& pid, Message body) {
  body.Set("type", Value("Message"));
  body.Set("target", Value(pid));
  Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(std::move(body))}};
  Result<ResolveResult> r = node.Resolve(Value(def), Value(req), Opts(node));
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  return r.ok() ? Int(At(r->value, "slot")).value_or(-1) : -1;
}

int64_t Slot(Node& node, const std::string& pid) { return *node.schedulers().CurrentSlot(pid); }

Result<ResolveResult> Cron(Node& node, Message req) {
  return node.Resolve(Value(Message{{"device", "cron@1.0"}}), Value(std::move(req)), Opts(node));
}

std::string Every(Node& node, const std::string& pid, const std::string& interval, const std::string& tag = "tick") {
  Result<ResolveResult> r = Cron(node, Message{{"path", "every"},
                                               {"interval", Value(interval)},
                                               {"cron-path", Value("/" + pid + "/schedule")},
                                               {"type", "Message"},
                                               {"tag", Value(tag)}});
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  return r.ok() && r->value.is_binary() ? r->value.binary() : "";
}

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
  auto node = OpenNode();
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
  // No run after stop returned: the slot stays for several intervals.
  EXPECT_FALSE(WaitFor([&] { return Slot(*node, pid) != after; }, milliseconds(300)));
  Result<ResolveResult> again = Cron(*node, Message{{"path", "stop"}, {"task", Value(task)}});
  ASSERT_OK(again);
  EXPECT_EQ(again->status, "error");
  EXPECT_EQ(again->value, Value("Task not found."));
}

TEST(Cron, RegisteringTheSameTaskTwiceIsOneTask) {
  auto node = OpenNode();
  auto [def, pid] = Spawn(*node, "clock");
  const std::string a = Every(*node, pid, "1-minute");
  const std::string b = Every(*node, pid, "1-minute");
  EXPECT_EQ(a, b);
  EXPECT_EQ(node->cron().Tasks().size(), 1u);
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= 1; }));
  EXPECT_FALSE(WaitFor([&] { return Slot(*node, pid) >= 2; }, milliseconds(200)));  // one first run only
  EXPECT_NE(Every(*node, pid, "1-minute", "other"), a);
  EXPECT_EQ(node->cron().Tasks().size(), 2u);
}

TEST(Cron, MissingKeysAndBadIntervalsAreErrorResults) {
  auto node = OpenNode();
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
  auto node = OpenNode();
  auto [def, pid] = Spawn(*node, "clock");
  Result<ResolveResult> r = Cron(*node, Message{{"path", "once"},
                                                {"cron-path", Value("/" + pid + "/schedule")},
                                                {"type", "Message"}});
  ASSERT_TRUE(r.ok() && r->ok());
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) == 1 && node->cron().Tasks().empty(); }));
  EXPECT_FALSE(node->store().Read("cron/" + r->value.binary()).ok());
}

TEST(Cron, AFailingTaskBacksOffInsteadOfSpinning) {
  auto node = OpenNode();
  const std::string nowhere(43, 'Z');
  const std::string task = Every(*node, nowhere, "10-milliseconds");
  ASSERT_TRUE(WaitFor([&] {
    auto t = node->cron().Tasks();
    return !t.empty() && t[0].failures >= 3;
  }));
  // Without back-off 600 ms would be ~60 runs; with it (100, 200, 400 ms...) at most ~6.
  WaitFor([] { return false; }, milliseconds(600));
  auto tasks = node->cron().Tasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_LE(tasks[0].runs, 10);
  EXPECT_GE(tasks[0].failures, 3);
  ASSERT_OK(node->cron().Stop(task));
}

TEST(Cron, TasksSurviveARestart) {
  testing::TempDir dir;
  std::string pid, task;
  int64_t before = 0;
  {
    auto node = OpenNode(dir.str());
    pid = Spawn(*node, "clock").second;
    task = Every(*node, pid, "100-milliseconds");
    ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= 2; }));
    before = Slot(*node, pid);
    ASSERT_OK(node->Close());
  }
  auto node = OpenNode(dir.str());
  ASSERT_EQ(node->cron().Tasks().size(), 1u);
  EXPECT_EQ(node->cron().Tasks()[0].id, task);
  const int64_t reopened = Slot(*node, pid);
  EXPECT_GE(reopened, 2);
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, pid) >= reopened + 3; }));
  ASSERT_OK(node->cron().Stop(task));
  (void)before;
}

TEST(Monitor, DeliversAPingPongAndFollowsNewSlots) {
  auto node = OpenNode();
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
  const int64_t ticks = (*m)->ticks();
  EXPECT_FALSE(WaitFor([&] { return (*m)->ticks() != ticks; }, milliseconds(100)));
}

TEST(Monitor, CursorSurvivesARestartWithoutRepeatingOrSkipping) {
  testing::TempDir dir;
  std::string a_id, b_id;
  Message a;
  {
    auto node = OpenNode(dir.str());
    std::tie(a, a_id) = Spawn(*node, "ping", 1);
    b_id = Spawn(*node, "pong", 1).second;
    ScheduleOn(*node, a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
    auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(20)});
    ASSERT_TRUE(WaitFor([&] { return m->cursor() == 1 && Slot(*node, b_id) == 1; }));
  }
  auto node = OpenNode(dir.str());
  // Scheduled while no monitor ran: picked up after the persisted cursor.
  ScheduleOn(*node, a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(20)});
  EXPECT_EQ(m->cursor(), 1);
  ASSERT_TRUE(WaitFor([&] { return m->cursor() == 2; }));
  // Slot 1 was not pushed again (B got exactly one more message: slot 2).
  ASSERT_TRUE(WaitFor([&] { return Slot(*node, b_id) == 2; }));
  EXPECT_FALSE(WaitFor([&] { return Slot(*node, b_id) > 2; }, milliseconds(100)));
}

TEST(Monitor, AFailingSlotKeepsTheCursorAndBacksOff) {
  auto node = OpenNode();
  auto [a, a_id] = Spawn(*node, "ping");
  ScheduleOn(*node, a, a_id, Message{{"fail", "yes"}});
  auto m = *node->Monitor(a_id, MonitorOptions{milliseconds(10), 16, milliseconds(2000)});
  ASSERT_TRUE(WaitFor([&] { return m->failures() >= 3; }));
  EXPECT_EQ(m->cursor(), 0);
  EXPECT_TRUE(m->running());
  // Back-off doubles from 10 ms: 300 ms hold only a handful of ticks (30 without it).
  const int64_t ticks = m->ticks();
  WaitFor([] { return false; }, milliseconds(300));
  EXPECT_LE(m->ticks() - ticks, 4);
  EXPECT_EQ(m->cursor(), 0);
}

}  // namespace
}  // namespace ao
