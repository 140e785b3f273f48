// push@1.0 through a whole node: a ping-pong of two processes driven by one push, the tree of
// assignments it returns, exactly-once delivery on re-push (also when the scheduling reply is
// lost after the commit), missing targets and the depth limit; spawns (a result's Spawns become
// processes, and their parent is told with a "Spawned" message).
#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "aocore/ao/resolver.h"
#include "aocore/devices/message_device.h"
#include "aocore/cache/content_cache.h"
#include "aocore/devices/push_device.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
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


// spawner@1.0: a message with `spawn-json` returns it as the CU result JSON
// (results/json/body), one with `spawn-module` returns a results/spawns/1 entry naming that
// module (the contract's key form); every message's action, process and reference keys are
// kept in the state (`last-...`), so a test sees the "Spawned" notice arrive.
DevicePtr SpawnerDevice() {
  auto dev = FunctionDevice::Module("spawner@1.0");
  dev->AddKey("init", [](const DeviceCall& c) -> Result<ResolveResult> { return ResolveResult::Ok(Value(c.base)); });
  dev->AddKey("snapshot", [](const DeviceCall&) -> Result<ResolveResult> { return ResolveResult::Ok(Value(Message{})); });
  dev->AddKey("compute", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    const Message* body = c.req.FindMessage("body");
    if (body == nullptr) return ResolveResult::Error(Value("no body"));
    for (const char* key : {"action", "process", "reference", "from-process"}) {
      if (const Value* v = body->Find(key)) m.Set(std::string("last-") + key, *v);
    }
    Message results;
    if (const Bytes* json = body->FindBinary("spawn-json")) {
      results.Set("json", Value(Message{{"content-type", "application/json"}, {"body", Value(*json)}}));
    }
    if (const Bytes* module = body->FindBinary("spawn-module")) {
      Message spawn{{"module", Value(*module)}, {"reference", "7"}, {"data", "key form"}};
      results.Set("spawns", Value(Message{{"1", Value(std::move(spawn))}}));
    }
    m.Set("results", Value(std::move(results)));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

class PushSpawnTest : public PushTest {
 protected:
  void SetUp() override {
    PushTest::SetUp();
    ASSERT_OK(node_->RegisterDevice("spawner@1.0", SpawnerDevice()));
    Message def{{"device", "process@1.0"},
                {"execution-device", "spawner@1.0"},
                {"type", "Process"},
                {"module", Value(kParentModule)},
                {"scheduler", Value(node_->address())}};
    parent_ = *Commit(def, node_->wallet());
    parent_id_ = *MessageId(parent_, IdMode::kAll);
    Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(parent_)}};
    Result<ResolveResult> r = node_->Resolve(Value(Message{{"device", "scheduler@1.0"}}), Value(req), Opts());
    ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  }

  // What AOS's ao.spawn(module, {Data = "child data", Name = "kid"}) puts in its result.
  std::string AosSpawnJson() const {
    return R"({"Spawns":[{"Data":"child data","Anchor":"00000000000000000000000000000001","Tags":[)"
           R"({"name":"Data-Protocol","value":"ao"},{"name":"Variant","value":"ao.TN.1"},)"
           R"({"name":"Type","value":"Process"},{"name":"From-Process","value":")" +
           parent_id_ +
           R"("},{"name":"From-Module","value":"stale"},{"name":"Module","value":"child-module"},)"
           R"({"name":"Reference","value":"1"},{"name":"Name","value":"kid"}]}]})";
  }

  // The child's signed item, as the node stores it.
  DataItem ChildItem(const std::string& child_id) {
    Result<Message> def = node_->content().ReadMessage(child_id);
    EXPECT_OK(def);
    Result<Bytes> raw = SignedItemFromMessage(*def);
    EXPECT_OK(raw);
    Result<DataItem> item = DecodeDataItem(*raw);
    EXPECT_OK(item);
    EXPECT_OK(VerifyDataItem(*item));
    return *item;
  }

  Message ChildDef(const std::string& child_id) {
    Result<Message> def = node_->content().ReadMessage(child_id);
    EXPECT_OK(def);
    return *def;
  }

  static constexpr char kParentModule[] = "parent-module";
  Message parent_;
  std::string parent_id_;
};

std::vector<std::pair<std::string, std::string>> Tags(const DataItem& item) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Tag& t : item.tags) out.emplace_back(t.name, t.value);
  return out;
}

