// message@1.0, the identity device: port of src/dev_message.erl (spec/core.md §3). It is the
// default device of every message without a `device` key, and the fallback for keys other
// devices do not export. Its info is {default: get}: `keys`, `set`, `set_path` (`set-path`),
// `remove`, `id`, `committers`, `committed` are functions; every other key reads the field
// (exact match first, then case-insensitively); private keys (`priv...`) are never readable.
//
// Replicated on purpose (spec §6): data fields named like its functions cannot be read by key;
// `set` refuses the reserved keys and private keys; `remove` matches keys exactly.
// Fixed: `get` and `info` as keys (the reference crashes), `remove` without `item`/`items`,
// and `set_path` without `value` are InvalidArgument errors; selecting commitments by explicit
// ID selects those IDs (the reference returns their bodies). Commitment work (selection,
// committers, committed, verify, commit, invalidation on set) is message/commitment.h's;
// `commit` signs with the `priv_wallet` option; `verify` checks `target` (default: the base).
//
// The helpers below give other devices message@1.0 semantics without going through the engine.
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

// get(key, base) (§3.2): {ok, value} or {error, not_found}.
ResolveResult MessageGet(const Message& base, std::string_view key);
// MessageFind (message/key.h) reads a field as message@1.0 does.

// set(base, req) (§3.4): reserved and private keys of `req` are ignored, values `unset` remove
// the key, `undefined` values are skipped; `set-mode: "explicit"` merges shallowly, otherwise
// nested messages merge deeply; base's `priv` is kept; commitments are dropped when a key they
// cover changes.
Result<Message> MessageSet(const Message& base, const Message& req);

// keys(base): every public key, sorted (`path` included).
std::vector<std::string> MessageKeys(const Message& base);

}  // namespace ao
