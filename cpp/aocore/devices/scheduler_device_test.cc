// scheduler@1.0 through the resolver: the device API (docs/devices.md#scheduler), the
// assignment fields, the formats and the reference's in-process device scenarios 25-30.
#include "aocore/devices/scheduler_device.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/crypto/rsa_pss.h"
#include "aocore/crypto/wallet.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/fixture_devices.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using ::ao::scheduler_testing::RandomId;

// RSA-4096 keys are slow to generate: one node wallet and one user wallet for the suite.
const Wallet& NodeWallet() {
  static const Wallet* wallet = new Wallet(Wallet::Generate().value());
  return *wallet;
}
const Wallet& UserWallet() {
  static const Wallet* wallet = new Wallet(Wallet::Generate().value());
  return *wallet;
}

// A node in miniature: a memory store, its content cache, a scheduler registry that signs
// with the node wallet (or, for the long paging tests, the fast test signer) and verifies with
// Verify, and a resolver with the built-in devices.
class SchedulerDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(/*real_signer=*/true); }

  void Build(bool real_signer) {
    registry_.reset();
    store_ = std::make_unique<MemoryStore>();
    content_ = std::make_unique<ContentCache>(*store_);
    SchedulerEnvironment env;
    env.store = store_.get();
    if (real_signer) {
      env.signer = [](Message m) { return Commit(m, NodeWallet()); };
    } else {
      env.signer = scheduler_testing::TestSigner(NodeWallet().Address());
    }
    env.verifier = [](const Message& m) {
      return Verify(m) ? Status::OK() : Status::InvalidArgument("signature does not verify");
    };
    registry_ = std::make_unique<SchedulerRegistry>(std::move(env));
    BuiltinDeviceServices services;
    services.scheduler.store = store_.get();
    services.scheduler.content = content_.get();
    services.scheduler.schedulers = registry_.get();
    services.scheduler.address = NodeWallet().Address();
    resolver_ = ::ao::testing::MakeResolver(nullptr, services);
  }

  // A test process scheduled by this node (the reference's test_process), as a base message.
  Message Process(std::string scheduler = "") {
    return Message{{"device", "scheduler@1.0"},
                   {"type", "Process"},
                   {"scheduler", Value(scheduler.empty() ? NodeWallet().Address() : scheduler)},
                   {"test-random-seed", Value(RandomId())}};
  }

  ResolveResult Resolve(const Message& base, const Message& req) {
    Result<ResolveResult> r = resolver_->Resolve(Value(base), req, opts_);
    EXPECT_OK(r);
    return r.ok() ? std::move(r).value() : ResolveResult::Make("<failed>", Value(r.status().ToString()));
  }
  ResolveResult Post(const Message& base, const Message& body) {
    return Resolve(base, Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(body)}});
  }
  Message Scheduler() { return Message{{"device", "scheduler@1.0"}}; }

  // The {status, body} of an error result.
  static int64_t ErrorStatus(const ResolveResult& r) {
    if (!r.value.is_message()) return -1;
    const Value* s = r.value.message().Find("status");
    return s != nullptr && s->is_integer() ? s->integer() : -1;
  }
  static std::string ErrorBody(const ResolveResult& r) {
    if (!r.value.is_message()) return "";
    const Bytes* b = r.value.message().FindBinary("body");
    return b ? *b : "";
  }

  std::unique_ptr<MemoryStore> store_;
  std::unique_ptr<ContentCache> content_;
  std::unique_ptr<SchedulerRegistry> registry_;
  std::unique_ptr<Resolver> resolver_;
  ResolveOptions opts_;
};

Message Signed(Message m, const Wallet& wallet = UserWallet()) { return Commit(m, wallet).value(); }

const Message& M(const ResolveResult& r) { return r.value.message(); }

