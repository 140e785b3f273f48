#include "aocore/crypto/rsa_pss.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <string>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "aocore/crypto/openssl_handles.h"
#include "aocore/crypto/rsa_key.h"

namespace ao {

// Reaches the wallet's OpenSSL key (a friend of Wallet), so that these signatures use the same
// validated key object as the wallet's own.
class WalletKeyAccess {
 public:
  static EVP_PKEY* Key(const Wallet& wallet) { return wallet.key_.get(); }
};

namespace {

const EVP_MD* Md(PssDigest digest) {
  return digest == PssDigest::kSha256 ? EVP_sha256() : EVP_sha512();
}
const char* MdName(PssDigest digest) { return digest == PssDigest::kSha256 ? "SHA256" : "SHA512"; }
int DigestLength(PssDigest digest) { return digest == PssDigest::kSha256 ? 32 : 64; }

// MGF1 (RFC 8017 B.2.1) of `seed`, `length` bytes.
Bytes Mgf1(const EVP_MD* md, std::string_view seed, size_t length) {
  Bytes out;
  out.reserve(length + EVP_MAX_MD_SIZE);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  for (uint32_t counter = 0; out.size() < length; ++counter) {
    unsigned char c[4] = {static_cast<unsigned char>(counter >> 24), static_cast<unsigned char>(counter >> 16),
                          static_cast<unsigned char>(counter >> 8), static_cast<unsigned char>(counter)};
    unsigned char block[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), seed.data(), seed.size()) != 1 ||
        EVP_DigestUpdate(ctx.get(), c, sizeof(c)) != 1 || EVP_DigestFinal_ex(ctx.get(), block, &len) != 1) {
      throw std::bad_alloc();
    }
    out.append(reinterpret_cast<char*>(block), len);
  }
  out.resize(length);
  return out;
}

// s^e mod n: the encoded message a signature carries (k bytes), or nullopt when the signature
// is not a number below the modulus.
std::optional<Bytes> PublicRaw(EVP_PKEY* key, std::string_view signature) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx) throw std::bad_alloc();
  size_t len = static_cast<size_t>(EVP_PKEY_get_size(key));
  Bytes out(len, '\0');
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(signature.data()), signature.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  // Raw RSA output is left-padded to the modulus length.
  if (len < out.size()) out.insert(0, out.size() - len, '\0');
  out.resize(static_cast<size_t>(EVP_PKEY_get_size(key)));
  return out;
}

// The salt length EMSA-PSS-VERIFY (RFC 8017 §9.1.2 steps 4-10) finds in `raw`, or nullopt when
// the encoding is malformed. The hash comparison (steps 12-14) is left to OpenSSL.
std::optional<int> DecodeSaltLength(std::string_view raw, int modulus_bits, PssDigest digest) {
  const size_t em_bits = static_cast<size_t>(modulus_bits) - 1;
  const size_t em_len = (em_bits + 7) / 8;
  const size_t h_len = static_cast<size_t>(DigestLength(digest));
  if (raw.size() < em_len) return std::nullopt;
  // With modulus_bits = 8k + 1 the encoded message is one byte shorter than the modulus.
  for (size_t i = 0; i < raw.size() - em_len; ++i) {
    if (raw[i] != '\0') return std::nullopt;
  }
  std::string_view em = raw.substr(raw.size() - em_len);
  if (em_len < h_len + 2 || static_cast<unsigned char>(em.back()) != 0xbc) return std::nullopt;
  const size_t db_len = em_len - h_len - 1;
  const unsigned top_bits = static_cast<unsigned>(8 * em_len - em_bits);
  const unsigned char top_mask = static_cast<unsigned char>(0xff >> top_bits);
  if ((static_cast<unsigned char>(em[0]) & ~top_mask) != 0) return std::nullopt;
  Bytes db = Mgf1(Md(digest), em.substr(db_len, h_len), db_len);
  for (size_t i = 0; i < db_len; ++i) db[i] = static_cast<char>(db[i] ^ em[i]);
  db[0] = static_cast<char>(static_cast<unsigned char>(db[0]) & top_mask);
  size_t i = 0;
  while (i < db_len && db[i] == '\0') ++i;
  if (i == db_len || db[i] != '\x01') return std::nullopt;
  return static_cast<int>(db_len - i - 1);
}

}  // namespace

