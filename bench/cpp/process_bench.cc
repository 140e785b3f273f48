// The compute path of issue 15 on a LevelDB node with default options, in C++ (no Python round
// trip), so a profile of this binary shows where a slot goes:
//   Process_HotCompute/<N>     a test-device process (stack of two test-device@1.0) with N
//                              scheduled slots (0..N-1); one compute(N-1) on a fresh worker.
//                              items/s = slots/s.
//   Process_LargeState/<KiB>   the same process with a `payload` binary of <KiB> KiB in its
//                              definition (so in every state) that no slot changes; slots 1-199
//                              in one compute (slot 0, the spawn and first restore point, untimed). items/s = slots/s (bench/run.py takes the ratio
//                              16 MiB / 1 KiB: flat = 1).
//   Process_ReopenNow/<N>      reopen the node after compute(N-1) and answer `now` (s/iteration).
//   Process_RestorePoint64MiB, Process_Restore64MiB: a 64 MiB state through the process cache
//                              (below).
// Each node is prepared once per size (N RSA-4096 assignment signatures, not timed) and every
// timed iteration runs on a fresh copy of its directory.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "aocore/cache/content_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/id.h"
#include "aocore/node/node.h"
#include "aocore/store/leveldb_store.h"

namespace {

namespace fs = std::filesystem;

const ao::Wallet& NodeWallet() {
  static const ao::Wallet* wallet = new ao::Wallet(ao::Wallet::Generate().value());
  return *wallet;
}

ao::Message Definition(size_t payload_bytes) {
  ao::Message def{{"device", "process@1.0"},
                  {"type", "Process"},
                  {"scheduler-device", "scheduler@1.0"},
                  {"test-random-seed", ao::Value(1515)},
                  {"execution-device", "stack@1.0"},
                  {"device-stack", ao::Value(ao::Value::List{ao::Value("test-device@1.0"),
                                                             ao::Value("test-device@1.0")})}};
  if (payload_bytes > 0) def.Set("payload", ao::Value(ao::Bytes(payload_bytes, 'p')));
  return def;
}

fs::path Scratch() {
  static const fs::path root = fs::temp_directory_path() / ("aocore-bench-proc-" + std::to_string(::getpid()));
  return root;
}

std::unique_ptr<ao::Node> OpenAt(const fs::path& dir, ao::NodeOptions options = {}) {
  options.store_path = dir.string();
  options.scheduling_mode = ao::SchedulingMode::kAggressive;  // preparation only: timing is compute
  auto node = ao::Node::Open(options, NodeWallet());
  if (!node.ok()) return nullptr;
  return std::move(node).value();
}

// A node directory holding `slots` scheduled slots of Definition(payload) (prepared once).
const fs::path& Prepared(size_t slots, size_t payload_bytes, bool computed) {
  static std::map<std::tuple<size_t, size_t, bool>, fs::path> made;
  auto key = std::make_tuple(slots, payload_bytes, computed);
  if (auto it = made.find(key); it != made.end()) return it->second;
  // AOCORE_BENCH_DATA (bench/run.py sets it to build/bench-data/cpp): prepared nodes kept there
  // and reused by later runs (and by a profiler run that should see only the computation).
  const char* keep = std::getenv("AOCORE_BENCH_DATA");
  const std::string name = "prep-v2-" + std::to_string(slots) + "-" + std::to_string(payload_bytes) + (computed ? "-c" : "");
  fs::path dir = keep != nullptr ? fs::path(keep) / name : Scratch() / name;
  if (keep != nullptr && fs::exists(dir / "prepared")) return made.emplace(key, dir).first->second;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  {
    auto node = OpenAt(dir);
    const ao::Message def = Definition(payload_bytes);
    const std::string pid = ao::MessageId(def, ao::IdMode::kAll).value();
    (void)node->schedulers().Schedule(pid, def);  // slot 0: the process itself
    for (size_t i = 1; i < slots; ++i) {
      (void)node->schedulers().Schedule(pid, ao::Message{{"type", "Message"}, {"i", ao::Value(static_cast<int64_t>(i))}});
    }
    if (computed) {
      (void)node->Resolve(ao::Value(def),
                          ao::Value(ao::Message{{"path", "compute"}, {"slot", ao::Value(static_cast<int64_t>(slots - 1))}}),
                          node->DefaultResolveOptions());
    }
    (void)node->Close();
  }
  std::ofstream(dir / "prepared") << "done\n";
  return made.emplace(key, dir).first->second;
}

fs::path FreshCopy(const fs::path& from) {
  static std::atomic<int> n{0};
  fs::path to = Scratch() / ("run-" + std::to_string(n++));
  fs::remove_all(to);
  fs::create_directories(Scratch());
  fs::copy(from, to, fs::copy_options::recursive);
  return to;
}

bool ComputeTo(ao::Node& node, const ao::Message& def, int64_t slot, benchmark::State& state) {
  auto r = node.Resolve(ao::Value(def), ao::Value(ao::Message{{"path", "compute"}, {"slot", ao::Value(slot)}}),
                        node.DefaultResolveOptions());
  if (!r.ok() || !r->ok()) {
    state.SkipWithError(r.ok() ? r->DebugString().c_str() : r.status().ToString().c_str());
    return false;
  }
  return true;
}

// first_untimed: slot 0 (the spawn, and the first restore point) is computed and stored before
// the clock starts, so the figure is the cost of the slots after it. The timed compute's own
// writes finish after its answer (the store's thread, overlapping the computation); the node
// closes untimed, after them.
void RunCompute(benchmark::State& state, size_t slots, size_t payload, bool first_untimed = false) {
  const fs::path& template_dir = Prepared(slots, payload, false);
  const ao::Message def = Definition(payload);
  for (auto _ : state) {
    state.PauseTiming();
    fs::path dir = FreshCopy(template_dir);
    auto node = OpenAt(dir, ao::NodeOptions{});
    if (first_untimed) {
      if (!ComputeTo(*node, def, 0, state)) break;
      // Its restore point is written by the store's thread after the answer: before the clock.
      node->store().WaitForDeferred();
    }
    state.ResumeTiming();
    if (!ComputeTo(*node, def, static_cast<int64_t>(slots) - 1, state)) break;
    state.PauseTiming();
    (void)node->Close();
    node.reset();
    fs::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (first_untimed ? slots - 1 : slots)));
}

