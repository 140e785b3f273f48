// push@1.0 through a whole node: a ping-pong of two processes driven by one push, the tree of
// assignments it returns, exactly-once delivery on re-push (also when the scheduling reply is
// lost after the commit), missing targets and the depth limit.
#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "aocore/ao/resolver.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/push_device.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/node/node.h"
#include "aocore/node/messaging_test_util.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using testing::At;
using testing::Int;
using testing::PingPongDevice;

class PushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Node>> n = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
    ASSERT_OK(n);
    node_ = std::move(n).value();
    ASSERT_OK(node_->RegisterDevice("pingpong@1.0", PingPongDevice()));
  }

  // Spawns a pingpong process; returns its definition (signed) and ID.
  std::pair<Message, std::string> Spawn(const std::string& name, int64_t limit = 6,
                                        const std::string& scheduler_device = "scheduler@1.0") {
    Message def{{"device", "process@1.0"},
                {"scheduler-device", Value(scheduler_device)},
                {"execution-device", "pingpong@1.0"},
                {"type", "Process"},
                {"name", Value(name)},
                {"limit", Value(limit)},
                {"scheduler", Value(node_->address())}};
    Message signed_def = *Commit(def, node_->wallet());
    Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(signed_def)}};
    Result<ResolveResult> r = node_->Resolve(Value(Message{{"device", "scheduler@1.0"}}), Value(req), Opts());
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return {signed_def, *MessageId(signed_def, IdMode::kAll)};
  }

  int64_t ScheduleOn(const Message& def, const std::string& pid, Message body) {
    body.Set("type", Value("Message"));
    body.Set("target", Value(pid));
    Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(std::move(body))}};
    Result<ResolveResult> r = node_->Resolve(Value(def), Value(req), Opts());
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return Int(At(r->value, "slot")).value_or(-1);
  }

  int64_t CurrentSlot(const std::string& pid) { return *node_->schedulers().CurrentSlot(pid); }

  ResolveResult Push(const Message& def, int64_t slot, Message extra = {}) {
    extra.Set("path", Value("push"));
    extra.Set("slot", Value(slot));
    Result<ResolveResult> r = node_->Resolve(Value(def), Value(extra), Opts());
    EXPECT_OK(r);
    return r.ok() ? *r : ResolveResult::Error(Value(r.status().ToString()));
  }

  Message Now(const Message& def) {
    Result<ResolveResult> r = node_->Resolve(Value(def), Value("now"), Opts());
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return r->value.message();
  }

  ResolveOptions Opts() const {
    ResolveOptions o = node_->DefaultResolveOptions();
    o.hashpath = HashpathMode::kIgnore;
    return o;
  }

  std::unique_ptr<Node> node_;
};

TEST_F(PushTest, PingPongBetweenTwoProcessesRunsToTheLimitFromOnePush) {
  auto [a, a_id] = Spawn("ping");
  auto [b, b_id] = Spawn("pong");
  const int64_t first = ScheduleOn(a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  ASSERT_EQ(first, 1);
  ResolveResult tree = Push(a, first);
  ASSERT_TRUE(tree.ok()) << tree.DebugString();
  // Counts 1..6 travel A->B->A...: B gets 1, 3, 5 (slots 1-3), A gets 2, 4, 6 (slots 2-4).
  EXPECT_EQ(CurrentSlot(a_id), 4);
  EXPECT_EQ(CurrentSlot(b_id), 3);
  EXPECT_EQ(Int(Now(a).Find("last-count")), 6);
  EXPECT_EQ(Int(Now(b).Find("last-count")), 5);
  // The tree: A slot 1 -> B slot 1 -> A slot 2 -> ... six levels deep.
  EXPECT_EQ(*At(tree.value, "process"), Value(a_id));
  EXPECT_EQ(*At(tree.value, "1/target"), Value(b_id));
  EXPECT_EQ(Int(At(tree.value, "1/slot")), 1);
  EXPECT_EQ(Int(At(tree.value, "1/resulted-in/1/slot")), 2);
  EXPECT_EQ(*At(tree.value, "1/resulted-in/1/target"), Value(a_id));
  const Value* deepest = At(tree.value, "1/resulted-in/1/resulted-in/1/resulted-in/1/resulted-in/1/resulted-in/1");
  ASSERT_NE(deepest, nullptr) << tree.DebugString();
  EXPECT_EQ(Int(At(*deepest, "slot")), 4);
  EXPECT_EQ(At(*deepest, "resulted-in/1"), nullptr);  // the limit: nothing more sent
  // The delivered messages carry their origin.
  Result<SchedulePage> page = node_->schedulers().Assignments(b_id, 1, 1);
  ASSERT_OK(page);
  ASSERT_EQ(page->assignments.size(), 1u);
  const Value body = *page->assignments[0].Find("body");
  EXPECT_EQ(*At(body, "from-process"), Value(a_id));
  EXPECT_EQ(Int(At(body, "from-slot")), 1);
  EXPECT_EQ(Int(At(body, "count")), 1);
  EXPECT_TRUE(Verify(body.message()));
}

TEST_F(PushTest, RePushingASlotDeliversNothingTwice) {
  auto [a, a_id] = Spawn("ping");
  auto [b, b_id] = Spawn("pong");
  const int64_t first = ScheduleOn(a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  ResolveResult once = Push(a, first);
  ASSERT_TRUE(once.ok()) << once.DebugString();
  ResolveResult twice = Push(a, first);
  ASSERT_TRUE(twice.ok()) << twice.DebugString();
  EXPECT_EQ(CurrentSlot(a_id), 4);
  EXPECT_EQ(CurrentSlot(b_id), 3);
  // The second push reports the same assignments.
  EXPECT_EQ(*At(once.value, "1/id"), *At(twice.value, "1/id"));
  EXPECT_EQ(*At(once.value, "1/resulted-in/1/slot"), *At(twice.value, "1/resulted-in/1/slot"));
  // Pushing an inner slot again is deduplicated too.
  ASSERT_TRUE(Push(b, 2).ok());
  EXPECT_EQ(CurrentSlot(a_id), 4);
}

TEST_F(PushTest, AMissingTargetIsAnErrorEntryAndTheOtherMessagesStillGo) {
  auto [a, a_id] = Spawn("ping", 1);
  auto [b, b_id] = Spawn("pong", 1);
  const std::string nowhere(43, 'Q');
  const int64_t first =
      ScheduleOn(a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}, {"also", Value(nowhere)}});
  ResolveResult tree = Push(a, first);
  ASSERT_TRUE(tree.ok()) << tree.DebugString();
  EXPECT_EQ(Int(At(tree.value, "2/status")), 404);
  EXPECT_EQ(*At(tree.value, "2/response"), Value("error"));
  EXPECT_EQ(*At(tree.value, "2/target"), Value(nowhere));
  EXPECT_EQ(Int(At(tree.value, "1/slot")), 1);
  EXPECT_EQ(CurrentSlot(b_id), 1);
}

