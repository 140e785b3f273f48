// Structured message -> TABM ("type-annotated binary message"), the port of
// dev_codec_structured:from/3 as the ID pipeline uses it.
//
// A TABM is a Message whose values are only binaries and nested messages. Keys are normalised
// (key.h) at every level; `unsigned_id`, `content-digest` and private keys (priv*) are dropped
// at every level; every non-binary leaf becomes a binary and gets a type entry in that level's
// `ao-types` field (`integer`, `float`, `atom`, `list`, `empty-binary`, `empty-list`,
// `empty-message`). Lists whose first element is a message or a list become numbered messages
// {"1": .., "2": ..}; other lists become "list text" (an RFC 8941 list of typed sf-strings).
//
// A Device value (an opaque callable; the reference's `#Fun<...>`) encodes as the fixed text
// `#Device<>` with no type entry: devices are opaque to the message layer, so every device value
// encodes alike (the reference's text is VM-specific and not portable either).
//
// Inputs the reference crashes on are InvalidArgument errors naming the
// key: a message or device inside list text, keys that are not valid UTF-8, atom names that are
// not Latin-1.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

// Step B: the TABM of `message` (recursive).
Result<Message> MessageToTabm(const Message& message);

// Steps A+B of the ID pipeline: the top level is prepared first (keys normalised, `commitments`
// dropped, `signature-input` renamed to `x-signature-input`), then converted as MessageToTabm.
Result<Message> IdTabm(const Message& message);

// The text a device value encodes to.
inline constexpr std::string_view kDeviceText = "#Device<>";

// Building blocks, exposed for the httpsig codec and tests.
//
// C printf("%.20e") of `v` (Erlang float_to_binary/1).
std::string FormatFloat(double v);
// hb_escape:encode: keeps a-z 0-9 . - _ / ? & +, writes any other byte as %xx (lower-case hex).
std::string EscapeTypeKey(std::string_view key);
// The list text of a list (its value under a `list` type), e.g. `"x", "(ao-type-integer) 1"`.
// InvalidArgument when an element is a message or a device.
Result<std::string> EncodeListText(const Value::List& list);

}  // namespace ao
