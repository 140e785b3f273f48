// The devices every node preloads (the reference's `preloaded_devices`): message@1.0,
// scheduler@1.0,
// stack@1.0 and test-device@1.0 so far, plus the module aliases the reference's atoms name
// (dev_message, dev_scheduler, dev_stack, dev_test).
//
// Thread-safety: RegisterBuiltinDevices is as thread-safe as DeviceRegistry::Register.
#pragma once

#include "aocore/ao/device_registry.h"
#include "aocore/common/status.h"

namespace ao {

Status RegisterBuiltinDevices(DeviceRegistry& registry);

}  // namespace ao
