// Crash safety of the scheduler (issue 6 point 7): a child
// process (this binary, re-executed) schedules messages from several threads on a LevelDB store
// and reports every acknowledged assignment; the parent SIGKILLs it at a random moment, then
// reopens the store and checks that no acknowledged assignment is lost, there is no gap, no
// slot was issued twice, the hash chain verifies across every crash and restart, and every
// acknowledged assignment is stored with the very bytes the caller got. Run in
// local_confirmation (synced after signing, and pipelined: a synced reservation while signing,
// the signed assignment written unsynced; and with that write deferred past the reply, checked
// after the recovery a node makes at start) and aggressive modes. This is a process crash; power
// loss is simulated in scheduler_power_loss_test.cc.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/crypto/hash.h"
#include "aocore/scheduler/process_scheduler.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/leveldb_store.h"
#include "testing/crash_child.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestEnvironment;

constexpr const char* kDirEnv = "AOCORE_SCHED_CRASH_DIR";
constexpr const char* kPidEnv = "AOCORE_SCHED_CRASH_PID";
constexpr const char* kModeEnv = "AOCORE_SCHED_CRASH_MODE";
constexpr const char* kRoundEnv = "AOCORE_SCHED_CRASH_ROUND";
// Not a scheduling mode name: local_confirmation with a deterministic signer (pipelined).
constexpr const char* kPipelined = "pipelined";
// Pipelined with the signed write deferred (SchedulerEnvironment::defer_signed_write): an
// acknowledged slot may be in its synced reservation only, so the parent recovers (as
// Node::Start does) before it checks.
constexpr const char* kDeferred = "deferred";
constexpr int kChildThreads = 4;
constexpr int kChildMessagesPerThread = 5000;

Message CrashMessage(const std::string& tag) {
  return Message{{"type", "Message"}, {"tag", Value(tag)}, {"blob", Bytes(512, 'x')}};
}

// What identifies an assignment's bytes: SHA-256 of its packed encoding (every field, the body
// and the commitments).
std::string Fingerprint(const Message& assignment) {
  Result<Bytes> packed = ContentCache::EncodePacked(Value(assignment));
  return packed.ok() ? Base64UrlEncode(Sha256(*packed)) : "unpackable";
}

