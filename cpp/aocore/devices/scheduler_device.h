// scheduler@1.0, the AO scheduler device: port of src/dev_scheduler.erl (the local parts of
// spec/scheduler_store.md §1). The node builds it with the services it uses
// (SchedulerDeviceServices); built without a scheduler registry every key is an error result
// {status: 500, body: ...}, never a crash.
//
// Keys (info: exports location/status/next/schedule/slot/init/checkpoint, excludes set/keys,
// default = schedule, as the reference):
//   schedule  method POST (§1.4): the message is the request's `body`, else the request; its
//             process is id(message, all) if it is a Process, else its `target`, else the
//             find-target rules (§1.2). The message is reduced to its committed keys and the
//             registry schedules it, verifying its commitments there, once (unsigned messages
//             pass; a failure is 400 with reason kInvalidSignatureReason), and storing it, a
//             Process too, with its assignment: {ok, signed assignment}.
//             method GET (§1.5): a range of the target's schedule, `from`/`to` inclusive
//             (`from` default 0, negatives clamped; `to` default the latest slot), pages of at
//             most kMaxSchedulePage (1000) with an exact `continues`/has_next_page, as the
//             internal bundle or, with `accept: application/aos-2`, the aos-2 JSON (§5).
//   slot      {process, current (-1 when none), timestamp, block-height (integer), block-hash,
//             cache-control: no-store, wallet-address} (§1.6).
//   status    {address: node wallet address, processes: [live schedulers], cache-control}.
//   next      for process@1.0 (§1.9): the assignment for base's `at-slot` + 1, from the
//             prefetched list in base's priv `scheduler@1.0/assignments` or the store:
//             {ok, {body: assignment, state: base with the rest prefetched}}, or
//             {error, {status: 503, body: "No assignment found for next slot."}}.
//   location  GET: the cached record at scheduler-locations/<address>, else the reference's
//             {status: 404, body: "No location found for address: <addr>"}; POST is not
//             supported yet (error 501).
//   checkpoint  the base unchanged.   info  the info table above as a message.
//   any other key (init included) behaves as `schedule`, as the reference's default router.
//
// Finding the scheduler (§1.3): a `?hint=URL` in the process ID or in a scheduler address is
// a 307 redirect message; a live local scheduler, or a process whose `scheduler` /
// `scheduler-location` names this node's address, is local; a process message that cannot
// be found, or that names no scheduler, is a typed error result. A process whose schedule
// already lives in this node's store, signed by this node, counts as local even when its
// message is not found. A process message not found here is fetched from the node's peers.
// A foreign scheduler named in the node's `peers` option (SchedulerDeviceServices::peers,
// scheduler/peer_schedules.h): with `scheduler_follow_redirects` (default on) POST schedule and
// slot are forwarded to the peer and its answer returned (503/504 when it cannot be asked), GET
// schedule pulls the peer's assignments (verified; 422 naming a slot that fails) and serves the
// stored copy; off, a 307 redirect to `<peer>/<pid>/schedule` (or `/slot`). A foreign scheduler
// with no hint, no location record and no peer is an error result {status: 502, reason:
// "unknown_peer"}.
//
// Fixed (typed error results {error, {status, body[, reason]}} instead of crashes): methods
// other than GET/POST (400), unparseable from/to (400), invalid process IDs (400), find_server
// errors in slot/GET schedule (the reference raises), a missing `at-slot` (taken as -1).
// Also fixed: `slot` gives block-height and block-hash their right values (§8.12), negative
// `from` strings are clamped (§8.13), `status` reports the node wallet (§8.20). The details are
// in docs/deviations.md ("Scheduler device").
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
