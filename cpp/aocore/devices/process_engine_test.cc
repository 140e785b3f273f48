// process::Engine on its own: no node, no scheduler, no worker. Assignments are written straight
// into the assignment cache; the execution device is add@1.0 below. Boot, advance, restore from
// a snapshot, deltas between snapshots, the get-schedule errors, the inline computation, run_as.
#include "aocore/devices/process_engine.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/store/memory_store.h"
#include "testing/fixture_devices.h"
#include "testing/forwarding_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

struct AddCounts {
  int inits = 0;
  int normalizes = 0;
  int computes = 0;
};

// add@1.0: init sets sum = 0; compute adds the assignment's slot to `sum`; normalize is counted.
DevicePtr AddDevice(std::shared_ptr<AddCounts> counts) {
  auto dev = FunctionDevice::Module("add@1.0");
  dev->AddKey("init", [counts](const DeviceCall& c) -> Result<ResolveResult> {
    ++counts->inits;
    Message m = c.base;
    m.Set("sum", Value(0));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  dev->AddKey("normalize", [counts](const DeviceCall& c) -> Result<ResolveResult> {
    ++counts->normalizes;
    return ResolveResult::Ok(Value(c.base));
  });
  dev->AddKey("snapshot", [](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value(Message{{"kind", "add"}}));
  });
  dev->AddKey("compute", [counts](const DeviceCall& c) -> Result<ResolveResult> {
    ++counts->computes;
    const Value* slot = c.req.Find("slot");
    if (slot == nullptr || !slot->is_integer()) return Status::InvalidArgument("no slot");
    Message m = c.base;
    const Value* sum = m.Find("sum");
    m.Set("sum", Value((sum != nullptr && sum->is_integer() ? sum->integer() : 0) + slot->integer()));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

class ProcessEngineTest : public ::testing::Test {
 protected:
  ProcessEngineTest()
      : content_(store_), cache_(store_, content_), assignments_(store_, content_),
        registry_(::ao::testing::BuiltinRegistry()) {
    EXPECT_OK(registry_->Register("add@1.0", AddDevice(counts_)));
    ResolverConfig config;
    config.registry = registry_;
    resolver_ = std::make_unique<Resolver>(std::move(config));
    Result<process::Identity> id =
        process::IdentityOf(Message{{"device", "process@1.0"}, {"type", "Process"}, {"execution-device", "add@1.0"}});
    EXPECT_OK(id);
    id_ = *id;
  }

  std::unique_ptr<process::Engine> NewEngine(int64_t frequency = 1) {
    return std::make_unique<process::Engine>(*resolver_, process::EngineStorage{store_, content_, cache_, frequency},
                                             ResolveOptions{}, id_);
  }
  void Assign(int64_t slot, std::string pid = "") {
    EXPECT_OK(assignments_.Write(Message{{"process", Value(pid.empty() ? id_.id : pid)},
                                         {"slot", Value(slot)},
                                         {"body", Value(Message{{"type", "Message"}, {"n", Value(slot)}})}}));
  }
  // Hands the engine's unwritten slots to the store, which never writes them (a failed write);
  // what was handed over before (slot 0, a full state) is written first.
  void FailTheNextRun(process::Engine& engine) {
    store_.WaitForDeferred();
    store_.PauseDeferredForTesting(true);
    ASSERT_OK(engine.Flush());
    store_.DropDeferredForTesting();
    store_.PauseDeferredForTesting(false);
  }
  static int64_t Sum(const Message& m) { return m.Find("sum") != nullptr ? m.Find("sum")->integer() : -1; }
  static const Message& StateOf(const ComputeResult& r) { return r->value.message(); }

  MemoryStore store_;
  ContentCache content_;
  ProcessCache cache_;
  AssignmentCache assignments_;
  std::shared_ptr<DeviceRegistry> registry_;
  std::unique_ptr<Resolver> resolver_;
  std::shared_ptr<AddCounts> counts_ = std::make_shared<AddCounts>();
  process::Identity id_;
};

TEST_F(ProcessEngineTest, BootsThenAdvancesEachSlotFromItsAssignmentAndStoresIt) {
  for (int64_t s = 0; s < 3; ++s) Assign(s);
  std::unique_ptr<process::Engine> engine = NewEngine();
  ComputeResult r = engine->Load(2);
  ASSERT_OK(r);
  ASSERT_TRUE(r->ok()) << r->DebugString();
  EXPECT_EQ(process::AtSlot(StateOf(r), 99), -1);
  EXPECT_EQ(*StateOf(r).FindBinary("initialized"), "true");
  EXPECT_EQ(counts_->inits, 1);
  for (int64_t s = 0; s < 3; ++s) {
    r = engine->Advance(StateOf(r), s - 1);
    ASSERT_OK(r);
    ASSERT_TRUE(r->ok()) << r->DebugString();
    EXPECT_EQ(process::AtSlot(StateOf(r), 99), s);
    EXPECT_EQ(*StateOf(r).FindBinary("device"), "process@1.0");
    EXPECT_EQ(*StateOf(r).Find("process"), Value(id_.definition));
  }
  EXPECT_EQ(Sum(StateOf(r)), 0 + 1 + 2);
  Result<std::optional<Message>> cached = engine->ReadCached(2);
  ASSERT_OK(cached);
  ASSERT_TRUE(cached->has_value());
  EXPECT_EQ(Sum(**cached), 3);
  EXPECT_FALSE((*cached)->Contains("snapshot"));
}

TEST_F(ProcessEngineTest, AMissingAssignmentIsA503InPhaseGetSchedule) {
  std::unique_ptr<process::Engine> engine = NewEngine();
  ComputeResult boot = engine->Load(0);
  ASSERT_OK(boot);
  ComputeResult r = engine->Advance(StateOf(boot), -1);
  ASSERT_OK(r);
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->value.message().Find("status")->integer(), 503);
  EXPECT_EQ(*r->value.message().FindBinary("phase"), "get-schedule");
  EXPECT_EQ(r->value.message().Find("attempted-slot")->integer(), 0);
  EXPECT_EQ(counts_->computes, 0);
}

TEST_F(ProcessEngineTest, RestoresFromTheLatestSnapshotAtOrBelowTheTarget) {
  for (int64_t s = 0; s < 4; ++s) Assign(s);
  ComputeResult first = NewEngine(2)->ComputeInline(3, nullptr);
  ASSERT_OK(first);
  ASSERT_TRUE(first->ok()) << first->DebugString();
  EXPECT_EQ(Sum(StateOf(first)), 6);
  // Frequency 2: slots 0 and 2 are restore points, 1 and 3 deltas.
  EXPECT_TRUE(*cache_.HasSnapshot(id_.id, 0));
  EXPECT_FALSE(*cache_.HasSnapshot(id_.id, 1));
  EXPECT_TRUE(*cache_.HasSnapshot(id_.id, 2));
  EXPECT_FALSE(*cache_.HasSnapshot(id_.id, 3));

  // A new engine (a restarted worker) restores slot 2 and normalizes it; it never boots.
  ComputeResult restored = NewEngine(2)->Load(3);
  ASSERT_OK(restored);
  ASSERT_TRUE(restored->ok()) << restored->DebugString();
  EXPECT_EQ(process::AtSlot(StateOf(restored), 99), 2);
  EXPECT_EQ(Sum(StateOf(restored)), 3);
  EXPECT_FALSE(StateOf(restored).Contains("snapshot"));
  EXPECT_EQ(counts_->inits, 1);
  EXPECT_EQ(counts_->normalizes, 1);
}

TEST_F(ProcessEngineTest, DeltaSlotsReadBackWhole) {
  for (int64_t s = 0; s < 4; ++s) Assign(s);
  ComputeResult r = NewEngine(4)->ComputeInline(3, nullptr);
  ASSERT_OK(r);
  for (int64_t s = 1; s <= 3; ++s) {
    Result<std::optional<Message>> cached = cache_.Read(id_.id, static_cast<uint64_t>(s));
    ASSERT_OK(cached);
    ASSERT_TRUE(cached->has_value());
    EXPECT_EQ(Sum(**cached), s * (s + 1) / 2);
    EXPECT_EQ(*(*cached)->Find("process"), Value(id_.definition));
  }
}

TEST_F(ProcessEngineTest, ComputeInlineAnswersACachedSlotWithoutComputing) {
  for (int64_t s = 0; s < 2; ++s) Assign(s);
  ASSERT_OK(NewEngine()->ComputeInline(1, nullptr));
  const int computes = counts_->computes;
  ComputeResult again = NewEngine()->ComputeInline(1, nullptr);
  ASSERT_OK(again);
  EXPECT_EQ(Sum(StateOf(again)), 1);
  EXPECT_EQ(counts_->computes, computes);
}

TEST_F(ProcessEngineTest, RunAsWithoutAnExecutionDeviceIs422) {
  Message base{{"type", "Process"}, {"process", Value(Message{{"type", "Process"}})}};
  EXPECT_FALSE(process::RoleDevice(base, "execution").has_value());
  EXPECT_EQ(*process::RoleDevice(base, "scheduler"), Value("scheduler@1.0"));
  Result<ResolveResult> r = process::RunAs(*resolver_, "execution", base, Message{{"path", "init"}}, ResolveOptions{});
  ASSERT_OK(r);
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->value.message().Find("status")->integer(), 422);
}

TEST_F(ProcessEngineTest, FlushReturnsBeforeTheStoreWritesAndAReaderThenSeesTheSlots) {
  for (int64_t s = 0; s < 6; ++s) Assign(s);
  std::unique_ptr<process::Engine> engine = NewEngine(1000);
  ComputeResult r = engine->Load(5);
  ASSERT_OK(r);
  for (int64_t s = 0; s < 6; ++s) {
    r = engine->Advance(StateOf(r), s - 1);
    ASSERT_OK(r);
    ASSERT_TRUE(r->ok()) << r->DebugString();
  }
  store_.WaitForDeferred();  // slot 0 (a full state) is written
  store_.PauseDeferredForTesting(true);
  ASSERT_OK(engine->Flush());  // the answer may go out now
  EXPECT_EQ(store_.deferred_pending(), 1u);  // slots 1-5 are written by the store's thread
  Result<std::optional<Message>> read = Status::Internal("not read");
  std::thread reader([&] { read = cache_.Read(id_.id, 5); });
  ASSERT_TRUE(testing::WaitFor([&] { return store_.deferred_waiters() == 1; }));
  store_.PauseDeferredForTesting(false);
  reader.join();
  ASSERT_OK(read);
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(Sum(**read), 15);
}

TEST_F(ProcessEngineTest, AnEngineFasterThanTheStoreWaitsWithKMaxQueuedRunsUnwritten) {
  constexpr size_t kBound = process::Engine::kMaxQueuedRuns;
  constexpr int64_t kSlots = static_cast<int64_t>(process::Engine::kMaxPendingSlots * (kBound + 4));
  for (int64_t s = 0; s < kSlots; ++s) Assign(s);
  std::unique_ptr<process::Engine> engine = NewEngine(1000000);
  ComputeResult first = engine->Load(kSlots - 1);
  ASSERT_OK(first);
  first = engine->Advance(StateOf(first), -1);  // slot 0: a full state
  ASSERT_OK(first);
  store_.WaitForDeferred();
  // The store writes nothing now; it still reads the pages of assignments ahead.
  store_.PauseDeferredForTesting(true);
  std::atomic<bool> done{false};
  Status finished = Status::Internal("running");
  std::thread computing([&] {
    ComputeResult r = std::move(first);
    for (int64_t s = 1; s < kSlots && r.ok() && r->ok(); ++s) r = engine->Advance(StateOf(r), s - 1);
    finished = !r.ok() ? r.status() : r->ok() ? engine->Flush() : Status::Internal(r->DebugString());
    done = true;
  });
  ASSERT_TRUE(testing::WaitFor([&] { return store_.deferred_pending() >= kBound || done.load(); }));
  // Without the bound it would queue every run (kBound + 3 more) and finish while the store waits.
  EXPECT_FALSE(testing::WaitFor([&] { return store_.deferred_pending() > kBound || done.load(); },
                                std::chrono::milliseconds(300)));
  store_.PauseDeferredForTesting(false);
  computing.join();
  ASSERT_OK(finished);
  ASSERT_OK(engine->Sync());
  Result<std::optional<Message>> last = cache_.Read(id_.id, static_cast<uint64_t>(kSlots - 1));
  ASSERT_OK(last);
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(Sum(**last), (kSlots - 1) * kSlots / 2);
}

TEST_F(ProcessEngineTest, SlotsScheduledAfterThePagesWereReadAheadAreComputedToo) {
  // Two whole pages: the engine asks for the pages after them, which are empty when read.
  const int64_t first = static_cast<int64_t>(2 * process::Engine::kPageSlots);
  for (int64_t s = 0; s < first; ++s) Assign(s);
  std::unique_ptr<process::Engine> engine = NewEngine(1000000);
  ComputeResult r = engine->Load(first - 1);
  ASSERT_OK(r);
  for (int64_t s = 0; s < first; ++s) r = engine->Advance(StateOf(r), s - 1);
  ASSERT_OK(r);
  ASSERT_TRUE(r->ok()) << r->DebugString();
  ComputeResult none = engine->Advance(StateOf(r), first - 1);
  ASSERT_OK(none);
  EXPECT_FALSE(none->ok());  // not scheduled yet
  // Scheduled now, past the pages read ahead (a page and a half more).
  const int64_t last = first + static_cast<int64_t>(process::Engine::kPageSlots * 3 / 2);
  for (int64_t s = first; s <= last; ++s) Assign(s);
  for (int64_t s = first; s <= last; ++s) {
    r = engine->Advance(StateOf(r), s - 1);
    ASSERT_OK(r);
    ASSERT_TRUE(r->ok()) << s << ": " << r->DebugString();
  }
  EXPECT_EQ(Sum(StateOf(r)), last * (last + 1) / 2);
}

// Counts the scans of a process's packed assignments: one per page of the schedule read.
class PageCountingStore : public testing::ForwardingStore {
 public:
  PageCountingStore(Store& inner, std::string packed_group) : ForwardingStore(inner), group_(std::move(packed_group)) {}
  Result<std::vector<std::pair<std::string, Bytes>>> ScanValues(std::string_view group,
                                                              const ScanOptions& options) override {
    if (group == group_) ++pages;
    return ForwardingStore::ScanValues(group, options);
  }
  std::atomic<int> pages{0};

 private:
  const std::string group_;
};

// Pages read ahead for the first slot: 1 (its own page) + the pages read ahead of it.
int PagesReadForTheFirstSlot(size_t body_bytes) {
  Result<process::Identity> id =
      process::IdentityOf(Message{{"device", "process@1.0"}, {"type", "Process"}, {"execution-device", "add@1.0"}});
  EXPECT_OK(id);
  const std::string packed = AssignmentCache::PackedPath(id->id, 0);
  MemoryStore inner;
  PageCountingStore store(inner, packed.substr(0, packed.rfind('/')));
  ContentCache content(store);
  ProcessCache cache(store, content);
  AssignmentCache assignments(store, content);
  auto registry = ::ao::testing::BuiltinRegistry();
  EXPECT_OK(registry->Register("add@1.0", AddDevice(std::make_shared<AddCounts>())));
  ResolverConfig config;
  config.registry = registry;
  Resolver resolver(std::move(config));
  // Two whole pages of the schedule.
  for (int64_t s = 0; s < static_cast<int64_t>(2 * process::Engine::kPageSlots); ++s) {
    EXPECT_OK(assignments.Write(Message{{"process", Value(id->id)},
                                        {"slot", Value(s)},
                                        {"body", Value(Message{{"type", "Message"}, {"data", Value(Bytes(body_bytes, 'd'))}})}}));
  }
  process::Engine engine(resolver, process::EngineStorage{store, content, cache, 1000000}, ResolveOptions{}, *id);
  ComputeResult r = engine.Load(0);
  EXPECT_OK(r);
  const int before = store.pages.load();
  r = engine.Advance(r->value.message(), -1);
  EXPECT_OK(r);
  return store.pages.load() - before;
}

TEST(ProcessEnginePages, SmallAssignmentsAreReadSeveralPagesAheadAndLargeOnesOnePage) {
  // 64 small assignments: every page ahead the engine allows (the later ones are empty).
  EXPECT_EQ(PagesReadForTheFirstSlot(16), 1 + static_cast<int>(process::Engine::kPagesAhead));
  // 64 of 256 KiB (16 MiB a page, more than kAheadBytes): one page ahead.
  EXPECT_EQ(PagesReadForTheFirstSlot(256 << 10), 2);
}

TEST_F(ProcessEngineTest, ARunTheStoreFailedToWriteIsReportedByTheNextCallAndTheNextStateIsFull) {
  for (int64_t s = 0; s < 8; ++s) Assign(s);
  std::unique_ptr<process::Engine> engine = NewEngine(1000);
  ComputeResult r = engine->Load(7);
  ASSERT_OK(r);
  for (int64_t s = 0; s < 4; ++s) r = engine->Advance(StateOf(r), s - 1);
  ASSERT_OK(r);
  ASSERT_NO_FATAL_FAILURE(FailTheNextRun(*engine));  // slots 1-3 are never written
  Status reported = engine->Flush();
  EXPECT_TRUE(reported.IsAborted()) << reported.ToString();
  EXPECT_OK(engine->Flush());  // reported once
  // The engine goes on; slot 4's delta base (slot 3) is not stored, so slot 4 is stored whole
  // and the slots after it read back right.
  for (int64_t s = 4; s < 8; ++s) {
    r = engine->Advance(StateOf(r), s - 1);
    ASSERT_OK(r);
    ASSERT_TRUE(r->ok()) << r->DebugString();
  }
  ASSERT_OK(engine->Sync());
  for (int64_t s = 4; s < 8; ++s) {
    Result<std::optional<Message>> cached = cache_.Read(id_.id, static_cast<uint64_t>(s));
    ASSERT_OK(cached);
    ASSERT_TRUE(cached->has_value()) << s;
    EXPECT_EQ(Sum(**cached), s * (s + 1) / 2) << s;
  }
  Result<std::optional<Message>> lost = cache_.Read(id_.id, 2);
  ASSERT_OK(lost);
  EXPECT_FALSE(lost->has_value());
}

TEST_F(ProcessEngineTest, AReadOfTheEngineReportsAFailedRun) {
  for (int64_t s = 0; s < 3; ++s) Assign(s);
  std::unique_ptr<process::Engine> engine = NewEngine(1000);
  ComputeResult r = engine->Load(2);
  ASSERT_OK(r);
  for (int64_t s = 0; s < 3; ++s) r = engine->Advance(StateOf(r), s - 1);
  ASSERT_OK(r);
  ASSERT_NO_FATAL_FAILURE(FailTheNextRun(*engine));
  EXPECT_TRUE(engine->ReadCached(2).status().IsAborted());
  Result<std::optional<Message>> again = engine->ReadCached(2);
  ASSERT_OK(again);
  EXPECT_FALSE(again->has_value());
}

}  // namespace
}  // namespace ao
