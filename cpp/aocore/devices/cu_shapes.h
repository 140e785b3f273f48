// The ao compute unit's (CU) JSON shapes for AO-Core messages, what genesis-wasm@1.0 hands an
// AOS module: the message a slot's assignment becomes, the env of a process and its module, and
// the result the CU keeps for a slot (ao-loader's result without Memory). See
// shared/spec/aos_wasm.md "JSON shapes" and docs/aos.md.
//
// Which fields a message has:
//   * a message with an ans104@1.0 commitment (what aoconnect signs) gives the item's own
//     fields: Id, Owner (the signer's address), Signature, Target, Anchor, Data and its tags
//     with their original names, in their order;
//   * any other message gives its ID over all commitments, the first committer as Owner, and as
//     Tags its binary keys other than id/anchor/owner/data/target/signature/commitments, in key
//     order, with names in header case (`action` -> `Action`, `from-process` ->
//     `From-Process`): AO-Core keys are lower-case, and AOS matches tags case-sensitively.
//   From = the From-Process tag when present, else Owner.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao::cu {

struct MessageFields {
  std::string id;
  std::string owner;
  std::string signature;
  std::string target;
  std::string anchor;
  std::string data;
  std::vector<std::pair<std::string, std::string>> tags;  // name, value; in order
  // The value of the first tag named `name` (case-sensitive), if any.
  const std::string* Tag(std::string_view name) const;
};

// The fields of `message` (see the header comment). InvalidArgument when its ID cannot be taken.
Result<MessageFields> FieldsOf(const Message& message);

// The CU message for a slot: `assignment` (slot, timestamp, block-height, hash-chain, epoch,
// body = the scheduled message); Nonce = the slot. Keys in the CU's order.
Result<std::string> MessageJson(const Message& assignment, bool read_only = false);

// The CU message for a message evaluated without an assignment (a dry run): Nonce, Timestamp
// and Block-Height are those given, Read-Only is true. A signed item's keys that its signature
// does not cover (tags a request added) follow its tags; an unsigned message's `id` and `owner`
// keys are its Id and Owner (the CU's dry-run JSON names them), and `from` is not a tag.
Result<std::string> DryRunMessageJson(const Message& message, int64_t nonce, int64_t timestamp,
                                      int64_t block_height);

// {"Process":{Id,Owner,Tags},"Module":{Id,Owner,Tags}}.
std::string EnvJson(const MessageFields& process, const MessageFields& module);

// The CU's result for the module's raw `{"ok":…,"response":…}` text (ao-loader's order: Error
// when set, Output, Messages, Spawns, Assignments, Patches, GasUsed), or for a trap
// (`{"Error":"<kind>: <message>"}`). `error` is set when the result carries an Error.
struct EvalResult {
  std::string json;
  bool error = false;
};
EvalResult ResultJson(std::string_view raw);
EvalResult TrapResultJson(std::string_view kind, std::string_view message);

// Each entry of a result's `Messages` (or `Spawns`) as an AO-Core message: lower-cased tag
// names as keys, plus `target`, `data` and `anchor` when set (the shape push@1.0 reads from
// results/outbox). Empty when the list is missing or malformed.
std::vector<Message> OutgoingMessages(std::string_view result_json, std::string_view list = "Messages");

}  // namespace ao::cu
