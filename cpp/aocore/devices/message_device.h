// message@1.0, the identity device (port of dev_message; notes: docs/devices.md#message). It is
// the default device of every message without a `device` key, and the fallback for keys other
// devices do not export. Keys: keys, set, set-path, remove, id, committers, committed, commit,
// verify; every other key reads the field (exact match first, then case-insensitively); private
// keys (`priv...`) are never readable. The helpers below give other devices message@1.0
// semantics without going through the engine.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aocore/ao/device.h"
#include "aocore/common/result.h"
#include "aocore/message/key.h"
#include "aocore/message/message.h"

namespace ao {

// The message@1.0 device (a fresh instance; the registry normally holds one shared one).
DevicePtr MakeMessageDevice();

// get(key, base): {ok, value} or {error, not_found}.
ResolveResult MessageGet(const Message& base, std::string_view key);
// MessageFind (message/key.h) reads a field as message@1.0 does.

// set(base, req): reserved and private keys of `req` are ignored, values `unset` remove
// the key, `undefined` values are skipped; `set-mode: "explicit"` merges shallowly, otherwise
// nested messages merge deeply; base's `priv` is kept; commitments are dropped when a key they
// cover changes.
Result<Message> MessageSet(const Message& base, const Message& req);

// keys(base): every public key, sorted (`path` included).
std::vector<std::string> MessageKeys(const Message& base);

}  // namespace ao
