#include "aocore/crypto/rsa_key.h"

#include <new>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "aocore/crypto/rsa_pss.h"

namespace ao {
namespace {

// The salt of the consistency probe: the wallet's own (any length would do).
constexpr int kProbeSaltLength = 64;

std::shared_ptr<EVP_PKEY> WrapKey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

}  // namespace

BnPtr NewBn() {
  BnPtr b(BN_new());
  if (!b) throw std::bad_alloc();
  return b;
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

std::string DrainOpenSslErrors() {
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
  return Status::Internal(std::string(what) + ": " + DrainOpenSslErrors());
}

Status CheckRsaModulus(const BIGNUM* n) {
  int bits = BN_num_bits(n);
  if (bits < kMinRsaModulusBits || bits > kMaxRsaModulusBits) {
    return Status::InvalidArgument("RSA modulus has " + std::to_string(bits) +
                                   " bits; expected " + std::to_string(kMinRsaModulusBits) + " to " +
                                   std::to_string(kMaxRsaModulusBits));
  }
  if (!BN_is_odd(n)) return Status::InvalidArgument("RSA modulus is even");
  return Status::OK();
}

Status CheckRsaExponent(const BIGNUM* e, unsigned long expected) {
  if (!BN_is_word(e, expected)) {
    return Status::InvalidArgument("JWK member 'e' must be " + std::to_string(expected) +
                                   (expected == 65537 ? " (AQAB)" : ""));
  }
  return Status::OK();
}

// Recovers the prime factors p, q of n from the exponents (n, e, d). The reference writes
// JWKs without them (ar_wallet:to_json), but RFC 7518 readers expect all members, and CRT
// signing is several times faster. The method is the standard one (NIST SP 800-56B Rev. 2,
// Appendix C.1 style): k = d*e - 1 = 2^t * r; for a witness g, the sequence g^r, g^2r, ...
// mod n reaches a non-trivial square root y of 1, and gcd(y - 1, n) is a factor.
Result<std::pair<BnPtr, BnPtr>> RecoverRsaFactors(const BIGNUM* n, const BIGNUM* e,
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

Status CompleteRsaCrtMembers(RsaParts& parts) {
  AO_ASSIGN_OR_RETURN(auto pq, RecoverRsaFactors(parts.n.get(), parts.e.get(), parts.d.get()));
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
  return Status::OK();
}

namespace {

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

// Signs a fixed message with `key` (RSA-PSS/SHA-512, the CRT path of every signature) and
// verifies it with the public half. See CheckPrivateMembers for why this matters.
Status CheckSignRoundTrip(EVP_PKEY* key) {
  static constexpr std::string_view kProbe = "aocore wallet consistency probe";
  auto sig = RsaPssSignWithKey(key, PssDigest::kSha512, kProbeSaltLength, kProbe);
  if (!sig.ok()) {
    return Status::InvalidArgument("JWK is inconsistent: the key cannot sign (" +
                                   sig.status().message() + ")");
  }
  if (!RsaPssVerifyWithKey(key, PssDigest::kSha512, kProbe, *sig)) {
    return Status::InvalidArgument("JWK is inconsistent: a signature made with the private members "
                                   "does not verify with the public key");
  }
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<EVP_PKEY>> BuildRsaKey(const RsaParts& parts, bool has_private) {
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
  const int selection = has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return Status::InvalidArgument("JWK is not a usable RSA key: " + DrainOpenSslErrors());
  }
  auto key = WrapKey(raw);
  if (has_private) AO_RETURN_IF_ERROR(CheckSignRoundTrip(key.get()));
  return key;
}

Result<std::shared_ptr<EVP_PKEY>> GenerateRsaKey(int bits, unsigned long e) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1) {
    return OpenSslError("RSA key generation setup");
  }
  BnPtr exponent = NewBn();
  BN_set_word(exponent.get(), e);
  if (EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) != 1) {
    return OpenSslError("RSA key generation setup");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return OpenSslError("RSA key generation");
  return WrapKey(raw);
}

Result<BnPtr> GetRsaParam(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return OpenSslError(std::string("reading RSA parameter ") + name);
  }
  return BnPtr(raw);
}

}  // namespace ao
