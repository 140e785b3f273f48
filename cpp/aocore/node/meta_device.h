// meta@1.0, the node's self-description (port of dev_meta's read side; notes:
// docs/devices.md#meta). Key: info (GET) -> {address, version, devices, scheduling-mode,
// http-server: "aocore"}; writes are an error result 501.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <string>

#include "aocore/ao/device.h"
#include "aocore/scheduler/scheduling_mode.h"

namespace ao {

// The meta@1.0 device of the node whose wallet address is `address`, scheduling in `mode`.
DevicePtr MakeMetaDevice(std::string address, SchedulingMode mode);

}  // namespace ao
