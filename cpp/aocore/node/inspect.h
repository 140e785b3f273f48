// Store inspection for `aocore inspect`: what processes a node's store holds, how far each is
// scheduled and computed, and its latest restore point.
//
// Thread-safety: as thread-safe as the node it reads (safe for concurrent use).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/node/node.h"

namespace ao {

struct ProcessSummary {
  std::string process_id;
  std::optional<uint64_t> assigned_slot;   // latest assignment, nullopt when none
  std::optional<uint64_t> computed_slot;   // latest computed state
  std::optional<uint64_t> snapshot_slot;   // latest restore point
};

// Every process with assignments in the node's store, sorted by ID.
Result<std::vector<ProcessSummary>> SummarizeProcesses(Node& node);

}  // namespace ao
