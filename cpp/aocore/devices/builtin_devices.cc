#include "aocore/devices/builtin_devices.h"

#include "aocore/devices/cron_device.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/patch_device.h"
#include "aocore/devices/process_device.h"
#include "aocore/devices/push_device.h"
#include "aocore/devices/scheduler_device.h"
#include "aocore/devices/stack_device.h"
#include "aocore/devices/test_device.h"
#include "aocore/devices/wasm_process_device.h"

namespace ao {

Status RegisterBuiltinDevices(DeviceRegistry& registry, const BuiltinDeviceServices& services) {
  AO_RETURN_IF_ERROR(registry.Register("cron@1.0", MakeCronDevice(services.cron)));
  AO_RETURN_IF_ERROR(registry.Register("message@1.0", MakeMessageDevice()));
  AO_RETURN_IF_ERROR(registry.Register("patch@1.0", MakePatchDevice()));
  AO_RETURN_IF_ERROR(registry.Register("process@1.0", MakeProcessDevice(services.process)));
  AO_RETURN_IF_ERROR(registry.Register("push@1.0", MakePushDevice(services.push)));
  AO_RETURN_IF_ERROR(registry.Register("scheduler@1.0", MakeSchedulerDevice(services.scheduler)));
  AO_RETURN_IF_ERROR(registry.Register("stack@1.0", MakeStackDevice()));
  AO_RETURN_IF_ERROR(registry.Register("test-device@1.0", MakeTestDevice()));
  AO_RETURN_IF_ERROR(registry.Register(kGenesisWasmDevice, MakeWasmProcessDevice(services.wasm)));
  AO_RETURN_IF_ERROR(registry.RegisterAlias(kAosDevice, kGenesisWasmDevice));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_cron", "cron@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_message", "message@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_patch", "patch@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_process", "process@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_push", "push@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_scheduler", "scheduler@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_stack", "stack@1.0"));
  AO_RETURN_IF_ERROR(registry.RegisterAlias("dev_test", "test-device@1.0"));
  return Status::OK();
}

std::vector<PathArgument> BuiltinPathArguments() { return process::PathArguments(); }

}  // namespace ao
