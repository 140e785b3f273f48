// B6 (shared/BENCHMARKS.md): message IDs and commitments, the C++ side. The Python side of the
// same workloads is in bench/workloads.py; run.py reports B6_Commit over Raw_RsaPssSign4096
// (raw_bench.cc) and the Python id rate over B6_Id10Keys, measured in the same run.
#include <cstdlib>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>

#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/message/message.h"

namespace {

ao::Message TenKeys() {
  ao::Message m;
  for (int i = 0; i < 10; ++i) m.Set("key-" + std::to_string(i), ao::Value(ao::Bytes("value-" + std::to_string(i))));
  return m;
}

// One RSA-4096 wallet for the whole run: generation takes about a second.
const ao::Wallet& BenchWallet() {
  static const ao::Wallet wallet = [] {
    auto w = ao::Wallet::Generate();
    if (!w.ok()) std::abort();
    return std::move(w).value();
  }();
  return wallet;
}

void B6_Id10Keys(benchmark::State& state) {
  const ao::Message m = TenKeys();
  for (auto _ : state) {
    auto id = ao::MessageId(m);
    if (!id.ok()) {
      state.SkipWithError(id.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(B6_Id10Keys);

void B6_Commit(benchmark::State& state) {
  const ao::Wallet& wallet = BenchWallet();
  const ao::Message m = TenKeys();
  for (auto _ : state) {
    auto committed = ao::Commit(m, wallet);
    if (!committed.ok()) {
      state.SkipWithError(committed.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(committed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(B6_Commit)->Unit(benchmark::kMillisecond);

}  // namespace
