#include "aocore/ao/device_registry.h"

#include <mutex>

#include "aocore/common/bytes.h"
#include "aocore/message/key.h"

namespace ao {
namespace {

// Device names are lower-cased like keys, except that ID-shaped names are IDs (remote devices).
Result<std::string> DeviceNameKey(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("device_not_loadable: empty device name");
  std::string out;
  out.reserve(name.size());
  bool ascii = true;
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x80) { ascii = false; break; }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  if (ascii) return out;
  return NormalizeKey(name);
}

}  // namespace

Status DeviceRegistry::Register(std::string_view name, DevicePtr device) {
  if (!device) return Status::InvalidArgument("cannot register a null device as '" + std::string(name) + "'");
  if (IsIdShaped(name)) {
    return Status::InvalidArgument("a device name of 32, 42 or 43 bytes would be taken for an ID: '" +
                                   std::string(name) + "'");
  }
  AO_ASSIGN_OR_RETURN(std::string key, DeviceNameKey(name));
  std::unique_lock lock(mu_);
  devices_.insert_or_assign(std::move(key), Entry{std::move(device), false});
  return Status::OK();
}

Status DeviceRegistry::RegisterAlias(std::string_view alias, std::string_view name) {
  AO_ASSIGN_OR_RETURN(std::string akey, DeviceNameKey(alias));
  AO_ASSIGN_OR_RETURN(std::string nkey, DeviceNameKey(name));
  std::unique_lock lock(mu_);
  auto it = devices_.find(nkey);
  if (it == devices_.end()) return Status::NotFound("no device named '" + std::string(name) + "' to alias");
  DevicePtr dev = it->second.device;
  devices_.insert_or_assign(std::move(akey), Entry{std::move(dev), true});
  return Status::OK();
}

Result<DevicePtr> DeviceRegistry::Find(std::string_view name) const {
  if (IsIdShaped(name)) {
    return Status::InvalidArgument("device_not_loadable: remote_devices_disabled: '" + std::string(name) +
                                   "' is a device ID and remote devices are not loaded");
  }
  AO_ASSIGN_OR_RETURN(std::string key, DeviceNameKey(name));
  std::shared_lock lock(mu_);
  auto it = devices_.find(key);
  if (it == devices_.end()) {
    return Status::InvalidArgument("device_not_loadable: module_not_admissable: no device named '" +
                                   std::string(name) + "'");
  }
  return it->second.device;
}

std::vector<std::string> DeviceRegistry::Names() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, e] : devices_) {
    if (!e.alias) out.push_back(k);
  }
  return out;
}

}  // namespace ao
