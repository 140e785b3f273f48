// genesis-wasm@1.0 (also registered as aos@1.0): the execution device that runs an AO process's
// WebAssembly module (an AOS build) natively on Wasmtime, as the ao compute unit does through
// ao-loader (notes: docs/devices.md#genesis-wasm). process@1.0 runs it as the process's
// `execution-device`. Keys: init, compute (the slot's assignment is the CU message; the result
// goes to results/json, results/outbox, results/spawns), snapshot, normalize (process@1.0 calls
// these four), dryrun, memory, stats. One live instance per process, within the node's
// `wasm_memory_budget` (docs/devices.md#genesis-wasm-live).
//
// Thread-safety: the device and its registry are safe from any thread; one process's instance
// is used by one call at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aocore/ao/device.h"

namespace ao {

class ContentCache;
class ProcessCache;
class Store;

inline constexpr char kGenesisWasmDevice[] = "genesis-wasm@1.0";
inline constexpr char kAosDevice[] = "aos@1.0";

// A module the process-wide lookup knows (its ID, owner and tags, as the CU's env.Module).
struct AosModule {
  std::string id;
  std::string owner;
  std::vector<std::pair<std::string, std::string>> tags;
  std::string wasm;
};
using AosModuleLookup = std::function<std::optional<AosModule>(const std::string& module_id)>;

// Sets (or clears, with an empty function) the lookup used for modules not in the node's store.
void SetAosModuleLookup(AosModuleLookup lookup);

// The module the process-wide lookup knows under `module_id` (nullopt: none, or no lookup set);
// the legacy gateway's GraphQL answers aoconnect's module look-up with its owner and tags.
std::optional<AosModule> LookupKnownAosModule(const std::string& module_id);

// Compute limit: each message may use this much CPU time in milliseconds, or what the process's
// `Wasm-Compute-Limit` tag says (0: unlimited); a runaway message then ends with an Error result
// ("compute_limit: ...") and the process goes on (docs/aos.md, "Limits").
inline constexpr uint64_t kDefaultComputeLimitMs = 60'000;  // a minute
inline constexpr char kComputeLimitTag[] = "Wasm-Compute-Limit";

// Slots between two restore points that hold the memory; messages between two checkpoints.
inline constexpr int64_t kImageInterval = 64;
inline constexpr size_t kJournalLimit = 64;
// The default WasmProcessDeviceServices::wasm_memory_budget: 4 GiB.
inline constexpr int64_t kDefaultWasmMemoryBudget = int64_t{4} << 30;

// What genesis-wasm@1.0 uses of its node. Not owned; each outlives the device's calls.
struct WasmProcessDeviceServices {
  Store* store = nullptr;                 // with content: the assignments (slot timestamps)
  ContentCache* content = nullptr;        // module messages; null: only the known AOS modules
  ProcessCache* process_cache = nullptr;  // restore points holding the memory
  int64_t wasm_memory_budget = kDefaultWasmMemoryBudget;  // node option; 0: no live instances
};

// The genesis-wasm@1.0 device. Without services only known AOS modules load and nothing is
// restored from a cache.
DevicePtr MakeWasmProcessDevice(WasmProcessDeviceServices services = {});

}  // namespace ao
