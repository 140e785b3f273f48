// The devices every node preloads (the reference's `preloaded_devices`): every device of this
// folder (builtin_devices.cc registers them), each also under the module alias the reference's
// atoms name (dev_message, dev_process, dev_scheduler, ...).
//
// Thread-safety: RegisterBuiltinDevices is as thread-safe as DeviceRegistry::Register.
#pragma once

#include "aocore/ao/device_registry.h"
#include "aocore/common/status.h"

namespace ao {

Status RegisterBuiltinDevices(DeviceRegistry& registry);

}  // namespace ao
