// process@1.0 end to end over a real store, scheduler registry, process cache and worker
// registry: the reference's worked example, workers on and off, one computation per slot for many
// callers, lower slots from the cache, restart from a snapshot (LevelDB reopened), forged
// process keys, idle retire and LRU eviction with snapshots, failures that keep the last good
// state, stop -> Unavailable, deadlines, compute by message ID, now, cache frequency.
#include "aocore/devices/process_device.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/common/clock.h"
#include "aocore/actor/thread_pool_executor.h"
#include "aocore/actor/worker_registry.h"
#include "aocore/cache/process_cache.h"
#include "aocore/crypto/wallet.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/node/path_request.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/assignment_hooks.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "testing/fixture_devices.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using std::chrono::steady_clock;

// Shared state of the count@1.0 fixture device: how often each slot was computed, plus
// injected failures and a gate that blocks one slot until released.
struct CountState {
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, int> computes;
  int inits = 0;
  int normalizes = 0;
  std::atomic<int64_t> fail_at{-2};
  int64_t block_at = -2;
  bool released = false;
  bool blocked = false;

  int total() {
    std::lock_guard lock(mu);
    int n = 0;
    for (const auto& [s, c] : computes) n += c;
    return n;
  }
  int at(int64_t slot) {
    std::lock_guard lock(mu);
    return computes[slot];
  }
  void Release() {
    {
      std::lock_guard lock(mu);
      released = true;
    }
    cv.notify_all();
  }
};

