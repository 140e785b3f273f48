#include "aocore/crypto/wallet.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "aocore/common/bytes.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// A JWK generated once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096`
// and converted to base64url members; its address was computed independently (Python
// hashlib over the 512-byte modulus).
constexpr char kFixedJwk[] =
    "{"
    "\"kty\":\""
    "RSA"
    "\","
    "\"n\":\""
    "lV0Om2kCqvY1bXkpSyIRCzoB-owDYOSY8O84B6qFu-MNgkwCqMnFu7mZ4pK7qZYBMR5XgnH-rT-YpgHqbOfpfHPo"
    "_xrh-lbMRotsn3OZ-Gg-ENu4nhgbeouADjUTKgfgRBWlKPSeDhtVeFylOnqqUF_k5-StUvm1IpDD-YM7LiZnSFqw"
    "hTRZy9TtU5hRNpPan-UZ-jX_QgQ453FR_zkqYZoTxFvQiJcZ_jOe5DLyiEUEjGKm_pwSuTWFI_7mcayj72lvoixj"
    "ivdL5MvBtfCJrHUESOSOhlJam03tSZ-CP-y6MYjIymbQHoULq1VFT1XXlUBeNMWPwju6KOicdXNdBSdgXeGuus08"
    "yrWT7BFDOHvR6DnOgv4dlc28aUYE-CrKIOpoKUF5yzkCBCM31sC1EnMJJIbif3UEpbLad5bIIf5a95kCT-N5B0Lc"
    "0nG_kAfxkLyIBCTDB99aJ3LNlVNdWnVywvBEFzRDdMaK9Wh6SFJglvVdAmruGAHoUVkrbrL2Kc9tTgmlXbKxqa0d"
    "FfNKTiGbB2x9oOPtMhm5h-y9nDzrlORZqloeXavAoeJm9aHAk8CjB9h5zzQKbyj4qoM0IYEZAPaUx4mW976gCnMP"
    "X5PAgZGYnqT-mxIFrbsFrA9O4VmXm7aOx_kGsZa2c0YYmsoOhGV6DLcrgAkhb8OfC4s"
    "\","
    "\"e\":\""
    "AQAB"
    "\","
    "\"d\":\""
    "CKB-6Vh0Xf4XX55UDGQs5db1cyfrZy22EW69b-B8zKc0d9P-p1Oqa6TnazJTS6U_pl_qaSrRP53g4Mt30T0RBOUH"
    "12ejqXIP-Puw3kscl621rbop_KQ1Pqu8395Xe3QjkzRI2NDgKeJsSBOQqUMHEmyC7AJ8jp3pV2Z3trITlNYXSxL8"
    "K_Mj-uWAyWLX0W0JpAib86RzDyYUI-RR1feJcPsnrNcF5ft59dzgjq1epRCPc2hTSubdH7NthMwCXoq8mBxqLl8L"
    "ZxvQoINpbms0qsKdxE95ejhaoWF1AraZryoYb5VrqT0asjQBVK7C3jd9yFIXA3BtMDqnxT1myJy7CeM9OIwFkio7"
    "AgQCeEzeukXBZNkHM5hZfo3ZEXqDD82DVT75sPg63_QlOkU48yxdxVIWRjKd7GufF4kv8GkX-r3t6tWEGBqU_Vx6"
    "OPXuuBAHWBC8SXn5r5pP5T4SRyF9UyE04NrlHOFtJ9fa125OkC-volBEc0QopvtRXPsM7V8Bzbdw8MTgdBX0PRFP"
    "jqGpKu_jYbm6WyarBG55HdYR7txpT3sBpBuV2zHtOrK7Y3mAM-BKpWFeGOUujKdijK0VtYJfllZ1aIUMHZsJfflV"
    "w-dJfnT6CjHzLTgjJDJYsI3xwi8GUfn7Bu_FIWDN8aBjNnPIUh7fjnbD6U1rIL1ZsvE"
    "\","
    "\"p\":\""
    "0XoJcK9LzKSfWPlg45ITH9m9RI4PnY1ppkqzAwol4ZzDMVf_H9JrwY468B6OJ5ImSMt8ohnvkGEZZkssH8wv9_84"
    "bsq8f-acFoSSmF-EzFKCO8bpfC9WnlopuKC9VvSwnrG1-Ic4H61uDnvpNX9LA67H5rxoEk_e3IlevWh_Ba6SvYsJ"
    "dzMBk4E6-5Fp3qU8y20KyPeBDTS4UzE6T3_uhMS-neFWnt19Oj2JTzlINIh_tySQnyQ6Onb17N0PQBx0eSFGA14c"
    "btRry8O-pKwapSTPVeWIB2SDuDlSwss4L6xbVwb5zbnzJE2GmO5Meyt1T0ebqu8efvq7FDjs9JlAiQ"
    "\","
    "\"q\":\""
    "tok8mYx1iYi5LmiIxORheCBMpeOcMEnVdTcwjlJweQ9YSqf1rMyWDXQk7w603NGdCZpRrpzwIgC7YT3nnvTOmjYr"
    "giG1Y-ddu0Qaxvjv3o3JBZ1GVHZ8PdYA5gDIixjnnfajf8YBy9el5pIzvkA9EN-QyTTSdRsHv7fyw5ef1EpfOrUb"
    "B8ogj279LDktQlQBlawuoSRFgdfFqYVHDRaLbUOCiYWm9Zn64dinhN0qAlYyUkR9dt_jL1nJUEHwZ4ToLsfs73Z2"
    "680GG47Fj-VL6eyqwJuZbsHdnx-4jmn2_DO1GGoD9naltNOGKVBgzAxdIUdf48o_k4id1Zrez78ecw"
    "\","
    "\"dp\":\""
    "Bobg6Gvt1rCCbolGpZCVm_Zy2UH75pLTaeUF8uBMEd2Kj20Ie_tYdC10VKr_DuiU3MvKVFquhjcgTXmmJE9-ZyHC"
    "pmEWwn1y-5ih4LGJN7ySZj5qY_4tmr2Ac0o-3Ai_wBIVc2rzKrmCplziBVK0CadWfy_7piZq8UAufYRWAN1RoSpF"
    "3zrtn6T1K4V6YP-RB12camqb0MeFvsHX6UY5LlXbApxU0JpiHoBwWNGWGFzwbcpr3ymHzu6J9xlkMkEwt917ivtR"
    "s3pW6YBt3j-mjOK6uxhtxp0xJXpTw9IFLCcYqXuEKQ7ULptjyDwUkfnmq9O1W_wbXSV-0sB7UZu80Q"
    "\","
    "\"dq\":\""
    "KMudLpgUwMs8z-FvB8oe-pEFcGHhS22E9nCCOpy0JGpIik7lelwzAQi_JGp-A4gZd8b0kHjktkTBnCcQuBbwgciv"
    "iqLr_kr8SNkcvvFt8qhvkACpckEU3WERzFXKfEPxp_0yZ2Eij6M_obt1MwT6YOYGXuGeU6vZ3IBJEmu1veVtSRqm"
    "0uPayRO-I38X3WYXAJN9zGfl3PITbCKsUYGDYcUfzIqBWQyz5HveXLRtKh6HmplSDRpWlQOVGYnTJ9-tYJ8wFgi8"
    "5VBqGAidoN5XTA2nz-o2rWlIlcKqJbILECyiQbWX8yJrQHGx31PmflQZEFH6XVebQ-bZl57IQ1fsfw"
    "\","
    "\"qi\":\""
    "De0D9tIlf98YN4W2dQrzmgQC7L5fGSMsbvPaDIKBxGKeHaCf4T4wJ_yOm2g93YQMMIW_xQqlN1cCRsOgwebfyE6e"
    "nSCpuHrjAcMnwM1wKQYv494dHzTFukI9NnCbsOsQoPetTPInXEAWUErwkFw-VsCHn9gnEGUWPutey-1M2-owMnqr"
    "TGZsHGEtHB5jXQ_kQx5KRG5h1sbu_mJDnBx77Z1AmIyLINcFKQuJiXOYEAI-z57gJmzkTdFVUYpyhUfNhGbiKdNn"
    "pXradDJgKxtOp1lQi5HzFEXWP_HW7kCh1Fz4qm9A4QfXtLN-HIgiY6oXdg4YFgDRhFloDX4x_7a1Fw"
    "\""
    "}";
