// JsonCodec: messages and values as JSON, the wire form of the HTTP server (docs/http.md). Every
// value type round-trips; JSON's own types are used where they are exact, and a one-key
// tagged object where they are not:
//
//   binary, valid UTF-8      "text"
//   binary, not UTF-8        {"@binary": "<base64url, no padding>"}
//   integer (int64)          123
//   float                    1.5 (always written with a '.' or an exponent, so it reads back
//                            as a float); NaN / ±infinity as {"@float": "nan" | "inf" | "-inf"}
//   atom true/false/null     true / false / null
//   any other atom           {"@atom": "name"}
//   list                     [ ... ]
//   message                  { "key": value, ... }; a message with a key that starts with '@'
//                            is wrapped as {"@message": {...}} so it cannot be taken for a tag
//   device                   {"@device": "name"} (encode only: a device cannot be sent)
//
// Decoding is strict: an object with a single '@'-key that is not one of the tags, a number
// out of int64 range written without a fraction, bad base64url, or a "@device" is an
// InvalidArgument error naming the JSON path.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

// The JSON text of `value` (compact).
std::string EncodeJson(const Value& value);
// The value a JSON text encodes. InvalidArgument for malformed JSON or tags.
Result<Value> DecodeJson(std::string_view text);
// DecodeJson that must give a message (a JSON object).
Result<Message> DecodeJsonMessage(std::string_view text);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

}  // namespace ao