// count@1.0: init sets count = 0; compute adds the assignment's slot to `sum` and counts; no
// normalize key of its own but counts normalize through `normalize`.
DevicePtr CountDevice(std::shared_ptr<CountState> s) {
  auto dev = FunctionDevice::Module("count@1.0");
  dev->AddKey("init", [s](const DeviceCall& c) -> Result<ResolveResult> {
    {
      std::lock_guard lock(s->mu);
      ++s->inits;
    }
    Message m = c.base;
    m.Set("sum", Value(0));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  dev->AddKey("normalize", [s](const DeviceCall& c) -> Result<ResolveResult> {
    std::lock_guard lock(s->mu);
    ++s->normalizes;
    return ResolveResult::Ok(Value(c.base));
  });
  dev->AddKey("snapshot", [](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value(Message{{"kind", "count"}}));
  });
  dev->AddKey("compute", [s](const DeviceCall& c) -> Result<ResolveResult> {
    const Value* slot = c.req.Find("slot");
    if (slot == nullptr || !slot->is_integer()) return Status::InvalidArgument("no slot");
    const int64_t n = slot->integer();
    {
      std::unique_lock lock(s->mu);
      ++s->computes[n];
      if (n == s->block_at) {
        s->blocked = true;
        s->cv.notify_all();
        s->cv.wait(lock, [&] { return s->released; });
      }
    }
    if (n == s->fail_at.load()) return ResolveResult::Error(Value("injected failure"));
    Message m = c.base;
    const Value* sum = m.Find("sum");
    m.Set("sum", Value((sum && sum->is_integer() ? sum->integer() : 0) + n));
    m.Set("results", Value(Message{{"slot", Value(n)}}));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

struct EnvOptions {
  bool workers = true;
  int64_t frequency = 1;
  size_t max_workers = 64;
  int64_t timeout_ms = 30000;
};

// Test signer for assignments; real verification of signed messages (as the node does).
SchedulerEnvironment Environment(Store* store) {
  SchedulerEnvironment env = scheduler_testing::TestEnvironment(store);
  env.verifier = [](const Message& m) -> Status {
    return Verify(m) ? Status::OK() : Status::InvalidArgument("does not verify");
  };
  return env;
}

// A node's worth of services around one store.
class Env {
 public:
  Env(std::unique_ptr<Store> store, EnvOptions o)
      : store_(std::move(store)),
        content_(*store_),
        schedulers_(Environment(store_.get())),
        cache_(*store_, content_),
        registry_(std::make_shared<DeviceRegistry>()),
        pool_(2) {
    workers_ = std::make_unique<WorkerRegistry>(
        pool_, WorkerRegistryOptions{o.max_workers, std::chrono::seconds(60), &clock_, {}});
    if (wallet_ != nullptr) address_ = wallet_->Address();
    ProcessDeviceServices& process = services_.process;
    process.store = store_.get();
    process.content = &content_;
    process.schedulers = &schedulers_;
    process.process_cache = &cache_;
    process.workers = workers_.get();
    process.process_workers = o.workers;
    process.process_cache_frequency = o.frequency;
    process.request_timeout_ms = o.timeout_ms;
    process.address = address_;
    process.wallet = wallet_;
    services_.scheduler = SchedulerDeviceServices{&schedulers_, store_.get(), &content_, nullptr, address_, true, &hooks_};
    services_.push = PushDeviceServices{store_.get(), &content_, wallet_, &hooks_};
    EXPECT_OK(RegisterBuiltinDevices(*registry_, services_));
    EXPECT_OK(registry_->Register("count@1.0", CountDevice(count_)));
    ResolverConfig config;
    config.registry = registry_;
    resolver_ = std::make_unique<Resolver>(std::move(config));
  }

  // Replaces process@1.0 by one built with services_.process (after a test changed them).
  void RebuildProcessDevice() { EXPECT_OK(registry_->Register("process@1.0", MakeProcessDevice(services_.process))); }
  ~Env() { Shutdown(); }

  void Shutdown() {
    if (closed_) return;
    closed_ = true;
    for (auto& f : workers_->Stop()) f.wait();
    pool_.Stop();
    pool_.Join();
    EXPECT_OK(store_->Close());
  }

  Result<ResolveResult> Resolve(const Message& base, Message req) {
    return resolver_->Resolve(Value(base), req, opts_);
  }
  // compute slot=N, expecting ok; the state.
  Message ComputeOk(const Message& base, int64_t slot) {
    Result<ResolveResult> r = Resolve(base, Message{{"path", "compute"}, {"slot", Value(slot)}});
    EXPECT_OK(r);
    if (!r.ok()) return Message();
    EXPECT_TRUE(r->ok()) << r->DebugString();
    return r->ok() && r->value.is_message() ? ::ao::testing::WithoutPriv(r->value.message()) : Message();
  }
  std::string Pid(const Message& def) {
    Result<process::Identity> id = process::IdentityOf(def);
    EXPECT_OK(id);
    return id.ok() ? id->id : "";
  }
  void ScheduleMany(const Message& def, int n, bool signed_bodies = false) {
    const std::string pid = Pid(def);
    for (int i = 0; i < n; ++i) {
      Message body{{"type", "Message"}, {"test-label", Value("TEST TEXT " + std::to_string(i + 1))}};
      if (signed_bodies) {
        Result<Message> s = Commit(body, *wallet_);
        EXPECT_OK(s);
        body = *s;
      }
      EXPECT_OK(schedulers_.Schedule(pid, body));
    }
  }

  static void SetWallet(const Wallet* w) { wallet_ = w; }

  std::unique_ptr<Store> store_;
  ContentCache content_;
  SchedulerRegistry schedulers_;
  ProcessCache cache_;
  std::shared_ptr<DeviceRegistry> registry_;
  std::unique_ptr<Resolver> resolver_;
  ManualClock clock_;
  ThreadPoolExecutor pool_;
  std::unique_ptr<WorkerRegistry> workers_;
  AssignmentHooks hooks_;
  BuiltinDeviceServices services_;
  ResolveOptions opts_;
  std::shared_ptr<CountState> count_ = std::make_shared<CountState>();
  bool closed_ = false;
  std::string address_;
  static inline const Wallet* wallet_ = nullptr;
};

// The test-device process of the reference's worked example, signed.
Message TestDeviceProcess(const Wallet& wallet, int64_t seed) {
  Message base{{"device", "process@1.0"},
               {"scheduler-device", "scheduler@1.0"},
               {"scheduler-location", Value(wallet.Address())},
               {"type", "Process"},
               {"test-random-seed", Value(seed)},
               {"execution-device", "stack@1.0"},
               {"device-stack", Value(Value::List{Value("test-device@1.0"), Value("test-device@1.0")})}};
  Result<Message> signed_def = Commit(base, wallet);
  EXPECT_OK(signed_def);
  return signed_def.ok() ? *signed_def : base;
}

// An unsigned process whose stack is count@1.0 (cheap to compute many slots).
Message CountProcess(int64_t seed, std::string stack_device = "count@1.0") {
  return Message{{"device", "process@1.0"},
                 {"type", "Process"},
                 {"test-random-seed", Value(seed)},
                 {"execution-device", "stack@1.0"},
                 {"device-stack", Value(Value::List{Value(std::move(stack_device))})}};
}

// m[k], or the binary "<missing>" (no null dereference when a test fails).
Value F(const Message& m, std::string_view k) {
  const Value* v = m.Find(k);
  return v != nullptr ? *v : Value("<missing>");
}
Value F(const Value& v, std::string_view k) {
  return v.is_message() ? F(v.message(), k) : Value("<not a message>");
}

Value List(std::initializer_list<int64_t> xs) {
  Value::List l;
  for (int64_t x : xs) l.push_back(Value(x));
  return Value(std::move(l));
}

class ProcessDeviceTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    Result<Wallet> w = Wallet::Generate();
    ASSERT_OK(w);
    wallet_ = new Wallet(std::move(w).value());
    Env::SetWallet(wallet_);
  }
  static void TearDownTestSuite() {
    delete wallet_;
    wallet_ = nullptr;
  }
  static inline Wallet* wallet_ = nullptr;
};

TEST_P(ProcessDeviceTest, TestDeviceProcessReproducesTheWorkedExample) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def = TestDeviceProcess(*wallet_, 742);
  const std::string pid = env.Pid(def);
  // The process ID is the signer's commitment ID.
  Result<std::string> all_id = MessageId(def, IdMode::kAll);
  ASSERT_OK(all_id);
  EXPECT_EQ(pid, *all_id);
  env.ScheduleMany(def, 2, /*signed_bodies=*/true);
  Message s1 = env.ComputeOk(def, 1);
  EXPECT_EQ(F(s1, "already-seen"), List({1, 1, 0, 0}));
  EXPECT_EQ(F(s1, "results"), Value(Message{{"assignment-slot", Value(1)}}));
  EXPECT_EQ(F(s1, "at-slot"), Value(1));
  EXPECT_EQ(F(s1, "initialized"), Value("true"));
  EXPECT_EQ(F(s1, "device"), Value("process@1.0"));
  EXPECT_EQ(F(s1, "random-key"), Value("random-value"));
  EXPECT_EQ(F(s1, "execution-device"), Value("stack@1.0"));
  EXPECT_EQ(F(s1, "input-prefix"), Value("process"));
  EXPECT_FALSE(s1.Contains("commitments"));
  EXPECT_FALSE(s1.Contains("snapshot"));
  ASSERT_TRUE(s1.FindMessage("process") != nullptr);
  EXPECT_EQ(*s1.FindMessage("process"), def);
  // Slot 0 is stored with its snapshot (one empty map per stack device) and process@1.0.
  Result<std::optional<Message>> stored0 = env.cache_.Read(pid, 0);
  ASSERT_OK(stored0);
  ASSERT_TRUE(stored0->has_value());
  EXPECT_EQ(F(**stored0, "already-seen"), List({0, 0}));
  EXPECT_EQ(F(**stored0, "results"), Value(Message{{"assignment-slot", Value(0)}}));
  EXPECT_EQ(F(**stored0, "snapshot"), Value(Message{{"1", Value(Message())}, {"2", Value(Message())}}));
  EXPECT_EQ(F(**stored0, "device"), Value("process@1.0"));
  // Reading the schedule through the process works without the scheduler device too:
  // the definition resolves plain keys through message@1.0.
  Result<ResolveResult> label = env.Resolve(def, Message{{"path", "type"}});
  ASSERT_OK(label);
  EXPECT_EQ(label->value, Value("Process"));
  // Further keys resolve on the returned state (device process@1.0).
  Result<ResolveResult> chained =
      env.Resolve(def, Message{{"path", "compute/results/assignment-slot"}, {"slot", Value(1)}});
  ASSERT_OK(chained);
  ASSERT_TRUE(chained->ok()) << chained->DebugString();
  EXPECT_EQ(chained->value, Value(1));
  // Computing again from the returned state (which carries `process`) gives the same answer.
  Message again = env.ComputeOk(s1, 1);
  EXPECT_EQ(F(again, "already-seen"), List({1, 1, 0, 0}));
}

TEST_P(ProcessDeviceTest, ScheduleAndSlotRouteToTheSchedulerDevice) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def = TestDeviceProcess(*wallet_, 99);
  for (const char* label : {"TEST TEXT 1", "TEST TEXT 2"}) {
    Result<Message> body = Commit(Message{{"type", "Message"}, {"test-label", Value(label)}}, *wallet_);
    ASSERT_OK(body);
    Result<ResolveResult> r =
        env.Resolve(def, Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(*body)}});
    ASSERT_OK(r);
    ASSERT_TRUE(r->ok()) << r->DebugString();
  }
  Result<ResolveResult> label = env.Resolve(def, Message{{"path", "schedule/assignments/1/body/test-label"}});
  ASSERT_OK(label);
  ASSERT_TRUE(label->ok()) << label->DebugString();
  EXPECT_EQ(label->value, Value("TEST TEXT 2"));
  Result<ResolveResult> current = env.Resolve(def, Message{{"path", "slot/current"}});
  ASSERT_OK(current);
  ASSERT_TRUE(current->ok()) << current->DebugString();
  EXPECT_EQ(current->value, Value(1));
  Message s1 = env.ComputeOk(def, 1);
  EXPECT_EQ(F(s1, "already-seen"), List({1, 1, 0, 0}));
}

