// push@1.0 on its own, without a Node: a memory store, its caches, a scheduler registry and the
// built-in devices given the services a node would give them, with a small execution device
// whose computed states send what their message asks (`send`: an outbox).
#include "aocore/devices/push_device.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/devices/assignment_hooks.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/fixture_devices.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// A Store that remembers the paths of every batch applied to it.
class RecordingStore final : public testing::ForwardingStore {
 public:
  RecordingStore() : ForwardingStore(MemoryStore::Create()) {}
  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    std::vector<std::string> paths;
    for (const WriteBatch::Op& op : batch.ops()) paths.push_back(op.path);
    {
      std::lock_guard lock(mu_);
      batches_.push_back(std::move(paths));
    }
    return ForwardingStore::Apply(batch, options);
  }

  // The paths of the batch that wrote a path starting with `prefix`; empty when none did.
  std::vector<std::string> BatchWriting(std::string_view prefix) const {
    std::lock_guard lock(mu_);
    for (const auto& paths : batches_) {
      for (const std::string& p : paths) {
        if (p.starts_with(prefix)) return paths;
      }
    }
    return {};
  }

 private:
  mutable std::mutex mu_;  // leaf lock
  std::vector<std::vector<std::string>> batches_;
};

// sender@1.0: a state counts its messages; a message with `send` (a message of outbox entries)
// puts it in the state's results/outbox.
DevicePtr SenderDevice() {
  auto dev = FunctionDevice::Module("sender@1.0");
  dev->AddKey("init", [](const DeviceCall& c) -> Result<ResolveResult> { return ResolveResult::Ok(Value(c.base)); });
  dev->AddKey("snapshot", [](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value(Message{{"kind", "sender"}}));
  });
  dev->AddKey("compute", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    const Value* seen = m.Find("seen");
    m.Set("seen", Value((seen != nullptr && seen->is_integer() ? seen->integer() : 0) + 1));
    Message outbox;
    if (const Message* body = c.req.FindMessage("body")) {
      if (const Message* send = body->FindMessage("send")) outbox = *send;
    }
    m.Set("results", Value(Message{{"outbox", Value(std::move(outbox))}}));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

class PushDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(/*with_hooks=*/true); }

  void Build(bool with_hooks) {
    auto store = std::make_unique<RecordingStore>();
    store_ = store.get();
    owned_store_ = std::move(store);
    content_ = std::make_unique<ContentCache>(*store_);
    cache_ = std::make_unique<ProcessCache>(*store_, *content_);
    // Assignments signed by the fast test signer; messages verified as a node verifies them.
    SchedulerEnvironment env = scheduler_testing::TestEnvironment(store_);
    env.verifier = [](const Message& m) {
      return Verify(m) ? Status::OK() : Status::InvalidArgument("does not verify");
    };
    schedulers_ = std::make_unique<SchedulerRegistry>(std::move(env));
    BuiltinDeviceServices services;
    services.process.store = store_;
    services.process.content = content_.get();
    services.process.process_cache = cache_.get();
    services.process.schedulers = schedulers_.get();
    services.process.process_workers = false;  // every compute inline: no worker threads
    services.process.address = Address();
    services.scheduler = SchedulerDeviceServices{schedulers_.get(), store_, content_.get(), nullptr, Address(), true,
                                                 with_hooks ? &hooks_ : nullptr};
    services.push = PushDeviceServices{store_, content_.get(), &Wallet(), with_hooks ? &hooks_ : nullptr};
    registry_ = ::ao::testing::BuiltinRegistry(services);
    ASSERT_OK(registry_->Register("sender@1.0", SenderDevice()));
    ResolverConfig config;
    config.registry = registry_;
    resolver_ = std::make_unique<Resolver>(std::move(config));
    opts_.hashpath = HashpathMode::kIgnore;
  }

  static const class Wallet& Wallet() { return ::ao::testing::SharedTestWallet(); }
  static std::string Address() { return Wallet().Address(); }

  // A sender process scheduled at slot 0; its signed definition and ID.
  std::pair<Message, std::string> Spawn(const std::string& name) {
    Message def{{"device", "process@1.0"}, {"execution-device", "sender@1.0"}, {"type", "Process"},
                {"name", Value(name)},      {"scheduler", Value(Address())}};
    Message signed_def = *Commit(def, Wallet());
    Result<ResolveResult> r = resolver_->Resolve(
        Value(Message{{"device", "scheduler@1.0"}}),
        Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(signed_def)}}, opts_);
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return {signed_def, *MessageId(signed_def, IdMode::kAll)};
  }

  // Schedules on `def` a message whose computed state sends `send`; its slot.
  int64_t ScheduleSending(const Message& def, const std::string& pid, Message send) {
    Message body{{"type", "Message"}, {"target", Value(pid)}, {"send", Value(std::move(send))}};
    Result<ResolveResult> r =
        resolver_->Resolve(Value(def), Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(body)}}, opts_);
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    const Value* slot = r.ok() && r->value.is_message() ? r->value.message().Find("slot") : nullptr;
    return slot != nullptr && slot->is_integer() ? slot->integer() : -1;
  }

  ResolveResult Push(const Message& def, int64_t slot) {
    Result<ResolveResult> r = resolver_->Resolve(Value(def), Message{{"path", "push"}, {"slot", Value(slot)}}, opts_);
    EXPECT_OK(r);
    return r.ok() ? *r : ResolveResult::Error(Value(r.status().ToString()));
  }

  int64_t CurrentSlot(const std::string& pid) { return *schedulers_->CurrentSlot(pid); }

  static const Value* At(const ResolveResult& r, std::initializer_list<std::string_view> keys) {
    const Value* v = &r.value;
    for (std::string_view k : keys) {
      if (v == nullptr || !v->is_message()) return nullptr;
      v = v->message().Find(k);
    }
    return v;
  }

  std::unique_ptr<Store> owned_store_;
  RecordingStore* store_ = nullptr;
  std::unique_ptr<ContentCache> content_;
  std::unique_ptr<ProcessCache> cache_;
  std::unique_ptr<SchedulerRegistry> schedulers_;
  AssignmentHooks hooks_;
  std::shared_ptr<DeviceRegistry> registry_;
  std::unique_ptr<Resolver> resolver_;
  ResolveOptions opts_;
};

