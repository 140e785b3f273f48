// push@1.0 delivers the messages a process's slot sent to other processes (port of dev_push,
// local pushing only; notes: docs/devices.md#push). Key: push {slot: N} computes slot N, then
// signs and schedules each message of its `results/outbox` on its target and pushes the target's
// new slot in turn, depth-first (bounded by `push-max-depth`); without a `slot` the request's
// body is scheduled on the process first. Each message is delivered exactly once per (process,
// slot, outbox key): its delivery record commits with its assignment
// (docs/devices.md#push-exactly-once). The slot's Spawns become processes and the parent is
// told (docs/devices.md#push-spawns).
//
// Thread-safety: stateless apart from the process-wide claim set (leaf mutex); safe from any
// thread.
#pragma once

#include <cstdint>

#include "aocore/ao/device.h"

namespace ao {

class AssignmentHooks;
class ContentCache;
class Store;
class Wallet;

inline constexpr int64_t kDefaultPushMaxDepth = 16;

// What push@1.0 uses of its node. Not owned; each outlives the device's calls.
struct PushDeviceServices {
  Store* store = nullptr;          // delivery records; null (or no content): push is an error result
  ContentCache* content = nullptr;  // target process definitions
  const Wallet* wallet = nullptr;   // signs the delivered messages
  // Shared with the node's scheduler@1.0: commits a delivery record with its message's
  // assignment. Null: the record follows the assignment in a second write.
  AssignmentHooks* assignment_hooks = nullptr;
};

// The push@1.0 device. Without services every `push` is an error result (500).
DevicePtr MakePushDevice(PushDeviceServices services = {});

}  // namespace ao
