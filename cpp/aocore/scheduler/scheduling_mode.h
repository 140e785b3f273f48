// SchedulingMode: when a scheduler replies to a caller (the reference's `scheduling_mode`
// option). The node's options (node/node_options.h) and the
// scheduler (process_scheduler.h) share this one definition.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "aocore/common/result.h"

namespace ao {

enum class SchedulingMode {
  kAggressive,          // reply once the assignment batch is written (no fsync)
  kLocalConfirmation,   // reply once the batch is synced to disk (default)
  kRemoteConfirmation,  // reply once an uploader accepted the assignment
};

// "local_confirmation" / "aggressive" / "remote_confirmation". "disabled" is Unavailable
// (scheduling refused); anything else is InvalidArgument (the reference never replies).
Result<SchedulingMode> ParseSchedulingMode(std::string_view name);
std::string_view SchedulingModeName(SchedulingMode mode);

}  // namespace ao
