// The reference's fixture devices (ARGS, DEFAULT, HANDLER, SETCOUNT, FLAG, EXPORTS,
// EXCLUDES, APPEND, PREFIXER, MAKE_COOL) as C++ map devices, and small helpers for the resolver
// and device tests.
//
// Thread-safety: the devices are stateless and safe from any thread.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "aocore/ao/device.h"
#include "aocore/ao/device_registry.h"
#include "aocore/ao/resolver.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/message/message.h"

namespace ao::testing {

DevicePtr ArgsDevice();
DevicePtr DefaultDevice();
DevicePtr HandlerDevice();
DevicePtr SetCountDevice();
DevicePtr FlagDevice();
DevicePtr ExportsDevice();
DevicePtr ExcludesDevice();
// APPEND(sep, status): append(base, req) -> base.pass == 3 ? {ok, base}
//                                          : {status, base + {result: base.result ++ sep ++ req.bin}}
DevicePtr AppendDevice(std::string sep, std::string status = "ok");
DevicePtr PrefixerDevice();
DevicePtr MakeCoolDevice();

// A registry with the built-in devices (given `services`, as a node builds them; by default
// without a node), and a resolver over it.
std::shared_ptr<DeviceRegistry> BuiltinRegistry(const BuiltinDeviceServices& services = {});
std::unique_ptr<Resolver> MakeResolver(std::shared_ptr<const MessageLoader> loader = nullptr,
                                       const BuiltinDeviceServices& services = {});

// `m` without its top-level `priv` (the vectors compare results that way).
Message WithoutPriv(const Message& m);
Value WithoutPriv(const Value& v);

}  // namespace ao::testing

namespace ao {
// GoogleTest printers (found by ADL), so failures show values, not bytes.
inline void PrintTo(const Value& v, std::ostream* os) { *os << v.DebugString(); }
inline void PrintTo(const Message& m, std::ostream* os) { *os << m.DebugString(); }
inline void PrintTo(const ResolveResult& r, std::ostream* os) { *os << r.DebugString(); }
}  // namespace ao
