// Wallet: an Arweave-style RSA key pair (RSA-4096, e = 65537) that signs messages with
// RSA-PSS / SHA-512 (MGF1-SHA-512). Port of src/ar_wallet.erl and src/rsa_pss.erl.
//
// Keys are read and written in the Arweave JWK format (jwk.h); the key is built and checked by
// rsa_key.h, signatures go through rsa_pss.h, files through common/file_io.h. ToJwk always
// writes every member, so any JWK reader loads the file. FromJwk also accepts the reference's
// own shorter form (kty, n, e, d only; ar_wallet:to_json): the prime
// factors are then recovered from (n, e, d) and the key is checked for consistency.
// A JWK with only n and e is a public-only wallet: it verifies but cannot sign.
//
// Address = base64url(SHA-256(modulus bytes)), 43 characters (ar_wallet:to_address).
//
// Signing uses a 64-byte random salt, the digest length, as rsa_pss:sign does, so signatures
// are not deterministic; SignDeterministic derives the salt from the key and the data instead
// (what the node's scheduler signs assignments with). Verification accepts any salt length (other AO clients sign with the
// maximum salt length), and, like rsa_pss:verify, only signatures exactly as long as the
// modulus.
//
// Thread-safety: a Wallet is immutable after construction; copies share the key, and every
// method may be called concurrently from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/common/status.h"
#include "aocore/crypto/jwk.h"

// OpenSSL's key type, declared here so this header does not pull in OpenSSL.
struct evp_pkey_st;

namespace ao {

class Wallet {
 public:
  // Public exponent every wallet uses (the reference supports only this one).
  static constexpr unsigned long kPublicExponent = 65537;
  // Size of generated keys.
  static constexpr int kModulusBits = 4096;
  // PSS salt length used when signing (= SHA-512 digest length, as rsa_pss:sign).
  static constexpr int kSignSaltLength = 64;

  // A fresh RSA-4096 key pair. Takes about a second.
  static Result<Wallet> Generate();

  // Parses a JWK given as JSON text. InvalidArgument names the problem (bad JSON, a missing or
  // non-string member, bad base64url, a wrong kty or exponent, an inconsistent key).
  static Result<Wallet> FromJwk(std::string_view json);
  // The same, from already separated members.
  static Result<Wallet> FromJwk(const Jwk& jwk);
  // A public-only wallet from the raw big-endian modulus (e = 65537), e.g. the `keyid` of a
  // signature. InvalidArgument when the modulus is not a usable RSA modulus.
  static Result<Wallet> FromModulus(std::string_view modulus);

  // Reads a JWK file. NotFound when the file does not exist, IOError when it cannot be read,
  // InvalidArgument (with the path) when its content is not a valid key.
  static Result<Wallet> Load(const std::string& path);

  // The key as JWK members / JSON text. Public-only wallets give only kty, n and e.
  Jwk ToJwkFields() const;
  std::string ToJwk() const;

  // Writes ToJwk() to `path` with mode 0600, atomically (a temporary file in the same
  // directory, then rename), so a crash never leaves a truncated key behind.
  Status Save(const std::string& path) const;

  // base64url(SHA-256(modulus)), 43 characters.
  const std::string& Address() const { return address_; }
  // The raw big-endian modulus (512 bytes for RSA-4096), without leading zero bytes.
  const Bytes& Modulus() const { return modulus_; }
  bool HasPrivateKey() const { return has_private_; }

  // RSA-PSS-SHA512 signature of `data` (as long as the modulus).
  // InvalidArgument for a public-only wallet.
  Result<Bytes> Sign(std::string_view data) const;
  // The same signature scheme and salt length with a salt derived from the key and `data`
  // (RsaPssSignDeterministic, rsa_pss.h): signing the same data twice gives the same bytes,
  // and every verifier accepts it as it accepts Sign's.
  Result<Bytes> SignDeterministic(std::string_view data) const;

  // Whether `signature` is a valid RSA-PSS-SHA512 signature of `data` under this key, with any
  // salt length. Never fails: malformed input is simply not a valid signature.
  bool Verify(std::string_view data, std::string_view signature) const;

  // Verify against a raw modulus (e = 65537) or a JWK (JSON text); false when the key is
  // unusable.
  static bool VerifyWithModulus(std::string_view modulus, std::string_view data,
                                std::string_view signature);
  static bool VerifyWithJwk(std::string_view jwk_json, std::string_view data,
                            std::string_view signature);

 private:
  // rsa_pss.cc signs with other PSS parameters (ANS-104) through the same key.
  friend class WalletKeyAccess;
  Wallet(std::shared_ptr<evp_pkey_st> key, Bytes modulus, bool has_private);

  std::shared_ptr<evp_pkey_st> key_;
  Bytes modulus_;
  std::string address_;
  bool has_private_ = false;
};

}  // namespace ao
