// RSA-PSS with a chosen digest and salt length, for signature schemes other than the wallet's
// own (httpsig: SHA-512, salt 64, wallet.h). ANS-104 data items are signed with SHA-256
// (MGF1-SHA-256) and a salt length that differs by signer: Node's arbundles / arweave-js use the
// maximum (478 bytes for RSA-4096), HyperBEAM's rsa_pss:sign uses 32. Verification therefore
// reads the salt length out of the signature (EMSA-PSS decoding, RFC 8017 §9.1.2) and then has
// OpenSSL verify the signature with exactly that salt length.
//
// Thread-safety: pure functions, safe from any thread (a Wallet is immutable); the verification
// count is an atomic.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/crypto/wallet.h"

namespace ao {

enum class PssDigest { kSha256, kSha512 };

// The largest salt a key of `modulus_bits` allows with `digest`: emLen - hLen - 2, where
// emLen = ceil((modulus_bits - 1) / 8). 478 for RSA-4096 with SHA-256.
int MaxPssSaltLength(int modulus_bits, PssDigest digest);

// RSA-PSS signature of `data` (hashed with `digest`, MGF1 with the same digest) with a salt of
// `salt_length` bytes. InvalidArgument for a public-only wallet or a salt length outside
// [0, MaxPssSaltLength]. The signature is exactly as long as the modulus.
Result<Bytes> RsaPssSign(const Wallet& wallet, PssDigest digest, int salt_length,
                         std::string_view data);

// The salt length of `signature` when it is a valid RSA-PSS signature of `data` under the raw
// big-endian `modulus` (e = 65537); nullopt otherwise (wrong length, wrong key, tampered data,
// malformed encoding, unusable modulus). Never fails otherwise.
std::optional<int> RsaPssVerify(std::string_view modulus, PssDigest digest, std::string_view data,
                                std::string_view signature);

// The same operations on an OpenSSL key, for the crypto layer itself (the wallet's own
// signatures and its key consistency check). RsaPssSignWithKey does not check that `key` is
// private (OpenSSL then fails: Internal). RsaPssVerifyWithKey accepts any salt length and only
// signatures exactly as long as the modulus.
Result<Bytes> RsaPssSignWithKey(evp_pkey_st* key, PssDigest digest, int salt_length,
                                std::string_view data);
bool RsaPssVerifyWithKey(evp_pkey_st* key, PssDigest digest, std::string_view data,
                         std::string_view signature);

// Deterministic RSA-PSS: the same signature for the same (key, data), verifiable by any RSA-PSS
// verifier with these parameters (nothing but the salt's origin differs from RsaPssSign). The
// salt is HMAC-SHA-512 keyed with a secret derived from the private exponent (SHA-512 of a
// label and d) over the message digest, truncated to `salt_length` (at most 64 bytes), so it is
// unpredictable without the key, as a random salt is; the encoding is EMSA-PSS-ENCODE (RFC 8017
// §9.1.1, MGF1 on `digest`) and the signature the raw RSA private operation on it. Why: a
// scheduler can then persist an assignment before its signature exists and, after a power
// loss, re-sign it to exactly the bytes it answered (scheduler/process_scheduler.h).
// InvalidArgument as RsaPssSign, and for a salt longer than 64 bytes.
Result<Bytes> RsaPssSignDeterministic(const Wallet& wallet, PssDigest digest, int salt_length,
                                      std::string_view data);

// How many RSA-PSS verifications (either function above) this process has run. The test seam
// that proves a signed message is verified once on its way in, wherever the check happens.
uint64_t RsaPssVerifications();

}  // namespace ao
