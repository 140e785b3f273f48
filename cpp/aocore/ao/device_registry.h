// DeviceRegistry: name@version -> Device, the port of the reference's `preloaded_devices`
// option and hb_ao_device:load_device for names. Names are matched
// case-insensitively ("Stack@1.0" finds stack@1.0). A name can also be registered under
// aliases (the reference's module atoms, e.g. "dev_message" for message@1.0).
// An unknown name is a typed InvalidArgument error ("device_not_loadable ..."), never a crash;
// an ID-shaped name (32/42/43 bytes) is a remote device, which this port does not load
// ("remote_devices_disabled").
//
// Thread-safety: safe for concurrent use without external synchronization (a reader-writer
// lock guards the table; it is a leaf lock, never held while calling a device).
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/ao/device.h"
#include "aocore/common/result.h"

namespace ao {

class DeviceRegistry {
 public:
  DeviceRegistry() = default;
  DeviceRegistry(const DeviceRegistry&) = delete;
  DeviceRegistry& operator=(const DeviceRegistry&) = delete;

  // Registers `device` under `name` (e.g. "message@1.0"), replacing any device of that name.
  // InvalidArgument for an empty/ID-shaped name or a null device. Thread-safe.
  Status Register(std::string_view name, DevicePtr device);
  // Registers an extra name for an already registered device (NotFound if `name` is unknown).
  // Aliases are not listed by Names(). Thread-safe.
  Status RegisterAlias(std::string_view alias, std::string_view name);

  // The device registered under `name` (case-insensitive). InvalidArgument
  // "device_not_loadable: ..." when unknown, or "remote_devices_disabled" for an ID. Thread-safe.
  Result<DevicePtr> Find(std::string_view name) const;

  // Registered names (lower-case, sorted; aliases excluded). Thread-safe.
  std::vector<std::string> Names() const;

 private:
  struct Entry {
    DevicePtr device;
    bool alias = false;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, Entry, std::less<>> devices_;  // Guarded by mu_; keys lower-case
};

}  // namespace ao