TEST_P(ProcessDeviceTest, NowAndComputeWithoutSlot) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def = TestDeviceProcess(*wallet_, 7);
  // Nothing scheduled: now is the booted process at slot -1.
  Result<ResolveResult> boot = env.Resolve(def, Message{{"path", "now"}});
  ASSERT_OK(boot);
  ASSERT_TRUE(boot->ok()) << boot->DebugString();
  EXPECT_EQ(F(boot->value, "at-slot"), Value(-1));
  EXPECT_EQ(F(boot->value, "already-seen"), Value(Value::List{}));
  env.ScheduleMany(def, 2);
  Result<ResolveResult> now = env.Resolve(def, Message{{"path", "now/results/assignment-slot"}});
  ASSERT_OK(now);
  ASSERT_TRUE(now->ok()) << now->DebugString();
  EXPECT_EQ(now->value, Value(1));
  // A third message: compute without a slot serves the latest cached state (slot 1, stale by
  // design), now computes slot 2.
  env.ScheduleMany(def, 1);
  Result<ResolveResult> cached = env.Resolve(def, Message{{"path", "compute"}});
  ASSERT_OK(cached);
  EXPECT_EQ(F(cached->value, "at-slot"), Value(1));
  EXPECT_EQ(F(cached->value, "device"), Value("process@1.0"));
  Result<ResolveResult> fresh = env.Resolve(def, Message{{"path", "now"}});
  ASSERT_OK(fresh);
  EXPECT_EQ(F(fresh->value, "at-slot"), Value(2));
}