constexpr char kFixedAddress[] = "kpVhrF4unZvF388bR83JRJms3k-6xjLDNtSPIJ9X2K0";

// SHA-256 straight through OpenSSL, independent of aocore's hash helpers.
std::string IndependentSha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// An OpenSSL key built directly from a wallet's JWK members, so a test can sign with
// parameters the Wallet API does not expose (other PSS salt lengths).
std::shared_ptr<EVP_PKEY> RawKey(const Jwk& jwk) {
  auto bn = [](const std::string& b64) {
    Bytes bytes = Base64UrlDecode(b64).value();
    return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr);
  };
  BIGNUM* parts[] = {bn(jwk.n), bn(jwk.e), bn(jwk.d), bn(jwk.p), bn(jwk.q), bn(jwk.dp), bn(jwk.dq),
                     bn(jwk.qi)};
  const char* names[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                         OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                         OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                         OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  for (int i = 0; i < 8; ++i) OSSL_PARAM_BLD_push_BN(bld, names[i], parts[i]);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (BIGNUM* b : parts) BN_free(b);
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// RSA-PSS-SHA512 with an explicit salt length (RSA_PSS_SALTLEN_MAX = -3 for the maximum).
Bytes RawPssSign(EVP_PKEY* key, std::string_view data, int salt_len) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit_ex(md, &pctx, "SHA512", nullptr, nullptr, key, nullptr);
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512());
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len);
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  EVP_DigestSign(md, nullptr, &len, in, data.size());
  Bytes sig(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size());
  sig.resize(len);
  EVP_MD_CTX_free(md);
  return sig;
}

