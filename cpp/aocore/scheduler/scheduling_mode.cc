#include "aocore/scheduler/scheduling_mode.h"

#include <string>

namespace ao {

Result<SchedulingMode> ParseSchedulingMode(std::string_view name) {
  if (name == "local_confirmation") return SchedulingMode::kLocalConfirmation;
  if (name == "aggressive") return SchedulingMode::kAggressive;
  if (name == "remote_confirmation") return SchedulingMode::kRemoteConfirmation;
  if (name == "disabled") return Status::Unavailable("scheduling is disabled on this node");
  return Status::InvalidArgument("unknown scheduling_mode '" + std::string(name) +
                                 "' (expected local_confirmation, aggressive or "
                                 "remote_confirmation)");
}

std::string_view SchedulingModeName(SchedulingMode mode) {
  switch (mode) {
    case SchedulingMode::kAggressive:
      return "aggressive";
    case SchedulingMode::kLocalConfirmation:
      return "local_confirmation";
    case SchedulingMode::kRemoteConfirmation:
      return "remote_confirmation";
  }
  return "?";
}

}  // namespace ao
