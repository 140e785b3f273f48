#include "aocore/crypto/wallet.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <new>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "aocore/crypto/hash.h"
#include "aocore/crypto/openssl_handles.h"

namespace ao {
namespace {

// Accepted modulus sizes. Generated keys are 4096 bits; foreign keys of other common sizes
// still load and verify (the reference itself does not restrict the size).
constexpr int kMinModulusBits = 2048;
constexpr int kMaxModulusBits = 16384;
// A JWK file is a few kilobytes; anything far larger is not a key.
constexpr size_t kMaxJwkFileBytes = 1 << 20;

std::shared_ptr<EVP_PKEY> WrapKey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

BnPtr NewBn() {
  BnPtr b(BN_new());
  if (!b) throw std::bad_alloc();
  return b;
}

// Drains OpenSSL's (thread-local) error queue into one line, so a failure here never leaks
// stale errors into an unrelated later call on this thread.
std::string OpenSslErrors() {
  std::string out;
  unsigned long code;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Status OpenSslError(std::string_view what) {
  return Status::Internal(std::string(what) + ": " + OpenSslErrors());
}

Bytes BnToBytes(const BIGNUM* b) {
  Bytes out(static_cast<size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

BnPtr BytesToBn(std::string_view bytes) {
  BnPtr b(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                    static_cast<int>(bytes.size()), nullptr));
  if (!b) throw std::bad_alloc();
  return b;
}

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

Status CheckModulus(const BIGNUM* n) {
  int bits = BN_num_bits(n);
  if (bits < kMinModulusBits || bits > kMaxModulusBits) {
    return Status::InvalidArgument("RSA modulus has " + std::to_string(bits) +
                                   " bits; expected " + std::to_string(kMinModulusBits) + " to " +
                                   std::to_string(kMaxModulusBits));
  }
  if (!BN_is_odd(n)) return Status::InvalidArgument("RSA modulus is even");
  return Status::OK();
}

// Recovers the prime factors p, q of n from the exponents (n, e, d). The reference writes
// JWKs without them (ar_wallet:to_json), but RFC 7518 readers expect all members, and CRT
// signing is several times faster. The method is the standard one (NIST SP 800-56B Rev. 2,
// Appendix C.1 style): k = d*e - 1 = 2^t * r; for a witness g, the sequence g^r, g^2r, ...
// mod n reaches a non-trivial square root y of 1, and gcd(y - 1, n) is a factor.
Result<std::pair<BnPtr, BnPtr>> RecoverFactors(const BIGNUM* n, const BIGNUM* e,
                                               const BIGNUM* d) {
  BnCtxPtr ctx(BN_CTX_new());
  if (!ctx) throw std::bad_alloc();
  BnPtr k = NewBn(), r = NewBn(), one = NewBn(), n_minus_1 = NewBn();
  BN_one(one.get());
  BN_sub(n_minus_1.get(), n, one.get());
  if (!BN_mul(k.get(), d, e, ctx.get()) || !BN_sub(k.get(), k.get(), one.get())) {
    return OpenSslError("factor recovery");
  }
  if (BN_is_zero(k.get()) || BN_is_odd(k.get())) {
    return Status::InvalidArgument("JWK is inconsistent: d*e - 1 is not even (d does not match n, e)");
  }
  int t = 0;
  BN_copy(r.get(), k.get());
  while (!BN_is_odd(r.get())) {
    BN_rshift1(r.get(), r.get());
    ++t;
  }
  BnPtr g = NewBn(), y = NewBn(), x = NewBn(), p = NewBn(), q = NewBn(), rem = NewBn();
  // With a valid key each witness succeeds with probability >= 1/2, so 100 witnesses fail
  // only for a key that is not consistent.
  for (unsigned long witness = 2; witness < 102; ++witness) {
    BN_set_word(g.get(), witness);
    if (!BN_mod_exp(y.get(), g.get(), r.get(), n, ctx.get())) return OpenSslError("factor recovery");
    if (BN_is_one(y.get()) || BN_cmp(y.get(), n_minus_1.get()) == 0) continue;
    // For a consistent key g^k = 1 (mod n), so the squarings reach 1 within t steps; if they
    // do not, d is wrong and further witnesses cannot help.
    bool reached_one = false;
    for (int i = 0; i < t; ++i) {
      if (!BN_mod_sqr(x.get(), y.get(), n, ctx.get())) return OpenSslError("factor recovery");
      if (BN_is_one(x.get())) {
        // y is a non-trivial square root of 1 mod n.
        BN_sub(y.get(), y.get(), one.get());
        if (!BN_gcd(p.get(), y.get(), n, ctx.get())) return OpenSslError("factor recovery");
        reached_one = true;
        if (BN_is_one(p.get()) || BN_cmp(p.get(), n) == 0) break;
        if (!BN_div(q.get(), rem.get(), n, p.get(), ctx.get())) return OpenSslError("factor recovery");
        if (!BN_is_zero(rem.get())) break;
        // Keep p > q, the usual convention (qi = q^-1 mod p).
        if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);
        return std::make_pair(std::move(p), std::move(q));
      }
      if (BN_cmp(x.get(), n_minus_1.get()) == 0) {
        reached_one = true;  // the next square is the trivial root 1
        break;
      }
      BN_copy(y.get(), x.get());
    }
    if (!reached_one) break;
  }
  return Status::InvalidArgument("JWK is inconsistent: d does not match n and e");
}

struct RsaParts {
  BnPtr n, e, d, p, q, dp, dq, qi;
};

// The consistency check of a private key, so a corrupted JWK fails at load with a typed error
// and not as bad signatures later. It replaces EVP_PKEY_pairwise_check, which also proves p and
// q prime by Miller-Rabin: ~0.7 s for a 4096-bit key, paid by every node start (B7). Instead:
//   * the algebra every member must satisfy: n = p*q (p, q > 1), e*d = 1 mod lcm(p-1, q-1),
//     e*dp = 1 mod (p-1), e*dq = 1 mod (q-1), q*qi = 1 mod p. Any change to any member (a bit
//     flip, a truncation, a member from another key) breaks one of these;
//   * a sign/verify round trip through the very CRT path signing uses (CheckSignRoundTrip).
//     For a composite p or q the CRT exponentiation does not invert e except with negligible
//     probability (it is a Fermat test of p and q to the base of the padded message), so the
//     round trip fails; for prime p, q the algebra above makes the key correct.
// What is not proven is that p and q are prime when a key was crafted to pass the round trip;
// such a key only harms its owner (its signatures are the owner's) and is no risk to the node.
Status CheckPrivateMembers(const RsaParts& parts) {
  BnCtxPtr ctx(BN_CTX_new());
  if (!ctx) throw std::bad_alloc();
  auto inconsistent = [](const char* what) {
    return Status::InvalidArgument(std::string("JWK is inconsistent: ") + what);
  };
  if (BN_cmp(parts.p.get(), BN_value_one()) <= 0 || BN_cmp(parts.q.get(), BN_value_one()) <= 0) {
    return inconsistent("p and q must be greater than 1");
  }
  BnPtr t = NewBn(), pm1 = NewBn(), qm1 = NewBn(), g = NewBn(), lambda = NewBn();
  if (!BN_mul(t.get(), parts.p.get(), parts.q.get(), ctx.get())) return OpenSslError("key check");
  if (BN_cmp(t.get(), parts.n.get()) != 0) return inconsistent("n is not p*q");
  if (!BN_sub(pm1.get(), parts.p.get(), BN_value_one()) || !BN_sub(qm1.get(), parts.q.get(), BN_value_one()) ||
      !BN_gcd(g.get(), pm1.get(), qm1.get(), ctx.get()) || !BN_mul(t.get(), pm1.get(), qm1.get(), ctx.get()) ||
      !BN_div(lambda.get(), nullptr, t.get(), g.get(), ctx.get())) {
    return OpenSslError("key check");
  }
  auto is_inverse_of_e = [&](const BIGNUM* x, const BIGNUM* m) -> Result<bool> {
    if (!BN_mod_mul(t.get(), parts.e.get(), x, m, ctx.get())) return OpenSslError("key check");
    return static_cast<bool>(BN_is_one(t.get()));
  };
  AO_ASSIGN_OR_RETURN(bool d_ok, is_inverse_of_e(parts.d.get(), lambda.get()));
  if (!d_ok) return inconsistent("e*d is not 1 mod lcm(p-1, q-1)");
  AO_ASSIGN_OR_RETURN(bool dp_ok, is_inverse_of_e(parts.dp.get(), pm1.get()));
  if (!dp_ok) return inconsistent("dp is not the inverse of e mod p-1");
  AO_ASSIGN_OR_RETURN(bool dq_ok, is_inverse_of_e(parts.dq.get(), qm1.get()));
  if (!dq_ok) return inconsistent("dq is not the inverse of e mod q-1");
  if (BN_cmp(parts.qi.get(), parts.p.get()) >= 0 || !BN_mod_mul(t.get(), parts.qi.get(), parts.q.get(), parts.p.get(), ctx.get()) || !BN_is_one(t.get())) {
    return inconsistent("qi is not the inverse of q mod p");
  }
  return Status::OK();
}

bool VerifyWithKey(EVP_PKEY* key, size_t modulus_bytes, std::string_view data, std::string_view signature);

// Signs a fixed message with `key` (RSA-PSS/SHA-512, the CRT path of every signature) and
// verifies it with the public half. See CheckPrivateMembers for why this matters.
Status CheckSignRoundTrip(EVP_PKEY* key, int modulus_bytes) {
  static constexpr std::string_view kProbe = "aocore wallet consistency probe";
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  size_t len = static_cast<size_t>(modulus_bytes);
  Bytes sig(len, '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(kProbe.data());
  if (EVP_DigestSignInit_ex(md.get(), &pctx, "SHA512", nullptr, nullptr, key, nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512()) != 1 ||
      EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, kProbe.size()) != 1) {
    return Status::InvalidArgument("JWK is inconsistent: the key cannot sign (" + OpenSslErrors() + ")");
  }
  sig.resize(len);
  if (!VerifyWithKey(key, static_cast<size_t>(modulus_bytes), kProbe, sig)) {
    return Status::InvalidArgument("JWK is inconsistent: a signature made with the private members "
                                   "does not verify with the public key");
  }
  return Status::OK();
}

Result<std::shared_ptr<EVP_PKEY>> BuildKey(const RsaParts& parts, bool has_private) {
  if (has_private) AO_RETURN_IF_ERROR(CheckPrivateMembers(parts));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw std::bad_alloc();
  bool pushed = OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, parts.n.get()) &&
                OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, parts.e.get());
  if (has_private) {
    pushed = pushed &&
             OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, parts.d.get()) &&
             OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, parts.p.get()) &&
             OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, parts.q.get()) &&
             OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, parts.dp.get()) &&
             OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, parts.dq.get()) &&
             OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, parts.qi.get());
  }
  if (!pushed) return OpenSslError("building RSA key parameters");
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return OpenSslError("building RSA key parameters");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return OpenSslError("RSA key context");
  EVP_PKEY* raw = nullptr;
  int selection = has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return Status::InvalidArgument("JWK is not a usable RSA key: " + OpenSslErrors());
  }
  auto key = WrapKey(raw);
  if (has_private) AO_RETURN_IF_ERROR(CheckSignRoundTrip(key.get(), BN_num_bytes(parts.n.get())));
  return key;
}