// Verification that insists on one salt length, to pin down what Sign uses.
bool RawPssVerifyExactSalt(EVP_PKEY* key, std::string_view data, std::string_view sig,
                           int salt_len) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestVerifyInit_ex(md, &pctx, "SHA512", nullptr, nullptr, key, nullptr);
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512());
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len);
  bool ok = EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

std::string JwkWith(std::string_view base, const nlohmann::json& changes,
                    std::initializer_list<const char*> remove = {}) {
  nlohmann::json doc = nlohmann::json::parse(base);
  for (const char* key : remove) doc.erase(key);
  for (auto it = changes.begin(); it != changes.end(); ++it) doc[it.key()] = it.value();
  return doc.dump();
}

// RSA-4096 generation takes about a second, so the suite generates one wallet and shares it;
// the fixed JWK serves as the "other" wallet.
class WalletTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto generated = Wallet::Generate();
    ASSERT_OK(generated);
    generated_ = new Wallet(std::move(generated).value());
    auto fixed = Wallet::FromJwk(kFixedJwk);
    ASSERT_OK(fixed);
    fixed_ = new Wallet(std::move(fixed).value());
  }
  static void TearDownTestSuite() {
    delete generated_;
    delete fixed_;
    generated_ = nullptr;
    fixed_ = nullptr;
  }
  static const Wallet& generated() { return *generated_; }
  static const Wallet& fixed() { return *fixed_; }

 private:
  static const Wallet* generated_;
  static const Wallet* fixed_;
};

const Wallet* WalletTest::generated_ = nullptr;
const Wallet* WalletTest::fixed_ = nullptr;

TEST_F(WalletTest, GeneratesRsa4096WithExponent65537) {
  const Wallet& w = generated();
  EXPECT_TRUE(w.HasPrivateKey());
  ASSERT_EQ(w.Modulus().size(), 512u);
  EXPECT_NE(static_cast<unsigned char>(w.Modulus()[0]) & 0x80, 0);  // full 4096 bits
  Jwk jwk = w.ToJwkFields();
  EXPECT_EQ(jwk.kty, "RSA");
  EXPECT_EQ(jwk.e, "AQAB");
  for (const std::string* member : {&jwk.d, &jwk.p, &jwk.q, &jwk.dp, &jwk.dq, &jwk.qi}) {
    EXPECT_FALSE(member->empty());
  }
}

TEST_F(WalletTest, AddressIsBase64UrlOfSha256OfModulus) {
  EXPECT_EQ(fixed().Address(), kFixedAddress);
  // Independent computation: decode `n` from the JSON text and hash it with raw OpenSSL.
  std::string n_text = nlohmann::json::parse(kFixedJwk)["n"].get<std::string>();
  Bytes modulus = Base64UrlDecode(n_text).value();
  ASSERT_EQ(modulus.size(), 512u);
  EXPECT_EQ(Base64UrlEncode(IndependentSha256(modulus)), kFixedAddress);
  EXPECT_EQ(fixed().Modulus(), modulus);

  const Wallet& g = generated();
  EXPECT_EQ(g.Address().size(), 43u);
  EXPECT_EQ(g.Address(), Base64UrlEncode(IndependentSha256(g.Modulus())));
  EXPECT_NE(g.Address(), fixed().Address());
}

