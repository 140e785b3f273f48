// Lossy UTF-8 decoding as the WHATWG Encoding Standard (JS TextDecoder) does it: each maximal
// ill-formed subsequence becomes U+FFFD. ao-loader reads the module's result string this way
// (UTF8ToString), so a Lua string with invalid bytes reaches the CU with replacement characters.
//
// Thread-safety: pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace ao::wasm {

// Returns `bytes` as valid UTF-8, ill-formed sequences replaced by U+FFFD (EF BF BD).
std::string ReplaceInvalidUtf8(std::string_view bytes);

}  // namespace ao::wasm