TEST_P(ProcessDeviceTest, ComputeByTheIdOfAScheduledMessageOrItsAssignment) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def = CountProcess(11);
  const std::string pid = env.Pid(def);
  std::vector<Message> assignments;
  std::vector<std::string> body_ids;
  for (int i = 0; i < 4; ++i) {
    Message body{{"type", "Message"}, {"n", Value(i)}};
    Result<std::string> bid = MessageId(body, IdMode::kAll);
    ASSERT_OK(bid);
    body_ids.push_back(*bid);
    Result<Message> a = env.schedulers_.Schedule(pid, body);
    ASSERT_OK(a);
    assignments.push_back(*a);
  }
  // Not computed yet: computing by the ID of slot 2's message computes and answers slot 2.
  Result<ResolveResult> r = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(body_ids[2])}});
  ASSERT_OK(r);
  ASSERT_TRUE(r->ok()) << r->DebugString();
  EXPECT_EQ(F(r->value, "at-slot"), Value(2));
  Result<std::string> aid = MessageId(assignments[1], IdMode::kAll);
  ASSERT_OK(aid);
  Result<ResolveResult> by_assignment = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(*aid)}});
  ASSERT_OK(by_assignment);
  EXPECT_EQ(F(by_assignment->value, "at-slot"), Value(1));
  Result<ResolveResult> unknown =
      env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(scheduler_testing::RandomId())}});
  ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->ok());
  EXPECT_EQ(F(unknown->value, "status"), Value(404));
  // Decimal text is a slot.
  Result<ResolveResult> text = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value("3")}});
  ASSERT_OK(text);
  EXPECT_EQ(F(text->value, "at-slot"), Value(3));
  Result<ResolveResult> bad = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value("three")}});
  ASSERT_OK(bad);
  EXPECT_FALSE(bad->ok());
}

TEST_P(ProcessDeviceTest, AMissingAssignmentIsA503ErrorResult) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def = CountProcess(12);
  env.ScheduleMany(def, 2);
  Result<ResolveResult> r = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(5)}});
  ASSERT_OK(r);
  ASSERT_FALSE(r->ok());
  const Message& e = r->value.message();
  EXPECT_EQ(F(e, "status"), Value(503));
  EXPECT_EQ(F(e, "phase"), Value("get-schedule"));
  EXPECT_EQ(F(e, "attempted-slot"), Value(2));
  // Slots 0 and 1 were computed and stored on the way.
  Result<std::optional<Message>> s1 = env.cache_.Read(env.Pid(def), 1);
  ASSERT_OK(s1);
  EXPECT_TRUE(s1->has_value());
}

TEST_P(ProcessDeviceTest, AProcessWithoutExecutionDeviceGetsAClearError) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def{{"device", "process@1.0"}, {"type", "Process"}, {"test-random-seed", Value(3)}};
  env.ScheduleMany(def, 1);
  Result<ResolveResult> r = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(0)}});
  ASSERT_OK(r);
  ASSERT_FALSE(r->ok());
  EXPECT_NE(r->value.DebugString().find("no execution device"), std::string::npos) << r->DebugString();
}

TEST_P(ProcessDeviceTest, AForgedProcessKeyNeverLandsResultsInAnotherProcess) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message victim = CountProcess(100);
  const Message attacker = CountProcess(200, "test-device@1.0");
  const std::string victim_pid = env.Pid(victim);
  env.ScheduleMany(victim, 2);
  env.ScheduleMany(attacker, 2);
  Message forged = attacker;
  forged.Set("process", Value(victim));
  Result<ResolveResult> r = env.Resolve(forged, Message{{"path", "compute"}, {"slot", Value(1)}});
  EXPECT_TRUE(!r.ok() && r.status().IsInvalidArgument()) << (r.ok() ? r->DebugString() : r.status().ToString());
  Result<std::optional<CachedState>> latest = env.cache_.Latest(victim_pid);
  ASSERT_OK(latest);
  EXPECT_FALSE(latest->has_value());
  // A state whose devices rewrote `process` is still stored under its own process.
  const Message patcher{{"device", "process@1.0"},
                        {"type", "Process"},
                        {"test-random-seed", Value(300)},
                        {"execution-device", "patch@1.0"},
                        {"patch-from", "/results/outbox"}};
  const std::string patcher_pid = env.Pid(patcher);
  // init/compute of patch@1.0 read `results/outbox` of the state; put a PATCH there via the
  // state itself is not possible from outside, so schedule and check identity pinning instead.
  env.ScheduleMany(patcher, 1);
  Message s0 = env.ComputeOk(patcher, 0);
  EXPECT_EQ(*s0.FindMessage("process"), patcher);
  Result<std::optional<Message>> stored = env.cache_.Read(patcher_pid, 0);
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->has_value());
}

