// Assignment: the message a scheduler issues for each scheduled message, the port of
// dev_scheduler_server's assignment construction. An assignment
// binds one message (its `body`) to one slot of one process; it is signed by the node wallet
// after it is built (the signer is injected into the scheduler; see process_scheduler.h).
//
// Fields and types, exactly as the reference:
//   path             list of the body's own `path` segments if it has a binary/list path,
//                    else the binary "compute"
//   data-protocol    "ao"                      variant  "ao.N.1"
//   process          the process ID (43-character text)
//   epoch            "0"  (a STRING, not an integer, as the reference)
//   slot             integer
//   block-height     integer    block-hash  43-character text   block-timestamp  integer
//   timestamp        integer: the scheduler's wall clock in ms (non-decreasing per process:
//                    aocore takes it inside the serial section and clamps it)
//   hash-chain       43-character base64url of the chain value (hash_chain.h)
//   body             the scheduled message (nested message)
//   commitments      added by the signer
// There is no separate `message` field: consumers derive the message ID from `body`.
// The reference first reduces a signed body to its committed keys
// (hb_message:with_only_committed); in aocore the scheduler@1.0 device does that before
// scheduling, and the body is stored as given here (the content cache drops private keys).
//
// Thread-safety: pure functions over value types.
#pragma once

#include <cstdint>
#include <string>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/message/value.h"

namespace ao {

inline constexpr char kAssignmentDataProtocol[] = "ao";
inline constexpr char kAssignmentVariant[] = "ao.N.1";
inline constexpr char kAssignmentEpoch[] = "0";
inline constexpr char kDefaultAssignmentPath[] = "compute";
// The human form of a 32-byte all-zero block hash: what the reference's debug mode reports.
inline constexpr char kDebugBlockHash[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

// Arweave block data stamped on each assignment (the port of ar_timestamp's tuple). The default
// is the reference's debug mode: (0, 0, 43 x 'A').
struct BlockInfo {
  int64_t height = 0;
  int64_t timestamp = 0;  // seconds
  std::string hash = kDebugBlockHash;
};

// Everything an assignment is built from.
struct AssignmentFields {
  std::string process_id;
  int64_t slot = 0;
  int64_t timestamp_ms = 0;
  BlockInfo block;
  std::string hash_chain;  // base64url text of the new chain value
  Message body;
};

// The `path` an assignment of `body` gets (see the field table above).
Value AssignmentPathFor(const Message& body);

// The unsigned assignment message.
Message BuildAssignment(const AssignmentFields& fields);

// The fields of a (signed or unsigned) assignment, checked for the exact types above.
struct ParsedAssignment {
  std::string process_id;
  int64_t slot = 0;
  int64_t timestamp_ms = 0;
  BlockInfo block;
  std::string hash_chain;
  Value path;
  Message body;
};

// InvalidArgument naming the field when a field is missing or has the wrong type or value.
Result<ParsedAssignment> ParseAssignment(const Message& assignment);

}  // namespace ao