// Not a test: the child of SchedulerCrash.*, run by re-executing this binary. Reports every
// acknowledged assignment as "<slot> <tag> <fingerprint>\n" (see testing/crash_child.h) (one write() each:
// atomic on a pipe).
TEST(SchedulerCrashChild, DISABLED_ScheduleLoop) {
  const char* dir = std::getenv(kDirEnv);
  const char* pid = std::getenv(kPidEnv);
  const char* mode = std::getenv(kModeEnv);
  const char* round = std::getenv(kRoundEnv);
  if (!dir || !pid || !mode || !round) GTEST_SKIP() << "only run by the crash test";
  auto store = LevelDbStore::Open(dir);
  ASSERT_OK(store);
  const bool deferred = std::string(mode) == kDeferred;
  const bool pipelined = std::string(mode) == kPipelined || deferred;
  Result<SchedulingMode> parsed_mode = pipelined ? SchedulingMode::kLocalConfirmation : ParseSchedulingMode(mode);
  ASSERT_OK(parsed_mode);
  SchedulerEnvironment env = TestEnvironment(store->get(), *parsed_mode);
  env.deterministic_signer = pipelined;  // TestSign is deterministic
  env.defer_signed_write = deferred;
  auto scheduler = ProcessScheduler::Create(pid, env);
  ASSERT_OK(scheduler);
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChildMessagesPerThread; ++i) {
        const std::string tag = std::string(round) + "-" + std::to_string(t) + "-" +
                                std::to_string(i);
        Result<Message> a = (*scheduler)->Schedule(CrashMessage(tag));
        if (!a.ok()) std::abort();
        std::string line = std::to_string(a->Find("slot")->integer()) + " " + tag + " " + Fingerprint(*a) + "\n";
        if (::write(testing::kCrashChildAckFd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::abort();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
}

void RunCrashRounds(const std::string& mode) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  const std::string pid = scheduler_testing::RandomId();
  std::mt19937 rng(std::random_device{}());
  std::map<int64_t, std::string> acknowledged;  // slot -> "<tag> <fingerprint>"
  for (int round = 0; round < 4; ++round) {
    const size_t kill_after = std::uniform_int_distribution<size_t>(1, 300)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + ", kill after " +
                 std::to_string(kill_after) + " acknowledgements");
    Result<testing::CrashChildRun> run = testing::RunChildUntilKilled(
        "SchedulerCrashChild.DISABLED_ScheduleLoop",
        {std::string(kDirEnv) + "=" + db, std::string(kPidEnv) + "=" + pid,
         std::string(kModeEnv) + "=" + mode,
         std::string(kRoundEnv) + "=" + std::to_string(round)},
        kill_after, std::chrono::seconds(120));
    ASSERT_OK(run);
    ASSERT_TRUE(run->killed) << "the child finished before it was killed (wait status "
                             << run->wait_status << ")";
    ASSERT_TRUE(run->died_of_kill) << "the child failed on its own (wait status "
                                   << run->wait_status << ")";
    for (const auto& [slot_text, tag] : run->acknowledged) {
      const int64_t slot = std::stoll(slot_text);
      auto [it, inserted] = acknowledged.emplace(slot, tag);
      ASSERT_TRUE(inserted) << "slot " << slot << " acknowledged twice: " << it->second << " and "
                            << tag;
    }

    // Reopen: the schedule is contiguous from 0 with a verifying chain, and holds every
    // acknowledged assignment with the acknowledged message.
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    if (mode == kDeferred) {
      SchedulerEnvironment env = TestEnvironment(store->get());
      env.deterministic_signer = true;
      ASSERT_OK(ProcessScheduler::Create(pid, env));  // recovers the reserved slots
    }
    ContentCache content(**store);
    AssignmentCache cache(**store, content);
    Result<std::optional<LatestAssignment>> latest = cache.Latest(pid);
    ASSERT_OK(latest);
    ASSERT_TRUE(latest->has_value());
    ASSERT_GE(static_cast<int64_t>((*latest)->slot), acknowledged.rbegin()->first);
    Result<std::vector<Message>> schedule = ReadAndVerifySchedule(**store, pid, (*latest)->slot + 1);
    ASSERT_OK(schedule);
    for (const auto& [slot, tag_and_fingerprint] : acknowledged) {
      const Message& stored = (*schedule)[slot];
      ASSERT_EQ(*stored.FindMessage("body")->FindBinary("tag") + " " + Fingerprint(stored), tag_and_fingerprint)
          << "acknowledged slot " << slot << " holds another message, or other bytes";
    }
    ASSERT_OK((*store)->Close());
  }
  EXPECT_GE(acknowledged.size(), 4u);
}

TEST(SchedulerCrash, KilledLocalConfirmationSchedulerLosesNoAcknowledgedSlot) {
  RunCrashRounds(std::string(SchedulingModeName(SchedulingMode::kLocalConfirmation)));
}

TEST(SchedulerCrash, KilledPipelinedSchedulerLosesNoAcknowledgedSlot) {
  RunCrashRounds(kPipelined);
}

TEST(SchedulerCrash, KilledSchedulerWithDeferredSignedWritesLosesNoAcknowledgedSlotAfterRecovery) {
  RunCrashRounds(kDeferred);
}

TEST(SchedulerCrash, KilledAggressiveSchedulerLosesNoAcknowledgedSlot) {
  RunCrashRounds(std::string(SchedulingModeName(SchedulingMode::kAggressive)));
}

}  // namespace
}  // namespace ao
