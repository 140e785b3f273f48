// The devices every node preloads (the reference's `preloaded_devices`): every device of this
// folder, each also under the module alias the reference's atoms name (dev_message, dev_process,
// dev_scheduler, ...). The devices that need more of the node than their messages get it here,
// when the node builds its registry: each receives exactly its own services (BuiltinDeviceServices).
//
// Thread-safety: RegisterBuiltinDevices is as thread-safe as DeviceRegistry::Register.
#pragma once

#include <vector>

#include "aocore/ao/device_registry.h"
#include "aocore/ao/path_argument.h"
#include "aocore/common/status.h"
#include "aocore/devices/process_device.h"
#include "aocore/devices/push_device.h"
#include "aocore/devices/scheduler_device.h"
#include "aocore/devices/wasm_process_device.h"

namespace ao {

class CronScheduler;

// One field per device that needs a node; the default (no node) gives each device nothing, and
// those devices then answer error results (plain engine tests).
struct BuiltinDeviceServices {
  ProcessDeviceServices process;
  SchedulerDeviceServices scheduler;
  PushDeviceServices push;
  CronScheduler* cron = nullptr;
  WasmProcessDeviceServices wasm;
};

Status RegisterBuiltinDevices(DeviceRegistry& registry, const BuiltinDeviceServices& services = {});

// The path arguments the built-in devices declare (ao/path_argument.h), for the node's path
// parser: process@1.0's `compute/<slot>`.
std::vector<PathArgument> BuiltinPathArguments();

}  // namespace ao
