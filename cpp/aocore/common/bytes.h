// Byte strings and their text encodings: base64url without padding (the "human" form of a
// 32-byte ID, HB hb_util:human_id), standard padded base64 (content-digest), and hex.
// A binary value is held in a std::string used as a byte container; no encoding is implied.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "aocore/common/result.h"

namespace ao {

using Bytes = std::string;

// True when every byte is zero (or there are none): a memory image's never-written pages.
bool IsAllZero(std::string_view bytes);

// RFC 4648 §5 alphabet, no '=' padding.
std::string Base64UrlEncode(std::string_view bytes);
// Accepts input with or without padding; rejects characters outside the url-safe alphabet.
Result<Bytes> Base64UrlDecode(std::string_view text);

// RFC 4648 §4 alphabet with '=' padding.
std::string Base64Encode(std::string_view bytes);
Result<Bytes> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);

// `s` with each byte lower-cased as a Latin-1 code point (A-Z and 0xC0-0xDE but 0xD7): how the
// reference lower-cases component names in an HTTP signature's params line.
std::string Latin1Lower(std::string_view s);

// Percent-decoding ("%2F" -> "/"), the one decoder of the tree. `+` is a space only in a query
// string (application/x-www-form-urlencoded: query values, a scheduler hint); in a path, a
// query key and a header value it is itself. InvalidArgument for a truncated or non-hex escape;
// a caller that must not fail on one (a header, a hint from another node) uses the text as
// written instead.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

// The reference's IS_ID predicate: a binary of length 32, 42 or 43 (content irrelevant).
inline bool IsIdShaped(std::string_view key) {
  return key.size() == 32 || key.size() == 42 || key.size() == 43;
}

// True when `s` is a 43-character base64url string (the human form of a 32-byte ID).
bool IsHumanId(std::string_view s);

}  // namespace ao