TEST_F(PushDeviceTest, DeliversAnOutboxMessageSignedAndStampedWithItsOrigin) {
  auto [a, a_id] = Spawn("a");
  auto [b, b_id] = Spawn("b");
  const int64_t slot = ScheduleSending(a, a_id, Message{{"1", Value(Message{{"target", Value(b_id)}, {"note", "hi"}})}});
  ASSERT_EQ(slot, 1);
  ResolveResult pushed = Push(a, slot);
  ASSERT_TRUE(pushed.ok()) << pushed.DebugString();
  EXPECT_EQ(*At(pushed, {"1", "target"}), Value(b_id));
  EXPECT_EQ(*At(pushed, {"1", "slot"}), Value(int64_t{1}));
  ASSERT_EQ(CurrentSlot(b_id), 1);
  Result<SchedulePage> page = schedulers_->Assignments(b_id, 1, 1);
  ASSERT_OK(page);
  ASSERT_EQ(page->assignments.size(), 1u);
  ASSERT_NE(page->assignments[0].FindMessage("body"), nullptr);
  const Message body = *page->assignments[0].FindMessage("body");
  EXPECT_EQ(*body.Find("note"), Value("hi"));
  EXPECT_EQ(*body.Find("from-process"), Value(a_id));
  EXPECT_EQ(*body.Find("from-slot"), Value(int64_t{1}));
  EXPECT_TRUE(Verify(body));
  EXPECT_EQ(*At(pushed, {"1", "id"}), Value(*MessageId(body, IdMode::kAll)));
}

TEST_F(PushDeviceTest, TheDeliveryRecordIsCommittedInTheBatchOfTheMessagesAssignment) {
  auto [a, a_id] = Spawn("a");
  auto [b, b_id] = Spawn("b");
  const int64_t slot = ScheduleSending(a, a_id, Message{{"1", Value(Message{{"target", Value(b_id)}})}});
  ASSERT_TRUE(Push(a, slot).ok());
  const std::vector<std::string> batch = store_->BatchWriting("push/" + a_id + "/");
  ASSERT_FALSE(batch.empty());
  bool has_assignment = false;
  for (const std::string& p : batch) has_assignment |= p.starts_with("assignments/" + b_id + "/");
  EXPECT_TRUE(has_assignment) << "the record and the assignment are two writes";
}

