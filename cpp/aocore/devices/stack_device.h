// stack@1.0: runs a request through a stack of devices. Port of src/dev_stack.erl
// (spec/core.md §4). The base's `device-stack` (a message or list: slot -> device) holds the
// devices; every key except `set`/`keys` (and, with `stack-keys`, every listed key) goes to the
// router:
//   transform        {ok, base with the transformer device}: `transform/<slot>/<key>` calls one
//                    slot's device directly.
//   mode "Fold"      (default) slots 1, 2, ... in order until the first missing one, each seeing
//                    the previous slot's result; statuses: error not_found skips the slot, skip
//                    ends this pass, pass restarts at slot 1 with `pass` + 1; then `device`,
//                    prefixes and `pass` are restored.
//   mode "Map"       every slot on the same base; {slot: value} of the ok results.
// The mode comes from the request's `mode`, else the base's, else "Fold"; only "Fold" and
// "Map" (exact case) are accepted.
//
// Replicated (spec §6 items 24, 26, 28): the leftover keys (`previous-device` always the
// symbol dev_message, `previous-*-prefix`, an `output-prefix` without an earlier one),
// `device-key` an integer in Fold and a binary in Map, fold ending at the first missing slot.
// Fixed (typed errors instead of crashes/hangs): lower-case "map" and other modes, an unknown
// slot in `transform`, a missing `device-stack`, error_strategy other than throw/stop, and an
// endless `pass` loop (bounded by ResolveOptions::max_stack_passes). Not replicated: the
// deep merge of *map devices* across slots (§6 item 25); devices are opaque here, so each
// slot's device simply replaces the previous one.
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
