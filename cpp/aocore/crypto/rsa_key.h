// RSA key construction for the wallet: the integer members of an RSA key (n, e, d and the CRT
// members p, q, dp, dq, qi), recovery of the members a key file may leave out, the consistency
// check a private key passes before it is used, and building the OpenSSL key object. Crypto
// layer only (it includes OpenSSL); the formats around it are in jwk.h and wallet.h.
//
// Thread-safety: free functions on values the caller owns; safe from any thread (OpenSSL's
// error queue is thread-local and every failure here drains it).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/evp.h>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/common/status.h"
#include "aocore/crypto/openssl_handles.h"

namespace ao {

// Accepted modulus sizes. Generated keys are 4096 bits; foreign keys of other common sizes
// still load and verify (the reference itself does not restrict the size).
inline constexpr int kMinRsaModulusBits = 2048;
inline constexpr int kMaxRsaModulusBits = 16384;

struct RsaParts {
  BnPtr n, e, d, p, q, dp, dq, qi;
};

// A new zero BIGNUM; throws std::bad_alloc on allocation failure.
BnPtr NewBn();
// Big-endian bytes without leading zeros, and back.
Bytes BnToBytes(const BIGNUM* b);
BnPtr BytesToBn(std::string_view bytes);

// Drains OpenSSL's (thread-local) error queue into one line, so a failure never leaks stale
// errors into an unrelated later call on this thread.
std::string DrainOpenSslErrors();
// Internal("what: <drained errors>").
Status OpenSslError(std::string_view what);

// InvalidArgument unless `n` is odd and has kMinRsaModulusBits..kMaxRsaModulusBits bits.
Status CheckRsaModulus(const BIGNUM* n);
// InvalidArgument unless `e` equals `expected`.
Status CheckRsaExponent(const BIGNUM* e, unsigned long expected);

// The prime factors (p > q) of n from (n, e, d). InvalidArgument when d does not match n, e.
Result<std::pair<BnPtr, BnPtr>> RecoverRsaFactors(const BIGNUM* n, const BIGNUM* e, const BIGNUM* d);

// Fills p, q, dp, dq and qi of `parts` from n, e and d (the reference's short key form).
Status CompleteRsaCrtMembers(RsaParts& parts);

// The OpenSSL key of `parts`: public (n, e) or, with `has_private`, the full key after its
// consistency check (the algebra of every member plus a sign/verify round trip).
// InvalidArgument names what is inconsistent.
Result<std::shared_ptr<EVP_PKEY>> BuildRsaKey(const RsaParts& parts, bool has_private);

// A fresh key pair of `bits` bits with public exponent `e`.
Result<std::shared_ptr<EVP_PKEY>> GenerateRsaKey(int bits, unsigned long e);

// One integer parameter (OSSL_PKEY_PARAM_RSA_*) of `key`.
Result<BnPtr> GetRsaParam(const EVP_PKEY* key, const char* name);

}  // namespace ao
