#include "aocore/node/meta_device.h"

#include "aocore/ao/resolver.h"
#include "aocore/devices/node_services.h"

namespace ao {
namespace {

Result<ResolveResult> Info(const DeviceCall& c) {
  const Value* method = c.req.Find("method");
  if (method != nullptr && method->is_binary() && method->binary() != "GET") {
    return ErrorResult(501, "meta@1.0: changing node options over HTTP is not supported");
  }
  const NodeServices* services = c.opts.services;
  if (services == nullptr) return ErrorResult(500, "meta@1.0: no node services");
  Value::List devices;
  for (const std::string& name : c.resolver.registry().Names()) devices.emplace_back(Bytes(name));
  Message info{
      {"address", Value(Bytes(services->address))},
      {"version", Value(AOCORE_VERSION)},
      {"devices", Value(std::move(devices))},
      {"scheduling-mode", Value(Bytes(SchedulingModeName(services->scheduling_mode)))},
      {"http-server", Value("aocore")},
  };
  return ResolveResult::Ok(Value(std::move(info)));
}

}  // namespace

DevicePtr MakeMetaDevice() {
  auto dev = FunctionDevice::Module("meta@1.0");
  dev->AddKey("info", Info).SetExports({"info"});
  return dev;
}

}  // namespace ao
