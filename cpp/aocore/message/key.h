// Key normalisation, the port of hb_ao:normalize_key / normalize_keys and the private-key rule
// (hb_private): an ID-shaped key (32, 42 or 43 bytes) is kept as is; any other key is
// Unicode-lower-cased (full mapping, as Erlang's string:lowercase). A key whose normalised form
// starts with "priv" is private. The reference crashes on keys that are not valid UTF-8; here
// they are an InvalidArgument error naming the key.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

Result<std::string> NormalizeKey(std::string_view key);

// The Unicode lower-case form of `key` whatever its length (hb_util:to_lower, which the
// ans104@1.0 codec applies to tag names after normalising them). InvalidArgument for non-UTF-8.
Result<std::string> LowercaseKey(std::string_view key);

// Normalises the top-level keys of `message` (nested messages are untouched). When two keys
// collapse to one, the value of the key that sorts last (bytewise, original spelling) wins.
Result<Message> NormalizeKeys(const Message& message);

// Normalises keys at every level, including messages nested in lists.
Result<Message> NormalizeKeysDeep(const Message& message);

// The key's normalised form starts with "priv" (priv, private, privileged, Priv-X, ...).
bool IsPrivateKey(std::string_view key);

// A list as the numbered message {"1": e1, "2": e2, ...}.
Message ListToMessage(const Value::List& list);

// Whether NormalizeKey(key) == key, checked without allocating.
bool KeyIsNormal(std::string_view key);

// The field `key` read as message@1.0 reads it, or nullptr (no copy): an exact match, else the
// normalised key, else a key that normalises to it (case-insensitively); private keys are never
// found.
const Value* MessageFind(const Message& base, std::string_view key);

// The field `key` (found as MessageFind finds it) as text: a binary as it is, an integer in
// decimal; nullopt when absent or of another type.
std::optional<std::string> MessageText(const Message& base, std::string_view key);

}  // namespace ao
