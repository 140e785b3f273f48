// Hash functions over byte strings: SHA-256, SHA-384, SHA-512 and HMAC-SHA256, through OpenSSL's EVP
// interface (the crypto layer is the only one that includes OpenSSL headers).
// With in-memory input these can fail only when memory runs out, which is reported the way
// every other C++ allocation failure is (std::bad_alloc), so they return bytes directly.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string_view>

#include "aocore/common/bytes.h"

namespace ao {

Bytes Sha256(std::string_view data);  // 32 bytes
Bytes Sha384(std::string_view data);  // 48 bytes (the ANS-104 deep hash)
Bytes Sha512(std::string_view data);  // 64 bytes
Bytes HmacSha256(std::string_view key, std::string_view data);  // 32 bytes

// Cryptographically secure random bytes (OpenSSL RAND_bytes).
Bytes RandomBytes(size_t n);

}  // namespace ao