Result<BnPtr> GetBn(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return OpenSslError(std::string("reading RSA parameter ") + name);
  }
  return BnPtr(raw);
}

Status CheckExponent(const BIGNUM* e) {
  if (!BN_is_word(e, Wallet::kPublicExponent)) {
    return Status::InvalidArgument("JWK member 'e' must be 65537 (AQAB)");
  }
  return Status::OK();
}

// Signature verification against an EVP key; any PSS salt length.
bool VerifyWithKey(EVP_PKEY* key, size_t modulus_bytes, std::string_view data,
                   std::string_view signature) {
  // rsa_pss:verify requires the signature to be exactly as long as the modulus; OpenSSL would
  // also accept shorter ones (implied leading zeros), which would let two encodings of one
  // signature (and so two commitment IDs) verify.
  if (signature.size() != modulus_bytes) return false;
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  bool ok = EVP_DigestVerifyInit_ex(md.get(), &pctx, "SHA512", nullptr, nullptr, key, nullptr) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512()) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1 &&
            EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

Result<std::string> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = "cannot open wallet file " + path + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IOError(msg);
  }
  std::string out;
  char buf[8192];
  Status status;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::IOError("cannot read wallet file " + path + ": " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxJwkFileBytes) {
      status = Status::InvalidArgument("wallet file " + path + " is too large to be a JWK");
      break;
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return out;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

}  // namespace

