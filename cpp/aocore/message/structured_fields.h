// RFC 8941 structured fields, the part HTTP message signatures need: a dictionary parser for
// the `signature` (`name=:bytes:`) and `signature-input` (`name=("c1" "c2");alg="...";keyid="..."`)
// headers a commitment holds, and the sf-string serialisation the reference writes. Anything the
// parser does not understand (decimals, nested dictionaries, ...) is an InvalidArgument error,
// never a crash.
//
// Thread-safety: free functions over values; safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"

namespace ao {

// One member of a dictionary.
struct SfDictionaryMember {
  std::string name;
  // The member's value exactly as written after `=` (inner list or item, with parameters):
  // for a signature-input member this is the signature params line.
  std::string raw;
  bool inner_list = false;
  std::vector<std::string> items;  // inner-list items (strings and tokens)
  std::optional<Bytes> bytes;      // a byte-sequence item
  std::map<std::string, std::string> params;  // string/token/integer parameter values as text
};

// The members of a dictionary, in order. InvalidArgument for malformed or unsupported input.
Result<std::vector<SfDictionaryMember>> ParseSfDictionary(std::string_view text);

// The member named `name`, or nullptr.
const SfDictionaryMember* FindSfMember(const std::vector<SfDictionaryMember>& members, std::string_view name);

// Appends the reference's sf-string serialisation of `s`: `"` + s + `"` with `\` and `"`
// backslash-escaped and every other byte copied as is.
void AppendSfString(std::string_view s, std::string& out);

}  // namespace ao