int MaxPssSaltLength(int modulus_bits, PssDigest digest) {
  int em_len = (modulus_bits - 1 + 7) / 8;
  return em_len - DigestLength(digest) - 2;
}

Result<Bytes> RsaPssSign(const Wallet& wallet, PssDigest digest, int salt_length,
                         std::string_view data) {
  if (!wallet.HasPrivateKey()) {
    return Status::InvalidArgument("wallet " + wallet.Address() + " has no private key; it cannot sign");
  }
  return RsaPssSignWithKey(WalletKeyAccess::Key(wallet), digest, salt_length, data);
}

Result<Bytes> RsaPssSignWithKey(EVP_PKEY* key, PssDigest digest, int salt_length,
                                std::string_view data) {
  const int max_salt = MaxPssSaltLength(EVP_PKEY_get_bits(key), digest);
  if (salt_length < 0 || salt_length > max_salt) {
    return Status::InvalidArgument("PSS salt length " + std::to_string(salt_length) +
                                   " is outside [0, " + std::to_string(max_salt) + "] for this key");
  }
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (EVP_DigestSignInit_ex(md.get(), &pctx, MdName(digest), nullptr, nullptr, key, nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, Md(digest)) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length) != 1) {
    return OpenSslError("RSA-PSS signing setup");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t len = 0;
  if (EVP_DigestSign(md.get(), nullptr, &len, in, data.size()) != 1) return OpenSslError("RSA-PSS signing");
  Bytes sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1) {
    return OpenSslError("RSA-PSS signing");
  }
  sig.resize(len);
  // OpenSSL returns the full modulus length; pad defensively so the length rule always holds.
  const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key));
  if (sig.size() < k) sig.insert(0, k - sig.size(), '\0');
  return sig;
}

namespace {

Bytes Digest(PssDigest digest, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, Md(digest), nullptr) != 1) throw std::bad_alloc();
  return Bytes(reinterpret_cast<char*>(out), len);
}

// The secret the deterministic salts are keyed with: SHA-512 of a label and the private
// exponent. A label keeps it apart from any other use of d's hash.
Result<Bytes> SaltKey(EVP_PKEY* key) {
  AO_ASSIGN_OR_RETURN(BnPtr d, GetRsaParam(key, OSSL_PKEY_PARAM_RSA_D));
  Bytes material = "aocore deterministic RSA-PSS salt key\n";
  material += BnToBytes(d.get());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const bool ok = EVP_Digest(material.data(), material.size(), out, &len, EVP_sha512(), nullptr) == 1;
  OPENSSL_cleanse(material.data(), material.size());
  if (!ok) throw std::bad_alloc();
  Bytes secret(reinterpret_cast<char*>(out), len);
  OPENSSL_cleanse(out, sizeof(out));
  return secret;
}

// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of the digest `m_hash` with `salt`, for a modulus of
// `modulus_bits`, left-padded with zero bytes to `k` (the modulus length in bytes).
Bytes EmsaPssEncode(PssDigest digest, std::string_view m_hash, std::string_view salt, int modulus_bits,
                    size_t k) {
  const size_t em_bits = static_cast<size_t>(modulus_bits) - 1;
  const size_t em_len = (em_bits + 7) / 8;
  const size_t h_len = m_hash.size();
  // M' = 8 zero bytes || mHash || salt; H = Hash(M').
  Bytes m_prime(8, '\0');
  m_prime += m_hash;
  m_prime += salt;
  const Bytes h = Digest(digest, m_prime);
  // DB = PS || 0x01 || salt, masked with MGF1(H); the bits above emBits cleared.
  const size_t db_len = em_len - h_len - 1;
  Bytes db(db_len - salt.size() - 1, '\0');
  db += '\x01';
  db += salt;
  const Bytes mask = Mgf1(Md(digest), h, db_len);
  for (size_t i = 0; i < db_len; ++i) db[i] = static_cast<char>(db[i] ^ mask[i]);
  db[0] = static_cast<char>(static_cast<unsigned char>(db[0]) & (0xff >> (8 * em_len - em_bits)));
  Bytes em(k - em_len, '\0');
  em += db;
  em += h;
  em += '\xbc';
  return em;
}

std::atomic<uint64_t> verifications{0};

