// Crash safety of the compute path (issue 15 point 1): a child process (this binary,
// re-executed, see testing/crash_child.h) computes a test-device process slot by slot on a
// LevelDB node with the default options, acknowledging each computed state's ID, and is
// SIGKILLed after a random number of slots; several rounds, each continuing where the last
// one died. The parent then reopens the node and computes every slot: each state (and each
// acknowledged one) must equal the state an uninterrupted node computes from the same schedule.
// Between restore points a slot stores only its delta, so this checks that a kill leaves
// nothing a restart reads wrongly: the worker restores the last restore point (or reads the
// stored deltas) and replays the rest deterministically.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/message/id.h"
#include "aocore/node/node.h"
#include "testing/crash_child.h"
#include "testing/test_util.h"

namespace ao {
namespace {

constexpr const char* kDirEnv = "AOCORE_COMPUTE_CRASH_DIR";
constexpr const char* kFrequencyEnv = "AOCORE_COMPUTE_CRASH_FREQUENCY";
constexpr const char* kStartEnv = "AOCORE_COMPUTE_CRASH_START";
constexpr int64_t kSlots = 240;

const Message& Definition() {
  static const Message* def = new Message{
      {"device", "process@1.0"},
      {"type", "Process"},
      {"test-random-seed", Value(1515)},
      {"execution-device", "stack@1.0"},
      {"device-stack", Value(Value::List{Value("test-device@1.0"), Value("test-device@1.0")})}};
  return *def;
}

// frequency 0: the default options.
NodeOptions Options(const std::string& dir, int64_t frequency) {
  NodeOptions o = *NodeOptions::Parse(Message{});
  o.store_path = dir;
  if (frequency > 0) o.process_cache_frequency = frequency;
  return o;
}

// The ID of the state after `slot` (computed by `node`), or "" after an EXPECT failure.
std::string StateIdAt(Node& node, int64_t slot) {
  Result<ResolveResult> r = node.Resolve(
      Value(Definition()), Value(Message{{"path", "compute"}, {"slot", Value(slot)}}), node.DefaultResolveOptions());
  EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
  if (!r.ok() || !r->ok() || !r->value.is_message()) return "";
  EXPECT_EQ(*r->value.message().Find("at-slot"), Value(slot));
  Result<std::string> id = MessageId(r->value.message(), IdMode::kAll);
  EXPECT_OK(id);
  return id.ok() ? *id : "";
}

// Not a test: the child of ComputeCrash.*, run by re-executing this binary. Computes the slots
// one call each from the first one no earlier child acknowledged, acknowledging "<slot> <state ID>".
TEST(ComputeCrashChild, DISABLED_ComputeLoop) {
  const char* dir = std::getenv(kDirEnv);
  const char* frequency = std::getenv(kFrequencyEnv);
  const char* start = std::getenv(kStartEnv);
  if (!dir || !frequency || !start) GTEST_SKIP() << "only run by the crash test";
  auto node = Node::Open(Options(dir, std::atoll(frequency)));
  ASSERT_OK(node);
  for (int64_t slot = std::atoll(start); slot < kSlots; ++slot) {
    const std::string id = StateIdAt(**node, slot);
    if (id.empty()) std::abort();
    const std::string line = std::to_string(slot) + " " + id + "\n";
    if (::write(testing::kCrashChildAckFd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      std::abort();
    }
  }
}

void RunComputeCrash(int64_t frequency) {
  testing::TempDir dir;
  const std::filesystem::path scheduled = dir.path() / "scheduled";
  {
    auto node = Node::Open(Options(scheduled.string(), frequency));
    ASSERT_OK(node);
    const std::string pid = *MessageId(Definition(), IdMode::kAll);
    ASSERT_OK((*node)->schedulers().Schedule(pid, Definition()));
    for (int64_t i = 1; i < kSlots; ++i) {
      ASSERT_OK((*node)->schedulers().Schedule(pid, Message{{"type", "Message"}, {"i", Value(i)}}));
    }
    ASSERT_OK((*node)->Close());
  }
  const std::filesystem::path killed = dir.path() / "killed";
  const std::filesystem::path reference = dir.path() / "reference";
  std::filesystem::copy(scheduled, killed, std::filesystem::copy_options::recursive);
  std::filesystem::copy(scheduled, reference, std::filesystem::copy_options::recursive);

  // The uninterrupted run.
  std::vector<std::string> expected;
  {
    auto node = Node::Open(Options(reference.string(), frequency));
    ASSERT_OK(node);
    for (int64_t slot = 0; slot < kSlots; ++slot) expected.push_back(StateIdAt(**node, slot));
    ASSERT_OK((*node)->Close());
  }

  std::mt19937 rng(std::random_device{}());
  std::map<int64_t, std::string> acknowledged;
  for (int round = 0; round < 3; ++round) {
    const size_t kill_after = std::uniform_int_distribution<size_t>(5, 60)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + ", kill after " + std::to_string(kill_after));
    Result<testing::CrashChildRun> run = testing::RunChildUntilKilled(
        "ComputeCrashChild.DISABLED_ComputeLoop",
        {std::string(kDirEnv) + "=" + killed.string(), std::string(kFrequencyEnv) + "=" + std::to_string(frequency),
         std::string(kStartEnv) + "=" + std::to_string(acknowledged.empty() ? 0 : acknowledged.rbegin()->first + 1)},
        kill_after, std::chrono::seconds(120));
    ASSERT_OK(run);
    ASSERT_TRUE(run->died_of_kill || !run->killed) << "wait status " << run->wait_status;
    for (const auto& [slot_text, id] : run->acknowledged) {
      const int64_t slot = std::stoll(slot_text);
      ASSERT_LT(slot, kSlots);
      EXPECT_EQ(id, expected[static_cast<size_t>(slot)]) << "acknowledged slot " << slot;
      acknowledged[slot] = id;
    }
  }
  EXPECT_FALSE(acknowledged.empty());
  // Reopened after the last kill: every slot's state is the uninterrupted run's.
  auto node = Node::Open(Options(killed.string(), frequency));
  ASSERT_OK(node);
  for (int64_t slot = kSlots - 1; slot >= 0; slot -= 7) {  // newest first: a restart, then reads
    EXPECT_EQ(StateIdAt(**node, slot), expected[static_cast<size_t>(slot)]) << "slot " << slot;
  }
  ASSERT_OK((*node)->Close());
}

TEST(ComputeCrash, KilledWorkerResumesWithTheStatesOfAnUninterruptedRunDefaultOptions) { RunComputeCrash(0); }

TEST(ComputeCrash, KilledWorkerResumesWithTheStatesOfAnUninterruptedRunRestorePointEvery10) {
  RunComputeCrash(10);
}

}  // namespace
}  // namespace ao
