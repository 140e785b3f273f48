// push@1.0: delivers the messages a process's slot sent to other processes. Port of
// src/dev_push.erl (local pushing only), reached as the `push` key of process@1.0 (the
// process's `push-device`, default push@1.0; process@1.0 swaps the device and calls `push`).
//
// push {slot: N}: computes slot N of the process (process@1.0 `compute`), takes its
// `results/outbox` (a numbered map of messages, each with a `target` process ID, optionally
// followed by `?hint...`) and, in numeric key order, for each message:
//   1. reads the target process definition from the content cache (missing: an error entry
//      {response: error, status: 404, target, reason: "Could not access target process!"});
//   2. stamps it (data-protocol: ao, variant: ao.N.1, type: Message, from-process,
//      from-slot (aocore extension), from-uncommitted, from-base, and from-scheduler /
//      from-authority when the sender's definition has them), signs it with the node wallet
//      and schedules it on the target (process@1.0 `schedule`, method POST);
//   3. pushes the new slot on the target in turn (process@1.0 `push`, depth + 1), depth-first.
// The entry for a delivered message is {id, target, slot, resulted-in: <the target's push
// result>}; an entry without a target is {response: error, status: 404, outbox-index,
// reason: "Target process not available.", message}. A failure of one entry never loses the
// others. The result is {process, slot, <outbox key>: entry...} plus, while `result-depth`
// (default 1, decremented per level) is > 0, the keys of the slot's `results`.
//
// Spawns (push_spawn.h): after the outbox, each of the slot's spawns (results/json/body's
// `Spawns`, else results/spawns/<n>) becomes a process, as the ao MU does: an ANS-104 item
// signed by the node wallet, scheduled (process@1.0 `spawn`) and its slot 0 pushed; then the
// parent is sent a "Spawned" item (Action: Spawned, Process: <child>, the spawn's tags) which
// is scheduled and pushed in turn. The result's `spawned/<n>` is {process: <child>, slot: 0,
// resulted-in, spawned: {id, target: <parent>, slot, resulted-in}}, or {response: error,
// spawn-index, reason} (e.g. a spawn without a Module tag). Both are recorded as the outbox is
// (push/<process>/<slot>/spawn/<n> and .../spawned/<n>): a re-push spawns and tells once.
//
// Depth (aocore extension; the reference recurses without bound): `push-depth` is the
// current depth (0 at the top); past `push-max-depth` (request, else the process definition,
// else kDefaultPushMaxDepth) a message is still scheduled — it is never lost — but not pushed
// further: its `resulted-in` is {response: error, status: 508, reason: ...}.
//
// Exactly-once delivery per (process, slot, outbox key): a delivered message is recorded in
// the store at push/<process>/<slot>/<base64url(outbox key)> as "<target> <slot> <id>"; a
// re-push of the slot reports the recorded assignment (and re-pushes it downstream, which is
// itself deduplicated) instead of scheduling again. Concurrent pushes of one (process, slot)
// on one store are serialised by a claim: the second gets {status: 409}. The record is written in
// the same store batch as the message's assignment (AssignmentHooks, shared with
// scheduler@1.0), so neither a crash nor a lost scheduling reply can deliver a message without
// its record; with a scheduler device that does not take the hook the record follows in a
// second write (docs/deviations.md).
//
// Without a `slot`, the request's `body` (else the request) is scheduled on the process first
// and its slot pushed, as the reference's push of a message.
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
