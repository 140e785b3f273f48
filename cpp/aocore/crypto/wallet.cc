#include "aocore/crypto/wallet.h"

#include <new>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "aocore/common/file_io.h"
#include "aocore/crypto/hash.h"
#include "aocore/crypto/rsa_key.h"
#include "aocore/crypto/rsa_pss.h"

namespace ao {
namespace {

// A JWK file is a few kilobytes; anything far larger is not a key.
constexpr size_t kMaxJwkFileBytes = 1 << 20;

// Decodes one JWK member into a big integer. RFC 7518 §6.3 wants the minimal big-endian form,
// so an empty value or a leading zero byte is rejected.
Result<BnPtr> DecodeMember(std::string_view name, std::string_view text) {
  auto bytes = Base64UrlDecode(text);
  if (!bytes.ok()) {
    return Status::InvalidArgument("JWK member '" + std::string(name) +
                                   "' is not valid base64url");
  }
  if (bytes->empty()) {
    return Status::InvalidArgument("JWK member '" + std::string(name) + "' is empty");
  }
  if ((*bytes)[0] == '\0') {
    return Status::InvalidArgument("JWK member '" + std::string(name) +
                                   "' has a leading zero byte (not a minimal integer)");
  }
  return BytesToBn(*bytes);
}

}  // namespace

Wallet::Wallet(std::shared_ptr<evp_pkey_st> key, Bytes modulus, bool has_private)
    : key_(std::move(key)),
      modulus_(std::move(modulus)),
      address_(Base64UrlEncode(Sha256(modulus_))),
      has_private_(has_private) {}

Result<Wallet> Wallet::Generate() {
  AO_ASSIGN_OR_RETURN(auto key, GenerateRsaKey(kModulusBits, kPublicExponent));
  AO_ASSIGN_OR_RETURN(BnPtr n, GetRsaParam(key.get(), OSSL_PKEY_PARAM_RSA_N));
  return Wallet(std::move(key), BnToBytes(n.get()), /*has_private=*/true);
}

Result<Wallet> Wallet::FromJwk(std::string_view json) {
  AO_ASSIGN_OR_RETURN(Jwk jwk, ParseJwk(json));
  return FromJwk(jwk);
}

Result<Wallet> Wallet::FromJwk(const Jwk& jwk) {
  if (jwk.kty != "RSA") {
    return Status::InvalidArgument("JWK member 'kty' is '" + jwk.kty + "'; expected 'RSA'");
  }
  if (jwk.n.empty()) return Status::InvalidArgument("JWK member 'n' is missing");
  if (jwk.e.empty()) return Status::InvalidArgument("JWK member 'e' is missing");
  RsaParts parts;
  AO_ASSIGN_OR_RETURN(parts.n, DecodeMember("n", jwk.n));
  AO_RETURN_IF_ERROR(CheckRsaModulus(parts.n.get()));
  AO_ASSIGN_OR_RETURN(parts.e, DecodeMember("e", jwk.e));
  AO_RETURN_IF_ERROR(CheckRsaExponent(parts.e.get(), kPublicExponent));

  const std::pair<const char*, const std::string*> crt[] = {
      {"p", &jwk.p}, {"q", &jwk.q}, {"dp", &jwk.dp}, {"dq", &jwk.dq}, {"qi", &jwk.qi}};
  int crt_present = 0;
  for (const auto& [name, value] : crt) crt_present += value->empty() ? 0 : 1;

  if (jwk.d.empty()) {
    if (crt_present > 0) {
      return Status::InvalidArgument("JWK member 'd' is missing but other private members are present");
    }
    AO_ASSIGN_OR_RETURN(auto key, BuildRsaKey(parts, /*has_private=*/false));
    return Wallet(std::move(key), BnToBytes(parts.n.get()), /*has_private=*/false);
  }

  AO_ASSIGN_OR_RETURN(parts.d, DecodeMember("d", jwk.d));
  if (crt_present == 0) {
    // The reference's own form: derive the factors and CRT members.
    AO_RETURN_IF_ERROR(CompleteRsaCrtMembers(parts));
  } else if (crt_present < 5) {
    for (const auto& [name, value] : crt) {
      if (value->empty()) {
        return Status::InvalidArgument(std::string("JWK member '") + name +
                                       "' is missing (RFC 7518 needs all of p, q, dp, dq, qi "
                                       "when any is present)");
      }
    }
    return Status::Internal("unreachable: CRT member count");
  } else {
    AO_ASSIGN_OR_RETURN(parts.p, DecodeMember("p", jwk.p));
    AO_ASSIGN_OR_RETURN(parts.q, DecodeMember("q", jwk.q));
    AO_ASSIGN_OR_RETURN(parts.dp, DecodeMember("dp", jwk.dp));
    AO_ASSIGN_OR_RETURN(parts.dq, DecodeMember("dq", jwk.dq));
    AO_ASSIGN_OR_RETURN(parts.qi, DecodeMember("qi", jwk.qi));
  }
  AO_ASSIGN_OR_RETURN(auto key, BuildRsaKey(parts, /*has_private=*/true));
  return Wallet(std::move(key), BnToBytes(parts.n.get()), /*has_private=*/true);
}

Result<Wallet> Wallet::FromModulus(std::string_view modulus) {
  if (modulus.empty()) return Status::InvalidArgument("RSA modulus is empty");
  if (modulus[0] == '\0') return Status::InvalidArgument("RSA modulus has a leading zero byte");
  RsaParts parts;
  parts.n = BytesToBn(modulus);
  AO_RETURN_IF_ERROR(CheckRsaModulus(parts.n.get()));
  parts.e = NewBn();
  BN_set_word(parts.e.get(), kPublicExponent);
  AO_ASSIGN_OR_RETURN(auto key, BuildRsaKey(parts, /*has_private=*/false));
  return Wallet(std::move(key), Bytes(modulus), /*has_private=*/false);
}

Result<Wallet> Wallet::Load(const std::string& path) {
  AO_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kMaxJwkFileBytes));
  auto wallet = FromJwk(text);
  if (!wallet.ok()) return wallet.status().WithContext("wallet file " + path);
  return wallet;
}

