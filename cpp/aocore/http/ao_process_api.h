// AoProcessApi: the process operations that the routes of the AO clients (aoconnect's mainnet
// mode, ao_mainnet_routes.h, and legacy mode, ao_legacy_routes.h) share, on top of the node's
// devices: load a process by ID, spawn one from a signed item, schedule a message and push its
// outbox (push@1.0), read the compute-unit (CU) result of a slot, and dry-run a message.
//
// The CU result of a slot is the state's `results/json/body` (the JSON text the execution device
// produced: {Output, Messages, Spawns, Assignments, Error, GasUsed}; /work/shared CONTRACT.md,
// docs/interop.md). A dry run computes the process up to its current slot, then resolves
// `compute` on that state with the process's execution device swapped in and the request
// {path: compute, slot: <current + 1>, process: <pid>, read-only: true, body: <message>};
// nothing is scheduled or stored, and the execution device must not keep the state it returns
// (the `read-only` key says so, as the CU's Read-Only field does).
//
// Errors are typed: InvalidArgument (400) for a bad slot or message, NotFound (404) for an
// unknown process, message or a slot not scheduled yet, and the node's own errors (503/504)
// otherwise; a device's error result with an HTTP status keeps its meaning (404, 503, 504; other
// 4xx are InvalidArgument, and InvalidSignature (422) for the scheduler's refusal of a message
// whose commitments do not verify). HttpStatusForRoute maps them back.
//
// Thread-safety: stateless functions over a Node (itself safe from any thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/http/connection_loop.h"
#include "aocore/message/message.h"

namespace ao {

class Node;

// The stored process `pid` as a process@1.0 base: a definition without a `device` key (legacy
// ao.TN.1 spawns name none) gets device process@1.0, as the mainnet path `<pid>~process@1.0`
// asks. NotFound when nothing is stored under `pid`; InvalidArgument when it is not a process
// (no `type: Process` and no process@1.0 device) or `pid` is not an ID.
Result<Message> LoadAoProcess(Node& node, std::string_view pid);

// The ID of `process` (the item ID for a process spawned from an ANS-104 item).
Result<std::string> AoProcessId(const Message& process);

// Schedules the signed process definition on its scheduler (slot 0); returns the process ID.
Result<std::string> SpawnAoProcess(Node& node, Message definition);

// Schedules `message` on `process`, then pushes the slot (push@1.0: the messages its results
// send to processes on this node are scheduled there and pushed in turn). Returns the slot. A
// failed push does not undo the scheduling: it is logged and the slot is still returned.
Result<int64_t> ScheduleAndPush(Node& node, const Message& process, Message message);

// The process's current (last assigned) slot.
Result<int64_t> CurrentAoSlot(Node& node, const Message& process);

// The CU result JSON of the state after `slot` (a decimal slot number, or the ID of a message
// scheduled on the process). NotFound for a slot after the current one or an unknown message.
Result<std::string> AoSlotResult(Node& node, const Message& process, std::string_view slot_or_id);
Result<std::string> AoSlotResultAt(Node& node, const Message& process, int64_t slot);

// The slot of the message `id` scheduled on `process` (the process is computed up to it).
// NotFound when no such message is scheduled there.
Result<int64_t> AoMessageSlot(Node& node, const Message& process, std::string_view id);

// The CU result JSON of `message` evaluated on the current state, without scheduling it.
Result<std::string> AoDryRun(Node& node, const Message& process, Message message);

// --- requests and replies ----------------------------------------------------------------

// A posted ANS-104 body (a signed item, as aoconnect sends it) as the message it maps to
// (ans104_message.h), its signature not checked: the scheduler that accepts the item for a slot
// checks it, once (process_scheduler.h); a route that uses an item without scheduling it checks it
// itself (VerifyPostedItem). InvalidArgument "request body: <reason>" for an item that cannot be
// read or represented, or is unsigned.
Result<Message> DecodePostedItem(std::string_view body);
// OK when the signature of a DecodePostedItem message verifies (one RSA check), else
// InvalidSignature: for the routes that use an item without scheduling it.
Status VerifyPostedItem(const Message& item);
// The answer to a posted item whose signature does not verify (422), whichever layer found it.
HttpResponse ForgedItemReply();
// The answer to a Status from scheduling a posted item: ForgedItemReply() for InvalidSignature
// (the scheduler's one check of the item failed), else AoErrorReply(status).
HttpResponse PostedItemErrorReply(const Status& status);

// The segments of a request target, still percent-encoded, without its query; empty segments
// are dropped ("/a//b?x" -> ["a", "b"]).
std::vector<std::string_view> AoPathSegments(std::string_view target);
// `s` as a JSON string literal.
std::string AoJsonString(std::string_view s);

// --- replies -----------------------------------------------------------------------------

// The HTTP status of a Status from the functions above.
int HttpStatusForRoute(const Status& status);
// {"status": code, "error": name, "message": text}, as every other error of the server.
HttpResponse AoErrorReply(int status, std::string_view message);
HttpResponse AoErrorReply(const Status& status);
HttpResponse AoJsonReply(int status, std::string json);
HttpResponse AoTextReply(int status, std::string text);

}  // namespace ao