TEST_F(SchedulerDeviceTest, PostScheduleReturnsSignedAssignmentWithEveryField) {
  Message process = Process();
  const std::string pid = MessageId(process, IdMode::kAll).value();
  Message msg = Signed(Message{{"type", "Message"}, {"target", Value(pid)}, {"test-key", "value"}});

  ResolveResult r = Post(Scheduler(), msg);
  // The process itself is not findable yet (never posted, not the base): a clean error.
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 404);

  r = Post(process, msg);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const Message& a = M(r);
  EXPECT_EQ(*a.Find("path"), Value("compute"));
  EXPECT_EQ(*a.Find("data-protocol"), Value("ao"));
  EXPECT_EQ(*a.Find("variant"), Value("ao.N.1"));
  EXPECT_EQ(*a.Find("process"), Value(pid));
  EXPECT_EQ(*a.Find("epoch"), Value("0"));  // a string, as the reference
  EXPECT_EQ(*a.Find("slot"), Value(int64_t{0}));
  EXPECT_EQ(*a.Find("block-height"), Value(int64_t{0}));
  EXPECT_EQ(*a.Find("block-hash"), Value(std::string(43, 'A')));
  EXPECT_EQ(*a.Find("block-timestamp"), Value(int64_t{0}));
  ASSERT_TRUE(a.Find("timestamp")->is_integer());
  EXPECT_GT(a.Find("timestamp")->integer(), 0);
  ASSERT_NE(a.FindBinary("hash-chain"), nullptr);
  EXPECT_EQ(a.FindBinary("hash-chain")->size(), 43u);
  ASSERT_NE(a.FindMessage("body"), nullptr);
  EXPECT_EQ(*a.FindMessage("body"), msg);
  // Signed by the node wallet, and the signature verifies.
  EXPECT_EQ(Committers(a), std::vector<std::string>{NodeWallet().Address()});
  EXPECT_TRUE(Verify(a));
  // Stored: the schedule reads back and its hash chain verifies independently.
  EXPECT_OK(scheduler_testing::ReadAndVerifySchedule(*store_, pid, 1));
}

TEST_F(SchedulerDeviceTest, BodyKeysOutsideTheSignatureAreDropped) {
  Message process = Process();
  Message msg = Signed(Message{{"type", "Message"}, {"test-key", "value"}});
  Message extended = msg;
  extended.Set("added-later", Value("not signed"));
  ResolveResult r = Post(process, extended);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const Message* body = M(r).FindMessage("body");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->Find("added-later"), nullptr);
  EXPECT_EQ(*body, msg);
}

TEST_F(SchedulerDeviceTest, TamperedSignedMessageIsRefused) {
  Message process = Process();
  Message msg = Signed(Message{{"type", "Message"}, {"test-key", "value"}});
  msg.Set("test-key", Value("tampered"));
  ResolveResult r = Post(process, msg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 400);
  EXPECT_EQ(ErrorBody(r), "Message is not valid.");
  EXPECT_EQ(*M(r).FindBinary("reason"), "Given message does not correctly validate.");
  // Nothing was scheduled.
  ResolveResult slot = Resolve(process, Message{{"path", "slot"}});
  ASSERT_TRUE(slot.ok());
  EXPECT_EQ(*M(slot).Find("current"), Value(int64_t{-1}));
}

// Issue 14: a signed message was RSA-verified by the device, by the scheduler, and again by the
// content cache when its assignment was stored (with the node's own fresh signature on the
// assignment checked too). It is verified once, where the scheduler accepts it.
TEST_F(SchedulerDeviceTest, ASignedMessageIsRsaVerifiedOnceOnItsWayToItsSlot) {
  Message process = Process();
  Message msg = Signed(Message{{"type", "Message"}, {"test-key", "once"}});
  const uint64_t before = RsaPssVerifications();
  ResolveResult r = Post(process, msg);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  // Stored as before: readable by its signed ID and by its commitment IDs.
  EXPECT_OK(content_->ReadMessage(MessageId(msg, IdMode::kAll).value()));
  for (const auto& [commitment_id, unused] : *msg.FindMessage("commitments")) {
    EXPECT_OK(content_->ReadMessage(commitment_id));
  }
}

TEST_F(SchedulerDeviceTest, ASignedProcessIsRsaVerifiedOnceAndStoredByItsId) {
  Message process = Process();
  process.Erase("device");
  process = Signed(process);
  const std::string pid = MessageId(process, IdMode::kAll).value();
  const uint64_t before = RsaPssVerifications();
  ResolveResult r = Post(Scheduler(), process);  // the process schedules itself
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  EXPECT_EQ(*M(r).Find("process"), Value(pid));
  EXPECT_OK(content_->ReadMessage(pid));
}