Jwk Wallet::ToJwkFields() const {
  Jwk jwk;
  auto enc = [this](const char* name) {
    auto bn = GetRsaParam(key_.get(), name);
    // Reading back a parameter we built the key from can only fail on allocation.
    if (!bn.ok()) throw std::bad_alloc();
    return Base64UrlEncode(BnToBytes(bn->get()));
  };
  jwk.n = Base64UrlEncode(modulus_);
  jwk.e = enc(OSSL_PKEY_PARAM_RSA_E);
  if (has_private_) {
    jwk.d = enc(OSSL_PKEY_PARAM_RSA_D);
    jwk.p = enc(OSSL_PKEY_PARAM_RSA_FACTOR1);
    jwk.q = enc(OSSL_PKEY_PARAM_RSA_FACTOR2);
    jwk.dp = enc(OSSL_PKEY_PARAM_RSA_EXPONENT1);
    jwk.dq = enc(OSSL_PKEY_PARAM_RSA_EXPONENT2);
    jwk.qi = enc(OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  }
  return jwk;
}

std::string Wallet::ToJwk() const { return SerializeJwk(ToJwkFields()); }

Status Wallet::Save(const std::string& path) const {
  Status written = WriteFileAtomically(path, ToJwk());
  if (!written.ok()) return written.WithContext("saving wallet");
  return Status::OK();
}

Result<Bytes> Wallet::Sign(std::string_view data) const {
  return RsaPssSign(*this, PssDigest::kSha512, kSignSaltLength, data);
}

Result<Bytes> Wallet::SignDeterministic(std::string_view data) const {
  return RsaPssSignDeterministic(*this, PssDigest::kSha512, kSignSaltLength, data);
}

bool Wallet::Verify(std::string_view data, std::string_view signature) const {
  return RsaPssVerifyWithKey(key_.get(), PssDigest::kSha512, data, signature);
}

bool Wallet::VerifyWithModulus(std::string_view modulus, std::string_view data,
                               std::string_view signature) {
  auto wallet = FromModulus(modulus);
  return wallet.ok() && wallet->Verify(data, signature);
}

bool Wallet::VerifyWithJwk(std::string_view jwk_json, std::string_view data,
                           std::string_view signature) {
  auto wallet = FromJwk(jwk_json);
  return wallet.ok() && wallet->Verify(data, signature);
}

}  // namespace ao