Wallet::Wallet(std::shared_ptr<evp_pkey_st> key, Bytes modulus, bool has_private)
    : key_(std::move(key)),
      modulus_(std::move(modulus)),
      address_(Base64UrlEncode(Sha256(modulus_))),
      has_private_(has_private) {}

Result<Wallet> Wallet::Generate() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kModulusBits) != 1) {
    return OpenSslError("RSA key generation setup");
  }
  BnPtr e = NewBn();
  BN_set_word(e.get(), kPublicExponent);
  if (EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1) {
    return OpenSslError("RSA key generation setup");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return OpenSslError("RSA key generation");
  auto key = WrapKey(raw);
  AO_ASSIGN_OR_RETURN(BnPtr n, GetBn(key.get(), OSSL_PKEY_PARAM_RSA_N));
  return Wallet(std::move(key), BnToBytes(n.get()), /*has_private=*/true);
}

Result<Wallet> Wallet::FromJwk(std::string_view json) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& ex) {
    return Status::InvalidArgument(std::string("JWK is not valid JSON: ") + ex.what());
  }
  if (!doc.is_object()) return Status::InvalidArgument("JWK is not a JSON object");
  Jwk jwk;
  jwk.kty.clear();
  struct Member {
    const char* name;
    std::string* out;
  };
  const Member members[] = {{"kty", &jwk.kty}, {"n", &jwk.n},   {"e", &jwk.e},
                            {"d", &jwk.d},     {"p", &jwk.p},   {"q", &jwk.q},
                            {"dp", &jwk.dp},   {"dq", &jwk.dq}, {"qi", &jwk.qi}};
  for (const Member& m : members) {
    auto it = doc.find(m.name);
    if (it == doc.end()) continue;
    if (!it->is_string()) {
      return Status::InvalidArgument(std::string("JWK member '") + m.name + "' is not a string");
    }
    *m.out = it->get<std::string>();
    if (m.out->empty()) {
      return Status::InvalidArgument(std::string("JWK member '") + m.name + "' is empty");
    }
  }
  if (jwk.kty.empty()) return Status::InvalidArgument("JWK member 'kty' is missing");
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
  AO_RETURN_IF_ERROR(CheckModulus(parts.n.get()));
  AO_ASSIGN_OR_RETURN(parts.e, DecodeMember("e", jwk.e));
  AO_RETURN_IF_ERROR(CheckExponent(parts.e.get()));

  const std::pair<const char*, const std::string*> crt[] = {
      {"p", &jwk.p}, {"q", &jwk.q}, {"dp", &jwk.dp}, {"dq", &jwk.dq}, {"qi", &jwk.qi}};
  int crt_present = 0;
  for (const auto& [name, value] : crt) crt_present += value->empty() ? 0 : 1;

  if (jwk.d.empty()) {
    if (crt_present > 0) {
      return Status::InvalidArgument("JWK member 'd' is missing but other private members are present");
    }
    AO_ASSIGN_OR_RETURN(auto key, BuildKey(parts, /*has_private=*/false));
    return Wallet(std::move(key), BnToBytes(parts.n.get()), /*has_private=*/false);
  }

  AO_ASSIGN_OR_RETURN(parts.d, DecodeMember("d", jwk.d));
  if (crt_present == 0) {
    // The reference's own form: derive the factors and CRT members.
    AO_ASSIGN_OR_RETURN(auto pq, RecoverFactors(parts.n.get(), parts.e.get(), parts.d.get()));
    parts.p = std::move(pq.first);
    parts.q = std::move(pq.second);
    BnCtxPtr ctx(BN_CTX_new());
    if (!ctx) throw std::bad_alloc();
    BnPtr pm1 = NewBn(), qm1 = NewBn();
    parts.dp = NewBn();
    parts.dq = NewBn();
    BN_sub(pm1.get(), parts.p.get(), BN_value_one());
    BN_sub(qm1.get(), parts.q.get(), BN_value_one());
    if (!BN_mod(parts.dp.get(), parts.d.get(), pm1.get(), ctx.get()) ||
        !BN_mod(parts.dq.get(), parts.d.get(), qm1.get(), ctx.get())) {
      return OpenSslError("CRT exponents");
    }
    parts.qi.reset(BN_mod_inverse(nullptr, parts.q.get(), parts.p.get(), ctx.get()));
    if (!parts.qi) return Status::InvalidArgument("JWK is inconsistent: q has no inverse mod p");
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
  AO_ASSIGN_OR_RETURN(auto key, BuildKey(parts, /*has_private=*/true));
  return Wallet(std::move(key), BnToBytes(parts.n.get()), /*has_private=*/true);
}

