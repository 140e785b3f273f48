// stack@1.0 runs a request through the stack of devices in the base's `device-stack` (port of
// dev_stack; notes: docs/devices.md#stack). Keys: every key but set/keys (and, with
// `stack-keys`, every listed key) goes to the router: `transform` activates one slot's device;
// otherwise mode "Fold" (default) runs the slots in order on the previous slot's result, mode
// "Map" runs each on the same base and collects {slot: value}.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <string>

#include "aocore/ao/device.h"
#include "aocore/ao/resolve_options.h"
#include "aocore/ao/resolver.h"

namespace ao {

// The stack@1.0 device.
DevicePtr MakeStackDevice();

namespace stack {

// transform(base, key): base with slot `key`'s device active (`device`, `device-key`,
// `input-prefix`, `output-prefix`, `previous-*` set). `key` is an integer (Fold) or a binary
// (Map, named slots). NotFound when the slot does not exist; InvalidArgument without a
// `device-stack`.
Result<Message> Transform(const Resolver& resolver, const Message& base, const Value& key,
                          const ResolveOptions& opts);

// The prefixes a device inside a stack reads its inputs under / writes its outputs under
// (base's `input-prefix` / `output-prefix`, default ""). `Prefix` is the output prefix.
std::string InputPrefix(const Message& base);
std::string OutputPrefix(const Message& base);
inline std::string Prefix(const Message& base) { return OutputPrefix(base); }

}  // namespace stack
}  // namespace ao
