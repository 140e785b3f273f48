// process@1.0: an AO process, whose state advances slot by slot. Port of src/dev_process.erl
// (spec/process.md §1), redesigned per §7; the worker side is actor/process_worker.h.
//
// The device runs no code of its own: it routes each key to another device by swapping the
// working message's `device` (run_as, §1.4) and restores the original device on every state it
// returns, including cached ones (cached states are stored with device = process@1.0, §7.4).
// Keys (an explicit allow-list, §7.19; every other key reads the message as message@1.0):
//   schedule   run_as scheduler (`scheduler-device`, default scheduler@1.0)
//   slot       run_as scheduler
//   compute    `slot` = N (integer, or decimal text): the state after slot N;
//              `slot` = a 43-character ID of a scheduled message or of its assignment: the state
//              after that message (§7.15: the reference documents but never implemented it);
//              no `slot`: the latest cached state, else `now` (§1.13, process_now_from_cache)
//   now        the state after the scheduler's current slot (the whole state, §1.5)
//   snapshot   run_as execution, {path: snapshot, mode: Map}
//   push       run_as push (`push-device`, default push@1.0, devices/push_device.h); a 501
//              error result when the named push device is not registered
//   spawn      aocore: the request's `body` (or its fields) is a process definition, signed
//              with the node wallet when unsigned, scheduled on its scheduler (slot 0):
//              `POST /~process@1.0/spawn` answers what `POST /~scheduler@1.0/schedule` does
// A process whose `scheduler` is a peer (ProcessDeviceServices::peers) is computed here from the
// peer's assignments, pulled and verified first (scheduler/peer_schedules.h): compute/now
// answer 422 for a tampered schedule, 503/504 when the peer cannot be asked.
// The execution device is `execution-device`, else stack@1.0 when `device-stack` is set, else
// the node's `default_execution_device` option; a process with none gets an error result when
// computed (no genesis-wasm default, §7.17).
//
// Computation (§1.6-§1.13): the latest restore point <= target is loaded and normalised, or
// the process boots (`init`, at-slot -1); each slot then takes its assignment from the node's
// assignment cache (prefetched in pages), runs the execution device with the assignment as the
// request — its `path` is always "compute" (§7.21) — sets at-slot, pins `process` to the
// definition, and stores the state in the process cache (one batch, indexed by slot, state ID,
// message ID and assignment ID), with `snapshot` every process_cache_frequency slots; the
// slots in between are stored as deltas against the previous slot (ProcessCache::WriteDelta,
// fix of §7.12), so their cost does not grow with the size of the state. A cached slot is
// answered whole either way (the cache applies the deltas since the nearest full state).
// Fixes: a missing assignment is the 503 error result (never an exception, §7.23); the
// assignment's slot and process are checked; a slot below the live one is served from the
// cache or replayed, never an `already_calculated_slot` exception (§7.20); inner resolutions
// use hashpath "ignore" (no HashPath is computed over whole states per slot, §7.12).
//
// Identity (§1.2, §1.3, §7.22): the definition is the `process` key when present — and then
// every key of it must be present with the same value at the top level of the base, and no
// execution/scheduling configuration key may differ, or the call is an InvalidArgument error
// (a forged `process` key cannot send results into another process's cache); otherwise the
// base itself, reduced to its committed keys when signed. The process ID is
// MessageId(definition, kAll) (the signer's commitment ID for a signed definition).
//
// Workers: with ProcessDeviceServices::process_workers and a WorkerRegistry, compute goes through the
// process's worker (live state in memory, one computation per slot for all callers; a wait
// fails with DeadlineExceeded once the worker computed no slot for request_timeout_ms, so a
// long computation that keeps progressing never times out, and after the error the worker
// keeps computing, so a retry finds it further along; the worker keeps the resolve options of the call that
// started it, e.g. its error_strategy, for its lifetime); otherwise (or when already running on a worker's
// strand, which must not block on a worker) it is computed inline from the cache.
//
// Thread-safety: stateless; safe from any thread (the worker owns all per-process state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aocore/ao/device.h"
#include "aocore/ao/path_argument.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

class ContentCache;
class PeerSchedules;
class ProcessCache;
class SchedulerRegistry;
class Store;
class Wallet;
class WorkerRegistry;

// What process@1.0 uses of its node (the node options are NodeOptions'). Not owned; each
// outlives the device's calls.
struct ProcessDeviceServices {
  Store* store = nullptr;                 // null (or no content/process cache): no node, every
  ContentCache* content = nullptr;        // compute/now is an error result
  ProcessCache* process_cache = nullptr;  // computed states
  SchedulerRegistry* schedulers = nullptr;  // null: the current slot is read from the store
  WorkerRegistry* workers = nullptr;        // process workers; null: every compute is inline
  PeerSchedules* peers = nullptr;           // other nodes; null: none
  const Wallet* wallet = nullptr;           // signs unsigned `spawn` definitions
  std::string address;                      // the node wallet's address
  int64_t process_cache_frequency = 1;
  bool process_workers = true;
  int64_t request_timeout_ms = 30000;
  std::string default_execution_device;  // empty: none (compute answers 422)
};

// The process@1.0 device. Without services (plain engine tests) compute, now and spawn are
// error results; the routing keys work.
DevicePtr MakeProcessDevice(ProcessDeviceServices services = {});

namespace process {

inline constexpr char kProcessDevice[] = "process@1.0";

// The path arguments of process@1.0's keys: `compute/<N>` computes slot N
// (docs/devices.md#process-compute-path).
const std::vector<PathArgument>& PathArguments();

// A process's definition and ID (see the header comment).
struct Identity {
  Message definition;
  std::string id;
};

// The identity of a process message or of one of its states. InvalidArgument for a forged or
// malformed `process` key.
Result<Identity> IdentityOf(const Message& base);

}  // namespace process
}  // namespace ao