TEST_P(ProcessDeviceTest, CacheFrequencyMakesRestorePointsAndRestoreReplaysFromThem) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam(), .frequency = 2});
  const Message def = TestDeviceProcess(*wallet_, 41);
  const std::string pid = env.Pid(def);
  env.ScheduleMany(def, 5);
  env.ComputeOk(def, 3);
  for (int64_t s = 0; s <= 3; ++s) {
    Result<std::optional<Message>> st = env.cache_.Read(pid, s);
    ASSERT_OK(st);
    ASSERT_TRUE(st->has_value());
    EXPECT_EQ((*st)->Contains("snapshot"), s % 2 == 0) << s;
  }
  Result<std::optional<CachedState>> l = env.cache_.Latest(pid, {"snapshot"});
  ASSERT_OK(l);
  EXPECT_EQ((*l)->slot, 2u);
  Result<std::optional<CachedState>> l1 = env.cache_.Latest(pid, {"snapshot"}, 1);
  ASSERT_OK(l1);
  EXPECT_EQ((*l1)->slot, 0u);
  Message s4 = env.ComputeOk(def, 4);
  EXPECT_EQ(F(s4, "already-seen"), List({4, 4, 3, 3, 2, 2, 1, 1, 0, 0}));
}

// The reference's already_calculated: the reference throws `already_calculated_slot` when slot 1 is
// asked of the slot-2 state and slot 1 is not cached; the port replays it from slot 0.
TEST_P(ProcessDeviceTest, Scenario40ASlotBelowTheLiveOneMissingFromTheCacheIsReplayed) {
  Env env(MemoryStore::Create(), EnvOptions{.workers = GetParam()});
  const Message def = TestDeviceProcess(*wallet_, 40);
  const std::string pid = env.Pid(def);
  env.ScheduleMany(def, 3);
  Message s2 = env.ComputeOk(def, 2);
  ASSERT_OK(env.store_->Delete(ComputedSlotPath(pid, 1)));
  ASSERT_OK(env.store_->Delete(ProcessCache::SnapshotPath(pid, 1)));
  Result<std::optional<Message>> gone = env.cache_.Read(pid, 1);
  ASSERT_OK(gone);
  ASSERT_FALSE(gone->has_value());
  Message s1 = env.ComputeOk(s2, 1);
  EXPECT_EQ(F(s1, "at-slot"), Value(1));
  EXPECT_EQ(F(s1, "already-seen"), List({1, 1, 0, 0}));
  Result<std::optional<Message>> back = env.cache_.Read(pid, 1);  // stored again by the replay
  ASSERT_OK(back);
  EXPECT_TRUE(back->has_value());
}

INSTANTIATE_TEST_SUITE_P(WorkersOnAndOff, ProcessDeviceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Workers" : "Inline"; });

TEST(ProcessWorkers, KeepTheStateInMemoryBetweenCalls) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(1);
  env.ScheduleMany(def, 20);
  Message s9 = env.ComputeOk(def, 9);
  EXPECT_EQ(F(s9, "sum"), Value(45));
  Message s19 = env.ComputeOk(def, 19);
  EXPECT_EQ(F(s19, "sum"), Value(190));
  WorkerRegistryMetrics m = env.workers_->metrics();
  EXPECT_EQ(m.loads, 1);
  EXPECT_EQ(m.slots_computed, 20);
  EXPECT_EQ(env.count_->total(), 20);
  EXPECT_EQ(env.count_->inits, 1);
  // Without workers each call is cold: the second call restores slot 9 (frequency 1) and
  // replays nothing it does not need, but it does load.
  Env cold(MemoryStore::Create(), EnvOptions{.workers = false});
  cold.ScheduleMany(def, 20);
  cold.ComputeOk(def, 9);
  cold.ComputeOk(def, 19);
  EXPECT_EQ(cold.count_->total(), 20);
  EXPECT_EQ(cold.count_->normalizes, 1);
  EXPECT_EQ(cold.workers_->metrics().workers_started, 0);
}

TEST(ProcessWorkers, ConcurrentCallersForOneSlotShareOneComputation) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(2);
  env.ScheduleMany(def, 30);
  env.count_->block_at = 5;  // hold the worker at slot 5 until every caller waits
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Message s = env.ComputeOk(def, 29);
      if (s.Find("sum") != nullptr && F(s, "sum") == Value(435)) ++good;
    });
  }
  {
    std::unique_lock lock(env.count_->mu);
    ASSERT_TRUE(env.count_->cv.wait_for(lock, std::chrono::seconds(10), [&] { return env.count_->blocked; }));
  }
  // Every caller has reached the worker before the gate opens.
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (env.workers_->Find(env.Pid(def)) == nullptr || env.workers_->Find(env.Pid(def))->pending() < 8) {
    ASSERT_LT(steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  env.count_->Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 8);
  for (int64_t s = 0; s < 30; ++s) EXPECT_EQ(env.count_->at(s), 1) << "slot " << s;
}