TEST_F(PushDeviceTest, WithoutSharedHooksTheRecordFollowsAndARePushStillDeliversOnce) {
  Build(/*with_hooks=*/false);
  auto [a, a_id] = Spawn("a");
  auto [b, b_id] = Spawn("b");
  const int64_t slot = ScheduleSending(a, a_id, Message{{"1", Value(Message{{"target", Value(b_id)}})}});
  ResolveResult once = Push(a, slot);
  ASSERT_TRUE(once.ok()) << once.DebugString();
  const std::vector<std::string> batch = store_->BatchWriting("push/" + a_id + "/");
  ASSERT_EQ(batch.size(), 1u);  // a write of its own
  ResolveResult twice = Push(a, slot);
  ASSERT_TRUE(twice.ok()) << twice.DebugString();
  EXPECT_EQ(*At(once, {"1", "id"}), *At(twice, {"1", "id"}));
  EXPECT_EQ(CurrentSlot(b_id), 1);
}

TEST_F(PushDeviceTest, ARePushReportsTheRecordedDeliveryInsteadOfSchedulingAgain) {
  auto [a, a_id] = Spawn("a");
  auto [b, b_id] = Spawn("b");
  const int64_t slot = ScheduleSending(a, a_id, Message{{"1", Value(Message{{"target", Value(b_id)}})},
                                                        {"2", Value(Message{{"target", Value(b_id)}})}});
  ResolveResult once = Push(a, slot);
  ASSERT_TRUE(once.ok()) << once.DebugString();
  ASSERT_EQ(CurrentSlot(b_id), 2);
  ResolveResult twice = Push(a, slot);
  ASSERT_TRUE(twice.ok()) << twice.DebugString();
  EXPECT_EQ(CurrentSlot(b_id), 2);
  EXPECT_EQ(*At(once, {"1", "id"}), *At(twice, {"1", "id"}));
  EXPECT_EQ(*At(once, {"2", "slot"}), *At(twice, {"2", "slot"}));
}

TEST_F(PushDeviceTest, AnUnknownTargetIsAnErrorEntryAndTheOtherMessagesStillGo) {
  auto [a, a_id] = Spawn("a");
  auto [b, b_id] = Spawn("b");
  const std::string nowhere(43, 'Q');
  const int64_t slot = ScheduleSending(a, a_id, Message{{"1", Value(Message{{"target", Value(nowhere)}})},
                                                        {"2", Value(Message{{"target", Value(b_id)}})},
                                                        {"3", Value(Message{{"note", "no target"}})}});
  ResolveResult pushed = Push(a, slot);
  ASSERT_TRUE(pushed.ok()) << pushed.DebugString();
  EXPECT_EQ(*At(pushed, {"1", "status"}), Value(int64_t{404}));
  EXPECT_EQ(*At(pushed, {"1", "reason"}), Value("Could not access target process!"));
  EXPECT_EQ(*At(pushed, {"2", "target"}), Value(b_id));
  EXPECT_EQ(*At(pushed, {"3", "reason"}), Value("Target process not available."));
  EXPECT_EQ(CurrentSlot(b_id), 1);
}

TEST(PushDevice, WithoutServicesPushIsAnErrorResult) {
  std::unique_ptr<Resolver> resolver = ::ao::testing::MakeResolver();
  Result<ResolveResult> r = resolver->Resolve(Value(Message{{"device", "push@1.0"}}),
                                              Message{{"path", "push"}, {"slot", Value(1)}}, ResolveOptions{});
  ASSERT_OK(r);
  ASSERT_FALSE(r->ok());
  ASSERT_TRUE(r->value.is_message());
  EXPECT_EQ(*r->value.message().Find("status"), Value(int64_t{500}));
}

}  // namespace
}  // namespace ao
