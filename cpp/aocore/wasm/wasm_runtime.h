// WasmRuntime: the process's Wasmtime engine (memory64 on, epoch interruption for compute
// limits, no Spectre guards on memory and table accesses: see MakeConfig), its epoch ticker and
// its cache of compiled modules. A module is compiled once per process (kept in memory by the
// sha256 of its bytes) and serialised to a cache folder, so a second process deserialises it
// instead of compiling again (~1 s for AOS, a few ms to load).
//
// The epoch ticker is one thread that advances the engine's epoch every kEpochTick while at least
// one call holds a TickingScope, and for kTickerLinger after the last one ended (so that
// back-to-back messages do not each wake it: a futex wake and two context switches per message),
// and sleeps otherwise: a store whose epoch deadline is reached
// runs its deadline callback (AoInstance checks its call's CPU time there).
//
// Thread-safety: thread-safe (Wasmtime engines and modules are shareable; the cache and the
// ticker's state are locked).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <wasmtime.hh>

#include "aocore/common/result.h"

namespace ao::wasm {

// How often the epoch advances while a limited call runs: the granularity of compute limits.
inline constexpr std::chrono::milliseconds kEpochTick{10};
inline constexpr int kTickerLingerTicks = 10;  // kTickerLinger: 100 ms of idle ticks

class WasmRuntime {
 public:
  // The process-wide runtime (created on first use, never destroyed: modules and stores from any
  // thread may still refer to its engine at exit).
  static WasmRuntime& Default();

  wasmtime::Engine& engine() { return engine_; }

  // While one is alive, the ticker advances the engine's epoch every kEpochTick.
  class TickingScope {
   public:
    explicit TickingScope(WasmRuntime& runtime);
    ~TickingScope();
    TickingScope(const TickingScope&) = delete;
    TickingScope& operator=(const TickingScope&) = delete;

   private:
    WasmRuntime& runtime_;
  };

  // The compiled form of `wasm`. `cache_dir` empty: no disk cache. InvalidArgument when the bytes
  // are not a valid module for this engine.
  Result<wasmtime::Module> Compile(std::string_view wasm, const std::string& cache_dir);

  // Counters for tests and benchmarks: how the last Compile calls were satisfied.
  struct Stats {
    int compiled = 0;
    int loaded_from_disk = 0;
    int from_memory = 0;
  };
  Stats stats();

  // $AOCORE_CACHE_DIR/compiled, else ~/.cache/aocore/compiled.
  static std::string DefaultCacheDir();

 private:
  WasmRuntime();
  void TickerLoop();

  wasmtime::Engine engine_;
  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  int ticking_ = 0;              // live TickingScopes
  bool ticker_waiting_ = false;  // the ticker waits for a scope on ticker_cv_
  // The process whose ticker thread runs (it starts with the first scope and never ends): a child
  // forked after it has no ticker thread, and starts its own.
  pid_t ticker_pid_ = 0;
  std::mutex mu_;
  std::map<std::string, wasmtime::Module> modules_;  // sha256 hex -> module
  Stats stats_;
};

}  // namespace ao::wasm
