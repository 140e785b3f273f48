// meta@1.0, the node's self-description: the `info` key of src/dev_meta.erl as a node serves it
// at GET /~meta@1.0/info. Only the read side is ported: {address, version, devices,
// scheduling-mode, http-server: "aocore"}; the reference's node-configuration writes (POST
// info with a signed request changing node options) are not (an error result 501).
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