TEST(ProcessWorkers, EightThreadsOnRandomSlotsAgreeWithASequentialRun) {
  Env seq(MemoryStore::Create(), EnvOptions{.workers = false});
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(8, "test-device@1.0");
  seq.ScheduleMany(def, 40);
  env.ScheduleMany(def, 40);
  std::vector<Message> expected;
  for (int64_t s = 0; s < 40; ++s) expected.push_back(seq.ComputeOk(def, s));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 0x9E3779B97F4A7C15ull * (t + 1);
      for (int i = 0; i < 25; ++i) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        const int64_t s = static_cast<int64_t>(x % 40);
        if (!(env.ComputeOk(def, s) == expected[s])) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(env.workers_->metrics().loads, 1);
}

TEST(ProcessWorkers, ASlotBelowTheLiveOneComesFromTheCacheWithoutRollback) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(3);
  env.ScheduleMany(def, 12);
  env.ComputeOk(def, 10);
  Message s3 = env.ComputeOk(def, 3);
  EXPECT_EQ(F(s3, "sum"), Value(6));
  EXPECT_EQ(F(s3, "device"), Value("process@1.0"));
  EXPECT_FALSE(s3.Contains("snapshot"));
  Message s11 = env.ComputeOk(def, 11);
  EXPECT_EQ(F(s11, "sum"), Value(66));
  EXPECT_EQ(env.count_->total(), 12);  // nothing recomputed
  EXPECT_EQ(env.workers_->metrics().cache_hits, 1);
}

TEST(ProcessWorkers, ADeviceErrorAnswersTheCallerAndTheWorkerKeepsServing) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(4);
  env.ScheduleMany(def, 10);
  env.count_->fail_at = 5;
  // error_strategy "stop": stack@1.0 returns the failure as an error result (with "throw",
  // the default, it is an error Status; either way the worker keeps its state).
  env.opts_.error_strategy = "stop";
  Result<ResolveResult> r = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(8)}});
  ASSERT_OK(r);
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(F(r->value, "attempted-slot"), Value(5)) << r->DebugString();
  EXPECT_EQ(F(r->value, "phase"), Value("compute"));
  Env thrown(MemoryStore::Create(), EnvOptions{});
  thrown.ScheduleMany(def, 10);
  thrown.count_->fail_at = 5;
  Result<ResolveResult> t = thrown.Resolve(def, Message{{"path", "compute"}, {"slot", Value(8)}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().ToString().find("slot 5"), std::string::npos) << t.status().ToString();
  EXPECT_NE(t.status().ToString().find("injected failure"), std::string::npos);
  Message s4 = env.ComputeOk(def, 4);  // the last good state is live
  EXPECT_EQ(F(s4, "sum"), Value(10));
  env.count_->fail_at = -2;
  Message s9 = env.ComputeOk(def, 9);
  EXPECT_EQ(F(s9, "sum"), Value(45));
  EXPECT_EQ(env.workers_->metrics().loads, 1);
  EXPECT_EQ(env.count_->at(4), 1);
}

TEST(ProcessWorkers, RestartFromASnapshotReExecutesAtMostOneSlot) {
  testing::TempDir dir;
  const Message def = CountProcess(5);
  {
    Result<std::unique_ptr<LevelDbStore>> store = LevelDbStore::Open(dir.str());
    ASSERT_OK(store);
    Env env(std::move(store).value(), EnvOptions{.frequency = 10});
    env.ScheduleMany(def, 102);
    Message s100 = env.ComputeOk(def, 100);
    EXPECT_EQ(F(s100, "sum"), Value(5050));
  }
  Result<std::unique_ptr<LevelDbStore>> store = LevelDbStore::Open(dir.str());
  ASSERT_OK(store);
  Env env(std::move(store).value(), EnvOptions{.frequency = 10});
  Message s101 = env.ComputeOk(def, 101);
  EXPECT_EQ(F(s101, "sum"), Value(5151));
  EXPECT_EQ(env.workers_->metrics().slots_computed, 1);
  EXPECT_EQ(env.count_->total(), 1);
  EXPECT_EQ(env.count_->inits, 0);
  EXPECT_EQ(env.count_->normalizes, 1);
}