TEST_F(SchedulerDeviceTest, UnsignedMessagesAreAccepted) {
  Message process = Process();
  ResolveResult r = Post(process, Message{{"type", "Message"}, {"test-key", "plain"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(*M(r).FindMessage("body")->Find("test-key"), Value("plain"));
}

// Reference scenarios 25 and 26.
TEST_F(SchedulerDeviceTest, StatusListsRegisteredProcesses) {
  Message process = Process();
  process.Erase("device");
  const std::string pid = MessageId(process, IdMode::kAll).value();
  ResolveResult r = Post(Scheduler(), process);  // the unsigned process schedules itself
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(*M(r).Find("slot"), Value(int64_t{0}));
  EXPECT_EQ(*M(r).Find("process"), Value(pid));

  ResolveResult status = Resolve(Scheduler(), Message{{"path", "status"}});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*M(status).Find("address"), Value(NodeWallet().Address()));
  const Value* processes = M(status).Find("processes");
  ASSERT_TRUE(processes != nullptr && processes->is_list());
  EXPECT_NE(std::find(processes->list().begin(), processes->list().end(), Value(pid)), processes->list().end());
  EXPECT_EQ(*M(status).Find("cache-control"), Value("no-store"));
  // The process was written to the content cache: it is found by its ID later.
  EXPECT_OK(content_->ReadMessage(pid));
}

// Reference scenario 27: no de-duplication; slot has the right block fields.
TEST_F(SchedulerDeviceTest, SameMessageTwiceGetsTwoSlots) {
  Message process = Process();
  const std::string pid = MessageId(process, IdMode::kAll).value();
  Message msg = Signed(Message{{"type", "Message"}, {"test-key", Value(true)}});
  ResolveResult a0 = Post(process, msg);
  ResolveResult a1 = Post(process, msg);
  ASSERT_TRUE(a0.ok() && a1.ok());
  EXPECT_EQ(*M(a0).Find("slot"), Value(int64_t{0}));
  EXPECT_EQ(*M(a1).Find("slot"), Value(int64_t{1}));

  ResolveResult slot = Resolve(process, Message{{"path", "slot"}});
  ASSERT_TRUE(slot.ok()) << slot.DebugString();
  const Message& s = M(slot);
  EXPECT_EQ(*s.Find("process"), Value(pid));
  EXPECT_EQ(*s.Find("current"), Value(int64_t{1}));
  EXPECT_EQ(*s.Find("block-height"), Value(int64_t{0}));  // not swapped with the hash
  EXPECT_EQ(*s.Find("block-hash"), Value(std::string(43, 'A')));
  EXPECT_EQ(*s.Find("timestamp"), Value(int64_t{0}));
  EXPECT_EQ(*s.Find("cache-control"), Value("no-store"));
  EXPECT_EQ(*s.Find("wallet-address"), Value(NodeWallet().Address()));
  // slot/current resolves to the integer.
  ResolveResult current = Resolve(process, Message{{"path", "slot/current"}});
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current.value, Value(int64_t{1}));
  // slot by target against the bare device.
  ResolveResult by_target = Resolve(Scheduler(), Message{{"path", "slot"}, {"target", Value(pid)}});
  ASSERT_TRUE(by_target.ok()) << by_target.DebugString();
  EXPECT_EQ(*M(by_target).Find("current"), Value(int64_t{1}));
  EXPECT_OK(scheduler_testing::ReadAndVerifySchedule(*store_, pid, 2));
}

// Reference scenario 28.
TEST_F(SchedulerDeviceTest, HintInSchedulerLocationRedirects) {
  Message process = Process();
  process.Erase("scheduler");
  process.Set("scheduler-location", Value(RandomId() + "?hint=http://test.computer"));
  ResolveResult r = Post(Scheduler(), process);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(*M(r).Find("status"), Value(int64_t{307}));
  EXPECT_EQ(*M(r).Find("location"), Value("http://test.computer"));
  EXPECT_EQ(*M(r).Find("variant"), Value("ao.N.1"));
  // A hint in the process ID redirects too.
  ResolveResult g =
      Resolve(Scheduler(), Message{{"path", "slot"}, {"target", Value(RandomId() + "?hint=http%3A%2F%2Fx.y")}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*M(g).Find("location"), Value("http://x.y"));
}

TEST_F(SchedulerDeviceTest, FindServerErrorsAreTypedResults) {
  // No scheduler field.
  Message process = Process();
  process.Erase("scheduler");
  ResolveResult r = Post(Scheduler(), process);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 400);
  EXPECT_EQ(ErrorBody(r), "No scheduler information provided.");
  // A foreign scheduler without a known location.
  r = Post(Scheduler(), Process(RandomId()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 502);
  // slot and GET schedule of an unknown process (the reference raises).
  r = Resolve(Scheduler(), Message{{"path", "slot"}, {"target", Value(RandomId())}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 404);
  r = Resolve(Scheduler(), Message{{"path", "schedule"}, {"target", Value(RandomId())}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 404);
  // A malformed process ID.
  r = Resolve(Scheduler(), Message{{"path", "slot"}, {"target", "not-an-id"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 400);
}

TEST_F(SchedulerDeviceTest, UnknownMethodAndMalformedRangeAre400) {
  Message process = Process();
  ResolveResult r = Resolve(process, Message{{"path", "schedule"}, {"method", "DELETE"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 400);
  EXPECT_NE(ErrorBody(r).find("DELETE"), std::string::npos);
  r = Resolve(process, Message{{"path", "schedule"}, {"from", "abc"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 400);
  r = Resolve(process, Message{{"path", "schedule"}, {"to", Value(1.5)}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 400);
}

TEST_F(SchedulerDeviceTest, WithoutNodeServicesEveryKeyIsAnErrorResult) {
  resolver_ = ::ao::testing::MakeResolver();  // the built-in devices without a node
  for (const char* path : {"schedule", "slot", "status", "next", "location", "anything"}) {
    ResolveResult r = Resolve(Process(), Message{{"path", path}});
    EXPECT_FALSE(r.ok()) << path;
    EXPECT_EQ(ErrorStatus(r), 500) << path;
  }
}

// Every key without a handler is `schedule`; set/keys go to message@1.0.
TEST_F(SchedulerDeviceTest, OtherKeysBehaveAsSchedule) {
  Message process = Process();
  ASSERT_TRUE(Resolve(process, Message{{"path", "init"}, {"method", "POST"}, {"body", Value(Message{{"a", 1}})}}).ok());
  ResolveResult r = Resolve(process, Message{{"path", "anything"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(*M(r).Find("type"), Value("schedule"));
  EXPECT_EQ(M(r).FindMessage("assignments")->size(), 1u);
  ResolveResult keys = Resolve(process, Message{{"path", "keys"}});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys.value.is_list());
}

// Reference scenarios 29 and 30 (the scheduler part): GET the schedule by target and through paths.
TEST_F(SchedulerDeviceTest, GetScheduleReturnsTheBundle) {
  Message process = Process();
  const std::string pid = MessageId(process, IdMode::kAll).value();
  ASSERT_TRUE(Post(process, Signed(Message{{"type", "Message"}, {"test-label", "TEST TEXT 1"}})).ok());
  ASSERT_TRUE(Post(process, Signed(Message{{"type", "Message"}, {"test-label", "TEST TEXT 2"}})).ok());

  ResolveResult r = Resolve(Scheduler(), Message{{"path", "schedule"}, {"target", Value(pid)}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const Message& b = M(r);
  EXPECT_EQ(*b.Find("type"), Value("schedule"));
  EXPECT_EQ(*b.Find("process"), Value(pid));
  EXPECT_EQ(*b.Find("continues"), Value(false));
  EXPECT_EQ(*b.Find("block-height"), Value(int64_t{0}));
  ASSERT_EQ(b.FindMessage("assignments")->size(), 2u);

  ResolveResult label = Resolve(process, Message{{"path", "schedule/assignments/1/body/test-label"}});
  ASSERT_TRUE(label.ok()) << label.DebugString();
  EXPECT_EQ(label.value, Value("TEST TEXT 2"));
  label = Resolve(process, Message{{"path", "schedule/assignments/0/body/test-label"}});
  ASSERT_TRUE(label.ok());
  EXPECT_EQ(label.value, Value("TEST TEXT 1"));

  // Inclusive bounds, negative `from` text clamped, from > to empty.
  r = Resolve(process, Message{{"path", "schedule"}, {"from", "-1"}, {"to", "0"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(M(r).FindMessage("assignments")->size(), 1u);
  r = Resolve(process, Message{{"path", "schedule"}, {"from", 1}, {"to", 1}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(M(r).FindMessage("assignments")->size(), 1u);
  EXPECT_NE(M(r).FindMessage("assignments")->Find("1"), nullptr);
  r = Resolve(process, Message{{"path", "schedule"}, {"from", 2}, {"to", 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(M(r).FindMessage("assignments")->size(), 0u);
}

TEST_F(SchedulerDeviceTest, Aos2FormatHasTheLegacyFields) {
  Message process = Process();
  const std::string pid = MessageId(process, IdMode::kAll).value();
  Message msg = Signed(Message{{"type", "Message"}, {"inner", "test"}, {"target", Value(pid)}});
  ASSERT_TRUE(Post(process, msg).ok());
  ASSERT_TRUE(Post(process, msg).ok());
  ResolveResult r =
      Resolve(process, Message{{"path", "schedule"}, {"from", 0}, {"to", 1}, {"accept", "application/aos-2"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(*M(r).Find("content-type"), Value("application/json"));
  nlohmann::json j = nlohmann::json::parse(*M(r).FindBinary("body"));
  EXPECT_EQ(j["page_info"]["process"], pid);
  EXPECT_EQ(j["page_info"]["has_next_page"], false);
  EXPECT_EQ(j["page_info"]["timestamp"], "0");
  EXPECT_EQ(j["page_info"]["block-height"], "0");
  ASSERT_EQ(j["edges"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const nlohmann::json& e = j["edges"][i];
    EXPECT_EQ(e["cursor"], i);  // a JSON number
    EXPECT_EQ(e["node"]["message"]["Id"], MessageId(msg, IdMode::kAll).value());
    EXPECT_EQ(e["node"]["message"]["Owner"], UserWallet().Address());
    EXPECT_EQ(e["node"]["message"]["Target"], pid);
    EXPECT_EQ(e["node"]["assignment"]["Owner"], NodeWallet().Address());
    bool has_slot = false;
    for (const nlohmann::json& tag : e["node"]["assignment"]["Tags"]) {
      if (tag["name"] == "Slot") {
        has_slot = true;
        EXPECT_EQ(tag["value"], std::to_string(i));
      }
    }
    EXPECT_TRUE(has_slot);
  }
  // URL-encoded accept selects aos-2 too; anything else is the bundle.
  r = Resolve(process, Message{{"path", "schedule"}, {"accept", "application%2Faos-2"}});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(M(r).Find("content-type"), nullptr);
  r = Resolve(process, Message{{"path", "schedule"}, {"accept", "application/json"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*M(r).Find("type"), Value("schedule"));
}

// Paging over more than 1000 slots: at most 1000 per page, has-next-page exact.
TEST_F(SchedulerDeviceTest, PagesHoldAtMost1000AssignmentsWithExactHasNextPage) {
  Build(/*real_signer=*/false);  // 2001 RSA-4096 signatures would take a minute
  Message process = Process();
  const std::string pid = MessageId(process, IdMode::kAll).value();
  for (int i = 0; i <= 2000; ++i) {
    ASSERT_OK(registry_->Schedule(pid, Message{{"type", "Message"}, {"i", Value(int64_t{i})}}));
  }
  struct Case {
    Message req;
    size_t count;
    int64_t first;
    bool more;
  };
  const Case cases[] = {
      {Message{}, 1000, 0, true},
      {Message{{"from", 1000}, {"to", 1999}}, 1000, 1000, false},
      {Message{{"from", 1000}, {"to", 2000}}, 1000, 1000, true},
      {Message{{"from", 1000}}, 1000, 1000, true},
      {Message{{"from", 1001}}, 1000, 1001, false},
      {Message{{"from", 2000}, {"to", 5000}}, 1, 2000, false},
      {Message{{"from", 0}, {"to", 999}}, 1000, 0, false},
  };
  for (const Case& c : cases) {
    Message req = c.req;
    req.Set("path", Value("schedule"));
    ResolveResult r = Resolve(process, req);
    ASSERT_TRUE(r.ok()) << r.DebugString();
    const Message* assignments = M(r).FindMessage("assignments");
    ASSERT_NE(assignments, nullptr);
    EXPECT_EQ(assignments->size(), c.count) << req.DebugString();
    EXPECT_EQ(*M(r).Find("continues"), Value(c.more)) << req.DebugString();
    EXPECT_NE(assignments->Find(std::to_string(c.first)), nullptr);
    EXPECT_NE(assignments->Find(std::to_string(c.first + static_cast<int64_t>(c.count) - 1)), nullptr);

    req.Set("accept", Value("application/aos-2"));
    ResolveResult a = Resolve(process, req);
    ASSERT_TRUE(a.ok());
    nlohmann::json j = nlohmann::json::parse(*M(a).FindBinary("body"));
    EXPECT_EQ(j["edges"].size(), c.count);
    EXPECT_EQ(j["page_info"]["has_next_page"], c.more);
    EXPECT_EQ(j["edges"][0]["cursor"], c.first);
  }
}

// process@1.0's `next`, from the store and then from the prefetched list.
TEST_F(SchedulerDeviceTest, NextWalksTheScheduleThen503) {
  Build(/*real_signer=*/false);
  Message process = Process();
  process.Erase("device");
  const std::string pid = MessageId(process, IdMode::kAll).value();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(registry_->Schedule(pid, Message{{"type", "Message"}, {"i", Value(int64_t{i})}}));
  }
  Message state{{"device", "scheduler@1.0"}, {"process", Value(process)}, {"at-slot", -1}};
  for (int64_t expected = 0; expected < 3; ++expected) {
    ResolveResult r = Resolve(state, Message{{"path", "next"}});
    ASSERT_TRUE(r.ok()) << r.DebugString();
    const Message* body = M(r).FindMessage("body");
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(*body->Find("slot"), Value(expected));
    EXPECT_EQ(*body->FindMessage("body")->Find("i"), Value(expected));
    ASSERT_NE(M(r).FindMessage("state"), nullptr);
    state = *M(r).FindMessage("state");
    if (expected == 0) {
      // The rest was prefetched into the state's private area.
      const Message* priv = state.FindMessage("priv");
      ASSERT_NE(priv, nullptr);
      EXPECT_EQ(priv->FindMessage("scheduler@1.0")->Find("assignments")->list().size(), 2u);
    }
    state.Set("at-slot", Value(expected));
  }
  ResolveResult r = Resolve(state, Message{{"path", "next"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ErrorStatus(r), 503);
  EXPECT_EQ(ErrorBody(r), "No assignment found for next slot.");
  // A slot scheduled later is found from the store.
  ASSERT_OK(registry_->Schedule(pid, Message{{"type", "Message"}, {"i", Value(int64_t{3})}}));
  r = Resolve(state, Message{{"path", "next"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(*M(r).FindMessage("body")->Find("slot"), Value(int64_t{3}));
}

TEST_F(SchedulerDeviceTest, LocationIs404WithoutARecordAndCheckpointIsIdentity) {
  ResolveResult r = Resolve(Scheduler(), Message{{"path", "location"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*M(r).Find("status"), Value(int64_t{404}));
  EXPECT_EQ(*M(r).FindBinary("body"), "No location found for address: " + NodeWallet().Address());
  Message base = Process();
  opts_.hashpath = HashpathMode::kIgnore;
  ResolveResult c = Resolve(base, Message{{"path", "checkpoint"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value, Value(base));
}

}  // namespace
}  // namespace ao
