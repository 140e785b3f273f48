// Schedule response formats, the port of dev_scheduler_formats:
//   * the internal ("application/http", bundle) format, a message:
//       {type: "schedule", process, continues: true|false (atom), timestamp, block-height,
//        block-hash, assignments: {"<slot>": <signed assignment>, ...}}
//   * "application/aos-2", the legacy JSON the ao CU reads:
//       {content-type: "application/json", body: <JSON text>} with
//       {"page_info": {"process", "has_next_page" (bool), "timestamp" (string),
//                      "block-height" (string), "block-hash"},
//        "edges": [{"cursor": <slot, a JSON number>, "node": {"message": {...},
//                   "assignment": {...}}}, ...]}
//     where each object is {"Id", "Anchor", "Owner", "From", "Tags": [{"name","value"}],
//     "Target", "Data", "Signature"} built from the message's TABM form without commitments.
//     The cursor is the slot itself; since `from` is inclusive, a client paging with the last
//     cursor sees one edge again (the CU relies on this; kept for wire compatibility).
// SelectScheduleFormat picks one from an `accept` value exactly as the reference: only the
// exact (percent-decoded) text "application/aos-2" selects aos-2.
//
// Tags are the binary fields of the message's TABM (MessageToTabm of the message without its
// commitments), `ao-types` included, names in Header-Case.
// Differences from the reference, documented in docs/deviations.md: Tags come in bytewise key
// order for every message size (Erlang map order is hash order beyond 32 keys); nested message
// values produce no tag; ANS-104 `original-tags` are not consulted yet (no ANS-104 codec).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/scheduler/assignment.h"

namespace ao {

// One page of a process's schedule.
struct SchedulePage {
  std::string process_id;
  std::vector<Message> assignments;  // consecutive slots, in order
  bool has_next_page = false;        // the reference's `continues`
  BlockInfo block;                   // the scheduler's current block data
};

enum class ScheduleFormat { kBundle, kAos2 };

inline constexpr char kAos2ContentType[] = "application/aos-2";

// The format an `accept` value selects (percent-decoded first; default bundle).
ScheduleFormat SelectScheduleFormat(std::string_view accept);

// The internal bundle. InvalidArgument when an assignment has no integer `slot`.
Result<Message> ScheduleToBundle(const SchedulePage& page);

// application/aos-2: the JSON text, and the response message carrying it.
Result<std::string> ScheduleToAos2Json(const SchedulePage& page);
Result<Message> ScheduleToAos2(const SchedulePage& page);

// "block-height" -> "Block-Height": every '-'-separated word capitalised.
std::string HeaderCase(std::string_view key);

}  // namespace ao