TEST(ProcessWorkers, AnIdleWorkerSnapshotsWhereRestoreFindsItAndRetires) {
  Env env(MemoryStore::Create(), EnvOptions{.frequency = 1000});
  const Message def = CountProcess(6);
  const std::string pid = env.Pid(def);
  env.ScheduleMany(def, 10);
  env.ComputeOk(def, 7);
  Result<bool> before = env.cache_.HasSnapshot(pid, 7);
  ASSERT_OK(before);
  EXPECT_FALSE(*before);
  env.clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(env.workers_->ReapIdle(), 1u);
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (!env.cache_.HasSnapshot(pid, 7).value()) {
    ASSERT_LT(steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  EXPECT_EQ(env.workers_->Find(pid), nullptr);
  Message s8 = env.ComputeOk(def, 8);
  EXPECT_EQ(F(s8, "sum"), Value(36));
  EXPECT_EQ(env.count_->total(), 9);  // slots 0..8 once each: restored at 7
  EXPECT_EQ(env.count_->normalizes, 1);
}

TEST(ProcessWorkers, LeastRecentlyUsedWorkersAreEvictedWithASnapshot) {
  Env env(MemoryStore::Create(), EnvOptions{.frequency = 1000, .max_workers = 1});
  const Message a = CountProcess(7);
  const Message b = CountProcess(8);
  env.ScheduleMany(a, 5);
  env.ScheduleMany(b, 5);
  env.ComputeOk(a, 3);
  env.ComputeOk(b, 2);  // evicts a
  EXPECT_EQ(env.workers_->size(), 1u);
  EXPECT_EQ(env.workers_->metrics().workers_evicted, 1);
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (!env.cache_.HasSnapshot(env.Pid(a), 3).value()) {
    ASSERT_LT(steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  Message a4 = env.ComputeOk(a, 4);
  EXPECT_EQ(F(a4, "sum"), Value(10));
  EXPECT_EQ(env.count_->total(), 4 + 3 + 1);  // a: 0..3 then 4; b: 0..2
}

TEST(ProcessWorkers, StoppingAnswersWaitersUnavailable) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(9);
  env.ScheduleMany(def, 10);
  env.count_->block_at = 3;
  Result<ResolveResult> result = Status::Internal("unset");
  std::thread caller([&] { result = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(8)}}); });
  {
    std::unique_lock lock(env.count_->mu);
    ASSERT_TRUE(env.count_->cv.wait_for(lock, std::chrono::seconds(10), [&] { return env.count_->blocked; }));
  }
  auto stopped = env.workers_->Stop();
  caller.join();  // answered at once, while slot 3 is still running
  EXPECT_TRUE(result.status().IsUnavailable()) << result.status().ToString();
  env.count_->Release();
  for (auto& f : stopped) f.wait();
  Result<ResolveResult> later = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(1)}});
  EXPECT_TRUE(later.status().IsUnavailable());
}

// process@1.0's path argument: in a path, `compute/<N>` is `compute` with slot N, the same
// state as {path: compute, slot: N}; a non-integer segment after `compute` stays a key of the
// state.
TEST(ProcessDevicePath, ComputeTakesTheSlotFromTheSegmentAfterIt) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(5);
  env.ScheduleMany(def, 4);
  const Message expected = env.ComputeOk(def, 3);
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/compute/3", {}, process::PathArguments());
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  (*steps)[0] = ResolveStep::Of(Value(def));
  Result<ResolveResult> r = env.resolver_->ResolveMany(*steps, env.opts_);
  ASSERT_OK(r);
  ASSERT_TRUE(r->ok()) << r->DebugString();
  EXPECT_EQ(::ao::testing::WithoutPriv(r->value.message()), expected);
  steps = ParsePathRequest("/compute/at-slot", {}, process::PathArguments());
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 3u);
  (*steps)[0] = ResolveStep::Of(Value(def));
  r = env.resolver_->ResolveMany(*steps, env.opts_);
  ASSERT_OK(r);
  ASSERT_TRUE(r->ok()) << r->DebugString();
  EXPECT_EQ(r->value, Value(int64_t{3}));  // the latest cached state's at-slot
}

TEST(ProcessWorkers, EveryWaitHasADeadline) {
  Env env(MemoryStore::Create(), EnvOptions{.timeout_ms = 50});
  const Message def = CountProcess(10);
  env.ScheduleMany(def, 5);
  env.count_->block_at = 2;
  Result<ResolveResult> r = env.Resolve(def, Message{{"path", "compute"}, {"slot", Value(4)}});
  EXPECT_TRUE(r.status().IsDeadlineExceeded()) << (r.ok() ? r->DebugString() : r.status().ToString());
  env.count_->Release();
  env.services_.process.request_timeout_ms = 30000;
  env.RebuildProcessDevice();
  Message s4 = env.ComputeOk(def, 4);
  EXPECT_EQ(F(s4, "sum"), Value(10));
  EXPECT_EQ(env.count_->at(2), 1);
}

// A Store that counts the bytes (paths + payloads) of the batches applied to it.
class CountingStore final : public testing::ForwardingStore {
 public:
  explicit CountingStore(std::unique_ptr<Store> inner) : ForwardingStore(std::move(inner)) {}
  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    bytes_.fetch_add(static_cast<int64_t>(batch.ApproximateSize()));
    batches_.fetch_add(1);
    return ForwardingStore::Apply(batch, options);
  }
  int64_t bytes() const { return bytes_.load(); }
  int64_t batches() const { return batches_.load(); }

 private:
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> batches_{0};
};

