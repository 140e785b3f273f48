#include "aocore/wasm/wasm_runtime.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <wasmtime.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"

namespace ao::wasm {
namespace {

// What the compiled code depends on beyond the Wasmtime version, in the disk cache's file names.
constexpr char kCodeFlavour[] = "epoch-nospectre";

wasmtime::Config MakeConfig() {
  wasmtime::Config config;
  config.wasm_memory64(true);
  // The compute limit: the code checks the engine's epoch at function entries and loop heads
  // (~7% of an AOS message; fuel metering cost ~20%). Where a runaway message stops does not
  // matter, as a failed message leaves no state; docs/aos.md, "Limits".
  config.epoch_interruption(true);
  // No Spectre guards on linear-memory and table accesses (a conditional move on every load and
  // store: ~8% of an AOS message). A guest could only exploit their absence with a timer to read
  // its cache effects, and an AO module has none: Date.now is a counter, no threads, no shared
  // memory, and its only output is its deterministic result (docs/aos.md, "Limits").
  config.cranelift_flag_set("enable_heap_access_spectre_mitigation", "false");
  config.cranelift_flag_set("enable_table_access_spectre_mitigation", "false");
  return config;
}

}  // namespace

WasmRuntime& WasmRuntime::Default() {
  static auto* runtime = new WasmRuntime();
  return *runtime;
}

WasmRuntime::WasmRuntime() : engine_(MakeConfig()) {}

WasmRuntime::TickingScope::TickingScope(WasmRuntime& runtime) : runtime_(runtime) {
  std::lock_guard lock(runtime_.ticker_mu_);
  if (runtime_.ticking_++ == 0 && runtime_.ticker_waiting_) runtime_.ticker_cv_.notify_one();
  if (runtime_.ticker_pid_ != ::getpid()) {
    runtime_.ticker_pid_ = ::getpid();
    // Detached, like the runtime it uses, which is never destroyed.
    std::thread([r = &runtime_] { r->TickerLoop(); }).detach();
  }
}

WasmRuntime::TickingScope::~TickingScope() {
  std::lock_guard lock(runtime_.ticker_mu_);
  --runtime_.ticking_;
}

void WasmRuntime::TickerLoop() {
  std::unique_lock lock(ticker_mu_);
  int idle_ticks = kTickerLingerTicks;  // a new ticker starts waiting
  for (;;) {
    if (ticking_ == 0 && idle_ticks >= kTickerLingerTicks) {
      ticker_waiting_ = true;
      ticker_cv_.wait(lock, [this] { return ticking_ > 0; });
      ticker_waiting_ = false;
    }
    lock.unlock();
    std::this_thread::sleep_for(kEpochTick);
    engine_.increment_epoch();
    lock.lock();
    idle_ticks = ticking_ > 0 ? 0 : idle_ticks + 1;
  }
}

std::string WasmRuntime::DefaultCacheDir() {
  if (const char* dir = std::getenv("AOCORE_CACHE_DIR"); dir && *dir) return std::string(dir) + "/compiled";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/aocore/compiled";
  return "";
}

WasmRuntime::Stats WasmRuntime::stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

Result<wasmtime::Module> WasmRuntime::Compile(std::string_view wasm, const std::string& cache_dir) {
  const std::string key = HexEncode(Sha256(wasm));
  {
    std::lock_guard lock(mu_);
    if (auto it = modules_.find(key); it != modules_.end()) {
      ++stats_.from_memory;
      return it->second;
    }
  }
  // The file name carries what makes serialised code incompatible; Wasmtime checks it again.
  const std::string path =
      cache_dir.empty() ? "" : cache_dir + "/" + key + "-wasmtime-" + WASMTIME_VERSION + "-" + kCodeFlavour + ".cwasm";
  std::optional<wasmtime::Module> module;
  bool loaded = false;
  if (!path.empty() && std::filesystem::exists(path)) {
    auto r = wasmtime::Module::deserialize_file(engine_, path);
    if (r) {
      module = r.ok();
      loaded = true;
    }
  }
  if (!module) {
    auto r = wasmtime::Module::compile(
        engine_, wasmtime::Span<uint8_t>(reinterpret_cast<uint8_t*>(const_cast<char*>(wasm.data())), wasm.size()));
    if (!r) return Status::InvalidArgument("invalid WebAssembly module: " + std::string(r.err().message()));
    module = r.ok();
    if (!path.empty()) {
      // Best effort: a cache that cannot be written only costs the next start a compile.
      if (auto bytes = module->serialize()) {
        std::error_code ec;
        std::filesystem::create_directories(cache_dir, ec);
        const std::string tmp = path + ".tmp" + std::to_string(::getpid());
        std::ofstream out(tmp, std::ios::binary);
        const std::vector<uint8_t>& data = bytes.ok_ref();
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        out.close();
        if (out) std::filesystem::rename(tmp, path, ec);
        if (!out || ec) std::filesystem::remove(tmp, ec);
      }
    }
  }
  std::lock_guard lock(mu_);
  ++(loaded ? stats_.loaded_from_disk : stats_.compiled);
  auto [it, inserted] = modules_.emplace(key, *module);
  return it->second;
}

}  // namespace ao::wasm
