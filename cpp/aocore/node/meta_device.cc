#include "aocore/node/meta_device.h"

#include <memory>
#include <utility>

#include "aocore/ao/resolver.h"

namespace ao {
namespace {

struct NodeFacts {
  std::string address;
  SchedulingMode mode;
};

Result<ResolveResult> Info(const NodeFacts& node, const DeviceCall& c) {
  const Value* method = c.req.Find("method");
  if (method != nullptr && method->is_binary() && method->binary() != "GET") {
    return ErrorResult(501, "meta@1.0: changing node options over HTTP is not supported");
  }
  Value::List devices;
  for (const std::string& name : c.resolver.registry().Names()) devices.emplace_back(Bytes(name));
  Message info{
      {"address", Value(Bytes(node.address))},
      {"version", Value(AOCORE_VERSION)},
      {"devices", Value(std::move(devices))},
      {"scheduling-mode", Value(Bytes(SchedulingModeName(node.mode)))},
      {"http-server", Value("aocore")},
  };
  return ResolveResult::Ok(Value(std::move(info)));
}

}  // namespace

DevicePtr MakeMetaDevice(std::string address, SchedulingMode mode) {
  auto node = std::make_shared<const NodeFacts>(NodeFacts{std::move(address), mode});
  auto dev = FunctionDevice::Module("meta@1.0");
  dev->AddKey("info", [node](const DeviceCall& c) { return Info(*node, c); }).SetExports({"info"});
  return dev;
}

}  // namespace ao