// One compute of many slots stores the deltas of the slots between restore points in a few
// batches (one per run of up to 64 slots), not one store commit per slot; and every slot of the
// run is readable from the cache as soon as the compute returns.
TEST_P(ProcessDeviceTest, AComputeOfManySlotsStoresThemInAFewBatches) {
  auto counting = std::make_unique<CountingStore>(MemoryStore::Create());
  CountingStore* store = counting.get();
  Env env(std::move(counting), EnvOptions{.workers = GetParam(), .frequency = 1000});
  Message def = CountProcess(78, "test-device@1.0");
  const std::string pid = env.Pid(def);
  env.ScheduleMany(def, 150);
  const int64_t before = store->batches();
  Message last = env.ComputeOk(def, 149);
  const int64_t batches = store->batches() - before;
  EXPECT_EQ(F(last, "at-slot"), Value(int64_t{149}));
  // Slot 0 (a restore point) is one batch, slots 1-149 are deltas: 3 runs of <= 64 slots.
  // One per slot would be 150.
  EXPECT_LE(batches, 10) << "batches for 150 slots";
  for (int64_t s = 0; s <= 149; ++s) {
    Result<std::optional<Message>> r = env.cache_.Read(pid, static_cast<uint64_t>(s));
    ASSERT_OK(r);
    ASSERT_TRUE(r->has_value()) << "slot " << s << " is not in the cache when compute returned";
    EXPECT_EQ(F(**r, "at-slot"), Value(s));
  }
  Result<std::optional<CachedState>> latest = env.cache_.Latest(pid);
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->slot, 149u);
  Message stored = (*latest)->state;
  stored.Erase("snapshot");
  EXPECT_EQ(stored, last);
}

// docs/devices.md#process-compute: a slot between restore points stores what changed, not the
// whole state. The process
// carries a 64 KiB key that no slot changes; with frequency 10, slots 1..9 and 11..19 must each
// write far less than that (a full state per slot writes it every time), while every slot still
// reads back whole, from a worker, inline, and after the live state is gone.
TEST_P(ProcessDeviceTest, SlotsBetweenRestorePointsWriteWhatChangedNotTheWholeState) {
  auto counting = std::make_unique<CountingStore>(MemoryStore::Create());
  CountingStore* store = counting.get();
  Env env(std::move(counting), EnvOptions{.workers = GetParam(), .frequency = 10});
  Message def = CountProcess(77, "test-device@1.0");
  def.Set("payload", Value(std::string(64 * 1024, 'p')));
  const std::string pid = env.Pid(def);
  env.ScheduleMany(def, 20);
  std::vector<Message> answers;
  std::vector<int64_t> written;
  for (int64_t s = 0; s < 20; ++s) {
    const int64_t before = store->bytes();
    answers.push_back(env.ComputeOk(def, s));
    written.push_back(store->bytes() - before);
  }
  for (int64_t s = 0; s < 20; ++s) {
    if (s % 10 == 0) {
      EXPECT_GT(written[s], 64 * 1024) << "slot " << s << " is a restore point: a full state";
    } else {
      EXPECT_LT(written[s], 8 * 1024) << "slot " << s << " wrote " << written[s] << " bytes";
    }
    EXPECT_EQ(F(answers[s], "at-slot"), Value(s));
  }
  // Every slot reads back whole from the cache, equal to the answer computed live.
  for (int64_t s = 0; s < 20; ++s) {
    Result<std::optional<Message>> r = env.cache_.Read(pid, static_cast<uint64_t>(s));
    ASSERT_OK(r);
    ASSERT_TRUE(r->has_value()) << s;
    Message stored = **r;
    stored.Erase("snapshot");
    EXPECT_EQ(stored, answers[s]) << "slot " << s;
  }
  // Old slots through compute (cache hits below the live slot, or cold inline reads).
  for (int64_t s : {3, 9, 14, 19}) EXPECT_EQ(env.ComputeOk(def, s), answers[s]) << s;
}

TEST(ProcessDevice, SnapshotAndPushKeys) {
  Env env(MemoryStore::Create(), EnvOptions{});
  const Message def = CountProcess(13, "test-device@1.0");
  Result<ResolveResult> snap = env.Resolve(def, Message{{"path", "snapshot"}});
  ASSERT_OK(snap);
  ASSERT_TRUE(snap->ok()) << snap->DebugString();
  EXPECT_EQ(::ao::testing::WithoutPriv(snap->value), Value(Message{{"1", Value(Message())}}));
  Message unregistered_push = def;
  unregistered_push.Set("push-device", Value("no-such-push@1.0"));
  Result<ResolveResult> push = env.Resolve(unregistered_push, Message{{"path", "push"}, {"slot", Value(0)}});
  ASSERT_OK(push);
  ASSERT_FALSE(push->ok());
  EXPECT_EQ(F(push->value, "status"), Value(501));
  EXPECT_NE(push->value.DebugString().find("not implemented yet"), std::string::npos);
  // Test helpers of the reference are not keys: `init` reads the message instead.
  Result<ResolveResult> init = env.Resolve(def, Message{{"path", "init"}});
  ASSERT_OK(init);
  EXPECT_TRUE(init->IsNotFound()) << init->DebugString();
}

}  // namespace
}  // namespace ao

