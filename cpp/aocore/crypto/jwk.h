// Jwk: the JSON Web Key format of an RSA key (RFC 7518 §6.3) as Arweave wallets store it: a JSON
// object with kty "RSA" and the members n, e, d, p, q, dp, dq, qi, each an unpadded base64url
// big-endian integer. This file only moves members between JSON text and strings; what the
// numbers mean (and whether they form a key) is the wallet's business (wallet.h).
//
// Thread-safety: a Jwk is a plain value; the functions are pure.
#pragma once

#include <string>
#include <string_view>

#include "aocore/common/result.h"

namespace ao {

// The members of an RSA JWK, each the unpadded base64url text as it appears in the JSON.
// Empty means absent.
struct Jwk {
  std::string kty = "RSA";
  std::string n, e, d, p, q, dp, dq, qi;
};

// Parses JWK JSON text. InvalidArgument for invalid JSON, a non-object, a member that is not a
// string or is empty, or a missing kty. Unknown members are ignored; values are not decoded.
Result<Jwk> ParseJwk(std::string_view json);

// JSON text with kty, n, e and, when `jwk.d` is set, every private member (d, p, q, dp, dq, qi),
// in that order.
std::string SerializeJwk(const Jwk& jwk);

}  // namespace ao