TEST_F(PushSpawnTest, ASpawnBecomesAProcessSignedByTheNodeAndItsParentIsToldOnce) {
  const int64_t slot = ScheduleOn(parent_, parent_id_, Message{{"spawn-json", Value(AosSpawnJson())}});
  ASSERT_EQ(slot, 1);
  ResolveResult tree = Push(parent_, slot);
  ASSERT_TRUE(tree.ok()) << tree.DebugString();
  const Value* child = At(tree.value, "spawned/1/process");
  ASSERT_NE(child, nullptr) << tree.DebugString();
  const std::string child_id = child->binary();
  EXPECT_EQ(Int(At(tree.value, "spawned/1/slot")), 0);
  EXPECT_EQ(CurrentSlot(child_id), 0);
  // The child is the MU's item: the spawn's tags (less Data-Protocol and Type, From-Module =
  // the parent's Module), then Variant, Data-Protocol, Type, From-Process, and the Scheduler
  // and devices it inherits; signed by the node's wallet, with the spawn's data.
  const DataItem item = ChildItem(child_id);
  EXPECT_EQ(DataItemOwnerAddress(item), node_->address());
  EXPECT_EQ(item.data, "child data");
  EXPECT_FALSE(item.target.has_value());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Variant", "ao.TN.1"},          {"From-Process", parent_id_},   {"From-Module", kParentModule},
      {"Module", "child-module"},      {"Reference", "1"},             {"Name", "kid"},
      {"Variant", "ao.TN.1"},          {"Data-Protocol", "ao"},        {"Type", "Process"},
      {"From-Process", parent_id_},    {"Scheduler", node_->address()}, {"Device", "process@1.0"},
      {"Execution-Device", "spawner@1.0"}};
  EXPECT_EQ(Tags(item), expected);
  // The child ran its first slot (the process message) on the inherited device.
  EXPECT_EQ(*At(Value(Now(ChildDef(child_id))), "last-reference"), Value("1"));
  // The parent got the notice at its next slot: Action Spawned, Process = the child, and the
  // spawn's Reference and From-Process (what AOS's ao.spawn(...).receive() matches).
  EXPECT_EQ(CurrentSlot(parent_id_), 2);
  EXPECT_EQ(Int(At(tree.value, "spawned/1/spawned/slot")), 2);
  const Message state = Now(parent_);
  EXPECT_EQ(*state.Find("last-action"), Value("Spawned"));
  EXPECT_EQ(*state.Find("last-process"), Value(child_id));
  EXPECT_EQ(*state.Find("last-reference"), Value("1"));
  EXPECT_EQ(*state.Find("last-from-process"), Value(parent_id_));
  Result<SchedulePage> page = node_->schedulers().Assignments(parent_id_, 2, 2);
  ASSERT_OK(page);
  const Message notice = page->assignments[0].Find("body")->message();
  Result<DataItem> notice_item = DecodeDataItem(*SignedItemFromMessage(notice));
  ASSERT_OK(notice_item);
  EXPECT_EQ(DataItemOwnerAddress(*notice_item), node_->address());
  const std::vector<std::pair<std::string, std::string>> notice_tags = {
      {"From-Process", parent_id_}, {"From-Module", "stale"},     {"Module", "child-module"},
      {"Reference", "1"},           {"Name", "kid"},              {"Data-Protocol", "ao"},
      {"Type", "Message"},          {"Process", child_id},        {"Action", "Spawned"},
      {"Variant", "ao.TN.1"}};
  EXPECT_EQ(Tags(*notice_item), notice_tags);
  // Pushing the slot again spawns nothing and tells nobody twice.
  ResolveResult again = Push(parent_, slot);
  ASSERT_TRUE(again.ok()) << again.DebugString();
  EXPECT_EQ(*At(again.value, "spawned/1/process"), Value(child_id));
  EXPECT_EQ(*At(again.value, "spawned/1/spawned/id"), *At(tree.value, "spawned/1/spawned/id"));
  EXPECT_EQ(CurrentSlot(parent_id_), 2);
}

TEST_F(PushSpawnTest, SpawnsInTheKeyFormSpawnAndOneWithoutAModuleIsAnErrorEntry) {
  const int64_t slot = ScheduleOn(parent_, parent_id_, Message{{"spawn-module", "child-module"}});
  ResolveResult tree = Push(parent_, slot);
  ASSERT_TRUE(tree.ok()) << tree.DebugString();
  const Value* child = At(tree.value, "spawned/1/process");
  ASSERT_NE(child, nullptr) << tree.DebugString();
  const DataItem item = ChildItem(child->binary());
  EXPECT_EQ(item.data, "key form");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Module", "child-module"},      {"Reference", "7"},  {"Variant", "ao.TN.1"},
      {"Data-Protocol", "ao"},         {"Type", "Process"}, {"From-Process", parent_id_},
      {"Scheduler", node_->address()}, {"Device", "process@1.0"}, {"Execution-Device", "spawner@1.0"}};
  EXPECT_EQ(Tags(item), expected);
  EXPECT_EQ(*Now(parent_).Find("last-reference"), Value("7"));

  // A spawn that names no Module (the MU refuses it): an error entry, no process, no notice.
  const std::string no_module = R"({"Spawns":[{"Data":"x","Tags":[{"name":"Name","value":"nameless"}]}]})";
  const int64_t bad = ScheduleOn(parent_, parent_id_, Message{{"spawn-json", Value(no_module)}});
  const int64_t before = CurrentSlot(parent_id_);
  ResolveResult refused = Push(parent_, bad);
  ASSERT_TRUE(refused.ok()) << refused.DebugString();
  EXPECT_EQ(*At(refused.value, "spawned/1/response"), Value("error"));
  EXPECT_EQ(*At(refused.value, "spawned/1/spawn-index"), Value("1"));
  EXPECT_EQ(At(refused.value, "spawned/1/process"), nullptr);
  EXPECT_EQ(CurrentSlot(parent_id_), before);
}

}  // namespace
}  // namespace ao