// EMSA-PSS verification of `signature` over `data` with `key`, MGF1 on the same digest and the
// given salt length (RSA_PSS_SALTLEN_AUTO: whatever the signature holds).
bool DigestVerifyPss(EVP_PKEY* key, PssDigest digest, int salt_length, std::string_view data,
                     std::string_view signature) {
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  return EVP_DigestVerifyInit_ex(md.get(), &pctx, MdName(digest), nullptr, nullptr, key, nullptr) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, Md(digest)) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length) == 1 &&
         EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace

Result<Bytes> RsaPssSignDeterministic(const Wallet& wallet, PssDigest digest, int salt_length,
                                      std::string_view data) {
  if (!wallet.HasPrivateKey()) {
    return Status::InvalidArgument("wallet " + wallet.Address() + " has no private key; it cannot sign");
  }
  EVP_PKEY* key = WalletKeyAccess::Key(wallet);
  const int max_salt = std::min(MaxPssSaltLength(EVP_PKEY_get_bits(key), digest), 64);
  if (salt_length < 0 || salt_length > max_salt) {
    return Status::InvalidArgument("deterministic PSS salt length " + std::to_string(salt_length) +
                                   " is outside [0, " + std::to_string(max_salt) + "] for this key");
  }
  const Bytes m_hash = Digest(digest, data);
  AO_ASSIGN_OR_RETURN(Bytes salt_key, SaltKey(key));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha512(), salt_key.data(), static_cast<int>(salt_key.size()),
           reinterpret_cast<const unsigned char*>(m_hash.data()), m_hash.size(), mac, &mac_len) == nullptr) {
    OPENSSL_cleanse(salt_key.data(), salt_key.size());
    return OpenSslError("deterministic PSS salt");
  }
  OPENSSL_cleanse(salt_key.data(), salt_key.size());
  const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key));
  const Bytes em = EmsaPssEncode(digest, m_hash, std::string_view(reinterpret_cast<char*>(mac), salt_length),
                                 EVP_PKEY_get_bits(key), k);
  // The raw private operation (em^d mod n): em < 2^(modBits-1) <= n, so it is a valid input.
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx) throw std::bad_alloc();
  size_t len = k;
  Bytes sig(k, '\0');
  if (EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                    reinterpret_cast<const unsigned char*>(em.data()), em.size()) != 1) {
    return OpenSslError("deterministic RSA-PSS signing");
  }
  sig.resize(len);
  if (sig.size() < k) sig.insert(0, k - sig.size(), '\0');
  return sig;
}

uint64_t RsaPssVerifications() { return verifications.load(std::memory_order_relaxed); }

bool RsaPssVerifyWithKey(EVP_PKEY* key, PssDigest digest, std::string_view data,
                         std::string_view signature) {
  verifications.fetch_add(1, std::memory_order_relaxed);
  // rsa_pss:verify requires the signature to be exactly as long as the modulus; OpenSSL would
  // also accept shorter ones (implied leading zeros), which would let two encodings of one
  // signature (and so two commitment IDs) verify.
  if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
  bool ok = DigestVerifyPss(key, digest, RSA_PSS_SALTLEN_AUTO, data, signature);
  if (!ok) ERR_clear_error();
  return ok;
}

std::optional<int> RsaPssVerify(std::string_view modulus, PssDigest digest, std::string_view data,
                                std::string_view signature) {
  verifications.fetch_add(1, std::memory_order_relaxed);
  Result<Wallet> wallet = Wallet::FromModulus(modulus);
  if (!wallet.ok()) return std::nullopt;
  EVP_PKEY* key = WalletKeyAccess::Key(*wallet);
  // Exactly the modulus length, as rsa_pss:verify requires: OpenSSL would also take shorter
  // signatures (implied leading zeros), giving one signature two encodings and two item IDs.
  if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) return std::nullopt;
  std::optional<Bytes> raw = PublicRaw(key, signature);
  if (!raw) return std::nullopt;
  std::optional<int> salt = DecodeSaltLength(*raw, EVP_PKEY_get_bits(key), digest);
  if (!salt) return std::nullopt;

  bool ok = DigestVerifyPss(key, digest, *salt, data, signature);
  if (!ok) {
    ERR_clear_error();
    return std::nullopt;
  }
  return salt;
}

}  // namespace ao
