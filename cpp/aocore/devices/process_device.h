// process@1.0: an AO process, whose state advances slot by slot (port of dev_process; notes:
// docs/devices.md#process). The device runs no code of its own: it routes each key to another
// device (run_as) and restores the original device on every state it returns. Keys (an explicit
// allow-list; every other key reads the message as message@1.0):
//   schedule, slot  run as the scheduler device (`scheduler-device`, default scheduler@1.0)
//   compute         `slot` = N or a scheduled message's ID: the state after it; no `slot`: the
//                   latest cached state, else `now`
//   now             the state after the scheduler's current slot
//   snapshot        run as the execution device, {path: snapshot, mode: Map}
//   push            run as the push device (`push-device`, default push@1.0)
//   spawn           schedule a process definition (signed with the node wallet when unsigned)
// The engine that computes states is devices/process_engine.h; the worker actor/process_worker.h.
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
