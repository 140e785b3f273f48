// scheduler@1.0, the AO scheduler device (port of dev_scheduler's local parts; notes:
// docs/devices.md#scheduler). The node builds it with the services it uses
// (SchedulerDeviceServices); built without a scheduler registry every key is an error result
// {status: 500, body: ...}, never a crash. Keys: schedule (POST: schedule a message, answering
// its signed assignment; GET: a page of the schedule), slot, status, next (process@1.0's next
// assignment), location, checkpoint, info; set/keys go to message@1.0 and every other key
// behaves as schedule. Where a process is scheduled (here, a redirect, a peer) is
// scheduler/scheduler_location.h (docs/devices.md#scheduler-location).
//
// Thread-safety: stateless; safe from any thread (the registry is thread-safe).
#pragma once

#include <string>

#include "aocore/ao/device.h"

namespace ao {

class AssignmentHooks;
class ContentCache;
class PeerSchedules;
class SchedulerRegistry;
class Store;

// What scheduler@1.0 uses of its node. Not owned; each outlives the device's calls.
struct SchedulerDeviceServices {
  SchedulerRegistry* schedulers = nullptr;  // null: every key is an error result (no node)
  Store* store = nullptr;
  ContentCache* content = nullptr;
  PeerSchedules* peers = nullptr;  // other nodes (scheduler/peer_schedules.h); null: none
  std::string address;             // the node wallet's address
  bool follow_redirects = true;    // node option scheduler_follow_redirects
  // Writes other devices commit with a message's assignment (push@1.0); null: none.
  const AssignmentHooks* assignment_hooks = nullptr;
};

// The scheduler@1.0 device. Without services (plain engine tests) every key is an error result.
DevicePtr MakeSchedulerDevice(SchedulerDeviceServices services = {});

// How many assignments `next` reads ahead from the store into the process state's private
// cache (the reference reads one and starts a lookahead worker).
inline constexpr size_t kSchedulerNextPrefetch = 64;

}  // namespace ao