void Process_HotCompute(benchmark::State& state) { RunCompute(state, static_cast<size_t>(state.range(0)), 0); }
BENCHMARK(Process_HotCompute)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void Process_LargeState(benchmark::State& state) {
  RunCompute(state, 200, static_cast<size_t>(state.range(0)) * 1024, /*first_untimed=*/true);
}
BENCHMARK(Process_LargeState)->Arg(1)->Arg(16 * 1024)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void Process_ReopenNow(benchmark::State& state) {
  const size_t slots = static_cast<size_t>(state.range(0));
  const fs::path& template_dir = Prepared(slots, 0, true);
  const ao::Message def = Definition(0);
  // The node wallet (an RSA-4096 key, seconds) exists before the clock starts: with prepared
  // nodes reused (AOCORE_BENCH_DATA) and this benchmark run alone, the first OpenAt made it.
  (void)NodeWallet();
  for (auto _ : state) {
    state.PauseTiming();
    fs::path dir = FreshCopy(template_dir);
    state.ResumeTiming();
    auto node = OpenAt(dir, ao::NodeOptions{});
    auto r = node->Resolve(ao::Value(def), ao::Value(ao::Message{{"path", "now"}}), node->DefaultResolveOptions());
    if (!r.ok() || !r->ok()) {
      state.SkipWithError("now failed");
      break;
    }
    state.PauseTiming();
    (void)node->Close();
    node.reset();
    fs::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(Process_ReopenNow)->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

namespace {

// A 64 MiB process state (a WebAssembly memory: zero pages and some written ones) in a
// LevelDB store, through the process cache:
//   Process_RestorePoint64MiB/0  write a restore point of it (the first: every chunk is new)
//   Process_RestorePoint64MiB/1  write the next restore point after one byte changed (only the
//                                changed chunk is new)
//   Process_Restore64MiB         read the restore point back (what a worker loads on restart)
ao::Message LargeState(int64_t slot, char mark) {
  ao::Bytes memory(64 << 20, '\0');
  for (size_t page = 0; page < memory.size(); page += 65536 * 4) {  // every 4th 64 KiB page written
    for (size_t i = 0; i < 65536; i += 7) memory[page + i] = static_cast<char>((page / 65536 + i) * 31);
  }
  memory[12345678] = mark;
  return ao::Message{{"memory", ao::Value(std::move(memory))},
                     {"at-slot", ao::Value(slot)},
                     {"snapshot", ao::Value(ao::Message{{"kind", "wasm"}})}};
}

struct LargeBed {
  fs::path dir;
  std::unique_ptr<ao::LevelDbStore> store;
  std::unique_ptr<ao::ContentCache> content;
  std::unique_ptr<ao::ProcessCache> cache;
  std::string pid = ao::MessageId(Definition(0), ao::IdMode::kAll).value();
  explicit LargeBed(const std::string& name) : dir(Scratch() / name) {
    fs::remove_all(dir);
    store = std::move(ao::LevelDbStore::Open(dir.string())).value();
    content = std::make_unique<ao::ContentCache>(*store);
    cache = std::make_unique<ao::ProcessCache>(*store, *content);
  }
  ~LargeBed() {
    cache.reset();
    content.reset();
    (void)store->Close();
    store.reset();
    fs::remove_all(dir);
  }
};

void Process_RestorePoint64MiB(benchmark::State& state) {
  const bool after_change = state.range(0) == 1;
  const ao::Message first = LargeState(1000, 'a');
  const ao::Message second = LargeState(2000, 'b');
  for (auto _ : state) {
    state.PauseTiming();
    auto bed = std::make_unique<LargeBed>("large-write");
    if (after_change && !bed->cache->Write(bed->pid, 1000, first).ok()) state.SkipWithError("write failed");
    state.ResumeTiming();
    if (!bed->cache->Write(bed->pid, after_change ? 2000 : 1000, after_change ? second : first).ok()) {
      state.SkipWithError("write failed");
    }
    state.PauseTiming();
    bed.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(Process_RestorePoint64MiB)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void Process_Restore64MiB(benchmark::State& state) {
  LargeBed bed("large-read");
  const ao::Message first = LargeState(1000, 'a');
  if (!bed.cache->Write(bed.pid, 1000, first).ok()) state.SkipWithError("write failed");
  for (auto _ : state) {
    auto r = bed.cache->Latest(bed.pid, {"snapshot"});
    if (!r.ok() || !r->has_value() || (*r)->state.FindBinary("memory")->size() != (64u << 20)) {
      state.SkipWithError("restore failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(Process_Restore64MiB)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
