// The spawn half of push@1.0: the items push@1.0 signs for a slot's `Spawns` (the CU result's
// list of new processes a process asked for, AOS's `ao.spawn`). What the ao messenger unit (MU)
// does with a spawn (permaweb/ao servers/mu: lib/spawn-process.js, lib/build-success-tx.js):
//
//   * the child process is a new ANS-104 item signed by the MU's wallet (here the node's), with
//     the spawn's Data (a single space when empty), no target and no anchor, and its tags in
//     order: the spawn's tags less Data-Protocol and Type; then Variant (ao.N.1 when the spawn's
//     Variant is ao.N.1, else ao.TN.1; the spawn's own Variant tag stays, as the MU keeps it),
//     Data-Protocol: ao, Type: Process, From-Process: <parent>; then Scheduler: <the parent's
//     scheduler> when the spawn names none. Every From-Module tag takes the parent's Module.
//     A spawn without a Module tag is refused (the MU refuses it too).
//     aocore extension: when the spawn names no Device / Execution-Device, the parent's are
//     appended (a node needs them to run the child; the MU has no such notion).
//   * the parent is then told with a message item signed by the same wallet, targeting the
//     parent, data " ", tags: the spawn's tags less Data-Protocol: ao, Variant and Type; then
//     Data-Protocol: ao, Type: Message, Process: <child ID>, Action: Spawned, Variant (as
//     above). The spawn's own From-Process (AOS sets it to the parent) and Reference tags are
//     kept, which is what `ao.spawn(...).receive()` and `onReply` match on (AOS's Handlers
//     match Action = "Spawned", From = the parent, Reference = the spawn's).
//
// Where the spawns come from: a slot's `results/json/body` (the CU result JSON) when it holds a
// `Spawns` list, which keeps the tags' order and exact names; else `results/spawns/<n>`, the
// messages of the contract (lower-cased tag names as keys, in key order, plus `data`).
//
// Thread-safety: pure functions on values, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/avro_tags.h"
#include "aocore/message/message.h"

namespace ao::push {

// One entry of a result's Spawns.
struct SpawnRequest {
  std::vector<Tag> tags;  // in order; names may repeat
  Bytes data;
};

// The spawns of a slot's `results` (see above), in order. Empty when there are none.
std::vector<SpawnRequest> SlotSpawns(const Message& results);

// What the child inherits from its parent: the parent's process ID, its Module, scheduler
// address and device keys (empty when the parent has none).
struct SpawnParent {
  std::string id;
  std::string module;
  std::string scheduler;
  std::string device;
  std::string execution_device;
};

// The child process message: the signed item (ans104@1.0 commitment) the MU would post to
// the scheduler. InvalidArgument when the spawn names no Module or its tags break the ANS-104
// limits.
Result<Message> ChildProcessMessage(const SpawnRequest& spawn, const SpawnParent& parent, const Wallet& wallet);

// The "Spawned" notice to the parent, signed by `wallet`.
Result<Message> SpawnedNoticeMessage(const SpawnRequest& spawn, std::string_view parent_id,
                                     std::string_view child_id, const Wallet& wallet);

}  // namespace ao::push
