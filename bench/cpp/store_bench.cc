// Store scaling (issue "Storage", point 2): writing a child into a group that already holds
// N children must cost the same for N = 1k, 10k and 100k (group membership is one key per
// child, never a rewritten set), and the latest numbered child is one seek. The ratio
// Store_GroupChildWrite/100000 over /1000 (bench/workloads.py) should be close to 1.
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/write_batch.h"

namespace {

std::unique_ptr<ao::LevelDbStore> OpenWithChildren(const std::filesystem::path& dir, int64_t children) {
  std::filesystem::remove_all(dir);
  auto store = ao::LevelDbStore::Open(dir.string());
  if (!store.ok()) return nullptr;
  std::unique_ptr<ao::LevelDbStore> s = std::move(store).value();
  for (int64_t i = 0; i < children;) {
    ao::WriteBatch batch;
    for (int k = 0; k < 1000 && i < children; ++k, ++i) {
      batch.Write("group/" + ao::EncodeSlot(static_cast<uint64_t>(i)), "value");
    }
    if (!s->Apply(batch).ok()) return nullptr;
  }
  return s;
}

void Store_GroupChildWrite(benchmark::State& state) {
  const int64_t existing = state.range(0);
  auto dir = std::filesystem::temp_directory_path() / ("aocore-bench-store-" + std::to_string(::getpid()));
  auto store = OpenWithChildren(dir, existing);
  if (!store) {
    state.SkipWithError("cannot prepare the store");
    return;
  }
  uint64_t next = static_cast<uint64_t>(existing);
  for (auto _ : state) {
    ao::Status s = store->Write("group/" + ao::EncodeSlot(next++), "value");
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(Store_GroupChildWrite)->Arg(1000)->Arg(10000)->Arg(100000);

void Store_LatestChild(benchmark::State& state) {
  const int64_t existing = state.range(0);
  auto dir = std::filesystem::temp_directory_path() / ("aocore-bench-latest-" + std::to_string(::getpid()));
  auto store = OpenWithChildren(dir, existing);
  if (!store) {
    state.SkipWithError("cannot prepare the store");
    return;
  }
  for (auto _ : state) {
    auto latest = ao::LatestSlot(*store, "group");
    benchmark::DoNotOptimize(latest);
  }
  state.SetItemsProcessed(state.iterations());
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(Store_LatestChild)->Arg(1000)->Arg(100000);

}  // namespace