TEST_F(WalletTest, JwkRoundTripsThroughJson) {
  for (const Wallet* w : {&generated(), &fixed()}) {
    std::string json = w->ToJwk();
    nlohmann::json doc = nlohmann::json::parse(json);
    for (const char* member : {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"}) {
      ASSERT_TRUE(doc.contains(member)) << member;
      EXPECT_TRUE(doc[member].is_string()) << member;
      EXPECT_EQ(doc[member].get<std::string>().find('='), std::string::npos) << "padding in " << member;
    }
    auto back = Wallet::FromJwk(json);
    ASSERT_OK(back);
    EXPECT_EQ(back->Address(), w->Address());
    EXPECT_EQ(back->ToJwk(), json);
  }
  // The fixed JWK comes back member for member.
  nlohmann::json original = nlohmann::json::parse(kFixedJwk);
  nlohmann::json written = nlohmann::json::parse(fixed().ToJwk());
  EXPECT_EQ(written, original);
}

TEST_F(WalletTest, LoadsTheReferenceShortFormAndRecoversTheFactors) {
  // ar_wallet:to_json writes only kty, ext, e, n, d.
  std::string short_form = JwkWith(kFixedJwk, {{"ext", true}}, {"p", "q", "dp", "dq", "qi"});
  auto wallet = Wallet::FromJwk(short_form);
  ASSERT_OK(wallet);
  EXPECT_TRUE(wallet->HasPrivateKey());
  EXPECT_EQ(wallet->Address(), kFixedAddress);
  Jwk recovered = wallet->ToJwkFields();
  Jwk original = fixed().ToJwkFields();
  EXPECT_EQ(recovered.d, original.d);
  EXPECT_TRUE((recovered.p == original.p && recovered.q == original.q) ||
              (recovered.p == original.q && recovered.q == original.p));
  auto sig = wallet->Sign("short form");
  ASSERT_OK(sig);
  EXPECT_TRUE(fixed().Verify("short form", *sig));
}

TEST_F(WalletTest, SaveWritesMode0600AndLoadRoundTrips) {
  testing::TempDir dir;
  std::string path = (dir.path() / "wallet.json").string();
  ASSERT_OK(generated().Save(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto loaded = Wallet::Load(path);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->Address(), generated().Address());
  EXPECT_EQ(loaded->ToJwk(), generated().ToJwk());
  // Only the key file is left: the temporary file was renamed into place.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(WalletTest, SaveReplacesAnExistingFileAndTightensItsMode) {
  testing::TempDir dir;
  std::string path = (dir.path() / "wallet.json").string();
  { std::ofstream(path) << "old contents"; }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_OK(fixed().Save(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto loaded = Wallet::Load(path);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->Address(), kFixedAddress);
}

TEST_F(WalletTest, SaveIntoAMissingDirectoryIsAnIOError) {
  testing::TempDir dir;
  Status s = fixed().Save((dir.path() / "no" / "such" / "wallet.json").string());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
}

TEST_F(WalletTest, LoadingAMissingFileIsNotFound) {
  testing::TempDir dir;
  auto r = Wallet::Load((dir.path() / "absent.json").string());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
}

TEST_F(WalletTest, LoadingATruncatedFileNamesThePathAndTheProblem) {
  testing::TempDir dir;
  std::string path = (dir.path() / "cut.json").string();
  std::string full = fixed().ToJwk();
  { std::ofstream(path) << full.substr(0, full.size() / 2); }
  auto r = Wallet::Load(path);
  ASSERT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos) << r.status().ToString();
}

TEST_F(WalletTest, SignsAndVerifies) {
  const Wallet& w = generated();
  auto sig = w.Sign("the signature base");
  ASSERT_OK(sig);
  EXPECT_EQ(sig->size(), 512u);
  EXPECT_TRUE(w.Verify("the signature base", *sig));
  EXPECT_TRUE(Wallet::VerifyWithModulus(w.Modulus(), "the signature base", *sig));
  EXPECT_TRUE(Wallet::VerifyWithJwk(w.ToJwk(), "the signature base", *sig));
  // A random salt makes every signature different, and each verifies.
  auto sig2 = w.Sign("the signature base");
  ASSERT_OK(sig2);
  EXPECT_NE(*sig, *sig2);
  EXPECT_TRUE(w.Verify("the signature base", *sig2));
}

TEST_F(WalletTest, SignUsesTheReference64ByteSalt) {
  auto sig = fixed().Sign("salted");
  ASSERT_OK(sig);
  auto raw = RawKey(fixed().ToJwkFields());
  EXPECT_TRUE(RawPssVerifyExactSalt(raw.get(), "salted", *sig, 64));
  EXPECT_FALSE(RawPssVerifyExactSalt(raw.get(), "salted", *sig, 32));
}

TEST_F(WalletTest, VerifyRejectsAnyOneByteChange) {
  const Wallet& w = generated();
  std::string data = "message bytes";
  auto sig = w.Sign(data);
  ASSERT_OK(sig);
  std::string changed_data = data;
  changed_data[3] ^= 0x01;
  EXPECT_FALSE(w.Verify(changed_data, *sig));
  for (size_t pos : {size_t{0}, size_t{100}, sig->size() - 1}) {
    Bytes changed_sig = *sig;
    changed_sig[pos] ^= 0x01;
    EXPECT_FALSE(w.Verify(data, changed_sig)) << "byte " << pos;
  }
  EXPECT_FALSE(w.Verify(data, sig->substr(1)));
  EXPECT_FALSE(w.Verify(data, std::string(1, '\0') + *sig));
  EXPECT_FALSE(w.Verify(data, ""));
}

TEST_F(WalletTest, VerifyRejectsAnotherWalletsKey) {
  auto sig = generated().Sign("data");
  ASSERT_OK(sig);
  EXPECT_FALSE(fixed().Verify("data", *sig));
  EXPECT_FALSE(Wallet::VerifyWithModulus(fixed().Modulus(), "data", *sig));
}

TEST_F(WalletTest, VerifyAcceptsOtherSaltLengths) {
  auto raw = RawKey(fixed().ToJwkFields());
  // Maximum salt (what arweave-js and other AO clients use), the 32 bytes some clients use,
  // and no salt at all.
  for (int salt : {RSA_PSS_SALTLEN_MAX, 32, 0}) {
    Bytes sig = RawPssSign(raw.get(), "foreign client", salt);
    ASSERT_EQ(sig.size(), 512u);
    EXPECT_TRUE(fixed().Verify("foreign client", sig)) << "salt " << salt;
    EXPECT_FALSE(fixed().Verify("foreign clienT", sig)) << "salt " << salt;
  }
  // The maximum salt is really the maximum: exact verification with 512-64-2 bytes passes.
  Bytes max_sig = RawPssSign(raw.get(), "x", RSA_PSS_SALTLEN_MAX);
  EXPECT_TRUE(RawPssVerifyExactSalt(raw.get(), "x", max_sig, 512 - 64 - 2));
}

TEST_F(WalletTest, PublicOnlyWalletVerifiesButCannotSign) {
  std::string public_jwk = JwkWith(kFixedJwk, {}, {"d", "p", "q", "dp", "dq", "qi"});
  auto pub = Wallet::FromJwk(public_jwk);
  ASSERT_OK(pub);
  EXPECT_FALSE(pub->HasPrivateKey());
  EXPECT_EQ(pub->Address(), kFixedAddress);
  auto sig = fixed().Sign("payload");
  ASSERT_OK(sig);
  EXPECT_TRUE(pub->Verify("payload", *sig));
  auto attempt = pub->Sign("payload");
  EXPECT_TRUE(attempt.status().IsInvalidArgument()) << attempt.status().ToString();
  nlohmann::json written = nlohmann::json::parse(pub->ToJwk());
  EXPECT_FALSE(written.contains("d"));
  EXPECT_EQ(written.size(), 3u);  // kty, n, e

  auto from_modulus = Wallet::FromModulus(fixed().Modulus());
  ASSERT_OK(from_modulus);
  EXPECT_EQ(from_modulus->Address(), kFixedAddress);
  EXPECT_TRUE(from_modulus->Verify("payload", *sig));
}

TEST(Wallet, FromModulusRejectsUnusableModuli) {
  EXPECT_TRUE(Wallet::FromModulus("").status().IsInvalidArgument());
  EXPECT_TRUE(Wallet::FromModulus(std::string(511, '\x01') + '\x02').status().IsInvalidArgument());  // even
  EXPECT_TRUE(Wallet::FromModulus(std::string(64, '\xff')).status().IsInvalidArgument());  // 512 bits
  std::string leading_zero = std::string(1, '\0') + std::string(511, '\xff');
  EXPECT_TRUE(Wallet::FromModulus(leading_zero).status().IsInvalidArgument());
  EXPECT_FALSE(Wallet::VerifyWithModulus("", "data", std::string(512, 'x')));
}

struct MalformedCase {
  const char* name;
  std::string jwk;
  const char* expected;  // a substring of the error message
};

TEST(Wallet, MalformedJwksNameTheProblem) {
  std::string full = kFixedJwk;
  nlohmann::json fixed = nlohmann::json::parse(full);
  std::string n = fixed["n"].get<std::string>();
  std::string d = fixed["d"].get<std::string>();
  std::string p = fixed["p"].get<std::string>();
  std::string q = fixed["q"].get<std::string>();
  std::string dp = fixed["dp"].get<std::string>();
  std::string dq = fixed["dq"].get<std::string>();
  std::string qi = fixed["qi"].get<std::string>();
  auto flip_char = [](std::string s, size_t pos) {
    s[pos] = s[pos] == 'A' ? 'B' : 'A';
    return s;
  };
  const MalformedCase cases[] = {
      {"empty", "", "not valid JSON"},
      {"truncated", full.substr(0, full.size() - 40), "not valid JSON"},
      {"array", "[1, 2]", "not a JSON object"},
      {"no kty", JwkWith(full, {}, {"kty"}), "'kty' is missing"},
      {"EC kty", JwkWith(full, {{"kty", "EC"}}), "expected 'RSA'"},
      {"no n", JwkWith(full, {}, {"n"}), "'n' is missing"},
      {"no e", JwkWith(full, {}, {"e"}), "'e' is missing"},
      {"n not a string", JwkWith(full, {{"n", 12345}}), "'n' is not a string"},
      {"n bad base64", JwkWith(full, {{"n", "abc$def"}}), "'n' is not valid base64url"},
      {"n too short", JwkWith(full, {{"n", n.substr(0, 100)}}), "bits"},
      {"e not 65537", JwkWith(full, {{"e", "Aw"}}), "65537"},
      {"d bad base64", JwkWith(full, {{"d", "!!"}}), "'d' is not valid base64url"},
      {"q missing", JwkWith(full, {}, {"q"}), "'q' is missing"},
      {"d without p..qi, wrong d", JwkWith(full, {{"d", flip_char(d, 10)}}, {"p", "q", "dp", "dq", "qi"}),
       "inconsistent"},
      {"p corrupted", JwkWith(full, {{"p", flip_char(p, 20)}}), "inconsistent"},
      // Each private member corrupted on its own, with every other member intact (the cheap
      // consistency check that replaced OpenSSL's pairwise check must catch each one).
      {"d corrupted", JwkWith(full, {{"d", flip_char(d, 10)}}), "inconsistent"},
      {"q corrupted", JwkWith(full, {{"q", flip_char(q, 20)}}), "inconsistent"},
      {"dp corrupted", JwkWith(full, {{"dp", flip_char(dp, 15)}}), "inconsistent"},
      {"dq corrupted", JwkWith(full, {{"dq", flip_char(dq, 15)}}), "inconsistent"},
      {"qi corrupted", JwkWith(full, {{"qi", flip_char(qi, 15)}}), "inconsistent"},
      {"p and q swapped", JwkWith(full, {{"p", q}, {"q", p}}), "inconsistent"},
      {"n from another key", JwkWith(full, {{"n", flip_char(n, 30)}}), "inconsistent"},
      {"private members without d", JwkWith(full, {}, {"d"}), "'d' is missing"},
  };
  for (const MalformedCase& c : cases) {
    auto r = Wallet::FromJwk(c.jwk);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << r.status().ToString();
  }
}

}  // namespace
}  // namespace ao