TEST_F(PushTest, ALoopPastTheDepthLimitStopsWithAnErrorEntryAndLosesNoMessage) {
  auto [a, a_id] = Spawn("ping", 1000);
  auto [b, b_id] = Spawn("pong", 1000);
  const int64_t first = ScheduleOn(a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  ResolveResult tree = Push(a, first, Message{{"push-max-depth", Value(3)}});
  ASSERT_TRUE(tree.ok()) << tree.DebugString();
  // Pushes run at depths 0..3 (A1, B1, A2, B2); B2's message is scheduled (A slot 3) but not
  // pushed.
  const Value* last = At(tree.value, "1/resulted-in/1/resulted-in/1/resulted-in/1");
  ASSERT_NE(last, nullptr) << tree.DebugString();
  EXPECT_EQ(*At(*last, "target"), Value(a_id));
  EXPECT_EQ(Int(At(*last, "slot")), 3);
  EXPECT_EQ(Int(At(*last, "resulted-in/status")), 508);
  EXPECT_EQ(CurrentSlot(a_id), 3);
  EXPECT_EQ(CurrentSlot(b_id), 2);
  // Pushing A's last slot continues the conversation from where it stopped.
  ResolveResult more = Push(a, 3, Message{{"push-max-depth", Value(1)}});
  ASSERT_TRUE(more.ok()) << more.DebugString();
  EXPECT_EQ(CurrentSlot(b_id), 3);
  EXPECT_EQ(CurrentSlot(a_id), 4);
}

// A scheduler device that forwards to scheduler@1.0 and, while `lose_replies` is set, answers a
// POST `schedule` with an error AFTER scheduler@1.0 committed the message: the failure between
// "the target has the message" and "the push knows it" that a crash would cause.
DevicePtr LossyScheduler(std::shared_ptr<std::atomic<bool>> lose_replies) {
  auto dev = FunctionDevice::Module("lossy-scheduler@1.0");
  dev->SetHandler([lose_replies](const DeviceCall& c) -> Result<ResolveResult> {
    Message base = c.base;
    base.Set("device", Value("scheduler@1.0"));
    AO_ASSIGN_OR_RETURN(ResolveResult r, c.resolver.Resolve(Value(std::move(base)), Value(c.req), c.opts));
    const Bytes* method = c.req.FindBinary("method");
    if (c.key == "schedule" && method != nullptr && *method == "POST" && lose_replies->load()) {
      return ResolveResult::Error(Value(Message{{"status", Value(503)}, {"body", "reply lost"}}));
    }
    return r;
  });
  return dev;
}

TEST_F(PushTest, ARePushAfterALostSchedulingReplyDeliversExactlyOnce) {
  auto lose = std::make_shared<std::atomic<bool>>(true);
  ASSERT_OK(node_->RegisterDevice("lossy-scheduler@1.0", LossyScheduler(lose)));
  auto [a, a_id] = Spawn("ping", 1);
  auto [b, b_id] = Spawn("pong", 1, "lossy-scheduler@1.0");
  const int64_t first = ScheduleOn(a, a_id, Message{{"peer", Value(b_id)}, {"count", Value(0)}});
  // The message reached B (slot 1) but the push saw an error: its entry is an error.
  ResolveResult failed = Push(a, first);
  ASSERT_TRUE(failed.ok()) << failed.DebugString();
  EXPECT_EQ(*At(failed.value, "1/response"), Value("error"));
  ASSERT_EQ(CurrentSlot(b_id), 1);
  // The delivery record was committed with the assignment: re-pushing reports that delivery
  // instead of scheduling the message again.
  lose->store(false);
  ResolveResult again = Push(a, first);
  ASSERT_TRUE(again.ok()) << again.DebugString();
  EXPECT_EQ(Int(At(again.value, "1/slot")), 1);
  EXPECT_EQ(*At(again.value, "1/target"), Value(b_id));
  EXPECT_EQ(CurrentSlot(b_id), 1);
  Result<SchedulePage> page = node_->schedulers().Assignments(b_id, 1, 1);
  ASSERT_OK(page);
  EXPECT_EQ(*At(*page->assignments[0].Find("body"), "from-process"), Value(a_id));
  EXPECT_EQ(*At(again.value, "1/id"), Value(*MessageId(page->assignments[0].Find("body")->message(), IdMode::kAll)));
  ASSERT_TRUE(Push(a, first).ok());
  EXPECT_EQ(CurrentSlot(b_id), 1);
}

}  // namespace
}  // namespace ao