Result<Wallet> Wallet::FromModulus(std::string_view modulus) {
  if (modulus.empty()) return Status::InvalidArgument("RSA modulus is empty");
  if (modulus[0] == '\0') return Status::InvalidArgument("RSA modulus has a leading zero byte");
  RsaParts parts;
  parts.n = BytesToBn(modulus);
  AO_RETURN_IF_ERROR(CheckModulus(parts.n.get()));
  parts.e = NewBn();
  BN_set_word(parts.e.get(), kPublicExponent);
  AO_ASSIGN_OR_RETURN(auto key, BuildKey(parts, /*has_private=*/false));
  return Wallet(std::move(key), Bytes(modulus), /*has_private=*/false);
}

Result<Wallet> Wallet::Load(const std::string& path) {
  AO_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  auto wallet = FromJwk(text);
  if (!wallet.ok()) return wallet.status().WithContext("wallet file " + path);
  return wallet;
}

Jwk Wallet::ToJwkFields() const {
  Jwk jwk;
  auto enc = [this](const char* name) {
    auto bn = GetBn(key_.get(), name);
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

std::string Wallet::ToJwk() const {
  Jwk jwk = ToJwkFields();
  nlohmann::ordered_json doc;
  doc["kty"] = jwk.kty;
  doc["n"] = jwk.n;
  doc["e"] = jwk.e;
  if (has_private_) {
    doc["d"] = jwk.d;
    doc["p"] = jwk.p;
    doc["q"] = jwk.q;
    doc["dp"] = jwk.dp;
    doc["dq"] = jwk.dq;
    doc["qi"] = jwk.qi;
  }
  return doc.dump();
}

Status Wallet::Save(const std::string& path) const {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  // mkstemp creates the file with mode 0600, so the key is never readable by others, even
  // before the rename.
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return Status::IOError("cannot create temporary file for wallet " + path + ": " +
                           std::strerror(errno));
  }
  auto fail = [&](std::string_view what, Status cause) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot save wallet " + path + ": " + std::string(what) + ": " +
                           cause.message());
  };
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod", Status::IOError(std::strerror(errno)));
  Status written = WriteAll(fd, ToJwk());
  if (!written.ok()) return fail("write", written);
  if (::fsync(fd) != 0) return fail("fsync", Status::IOError(std::strerror(errno)));
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot save wallet " + path + ": close: " + std::strerror(errno));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot save wallet " + path + ": rename: " + std::strerror(err));
  }
  // Persist the directory entry too; failure here does not undo a completed rename.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::OK();
}

Result<Bytes> Wallet::Sign(std::string_view data) const {
  if (!has_private_) {
    return Status::InvalidArgument("wallet " + address_ + " has no private key; it cannot sign");
  }
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md) throw std::bad_alloc();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (EVP_DigestSignInit_ex(md.get(), &pctx, "SHA512", nullptr, nullptr, key_.get(), nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512()) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kSignSaltLength) != 1) {
    return OpenSslError("RSA-PSS signing setup");
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(md.get(), nullptr, &len, in, data.size()) != 1) {
    return OpenSslError("RSA-PSS signing");
  }
  Bytes sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    return OpenSslError("RSA-PSS signing");
  }
  sig.resize(len);
  return sig;
}

bool Wallet::Verify(std::string_view data, std::string_view signature) const {
  return VerifyWithKey(key_.get(), modulus_.size(), data, signature);
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
