#include "aocore/crypto/rsa_pss.h"

#include <string>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

TEST(RsaPss, MaxSaltFor4096BitsIs478WithSha256) {
  EXPECT_EQ(MaxPssSaltLength(4096, PssDigest::kSha256), 478);
  EXPECT_EQ(MaxPssSaltLength(4096, PssDigest::kSha512), 446);
  EXPECT_EQ(MaxPssSaltLength(2049, PssDigest::kSha256), 222);  // emLen = 256
}

TEST(RsaPss, VerifyReportsTheSaltLengthUsed) {
  const Wallet& w = testing::SharedTestWallet();
  for (PssDigest d : {PssDigest::kSha256, PssDigest::kSha512}) {
    for (int salt : {0, 20, 32, 64, MaxPssSaltLength(4096, d)}) {
      auto sig = RsaPssSign(w, d, salt, "payload");
      ASSERT_TRUE(sig.ok()) << sig.status().ToString();
      EXPECT_EQ(sig->size(), 512u);
      EXPECT_EQ(RsaPssVerify(w.Modulus(), d, "payload", *sig), salt);
    }
  }
}

TEST(RsaPss, WalletSignaturesVerifyAsSha512Salt64) {
  const Wallet& w = testing::SharedTestWallet();
  auto sig = w.Sign("abc");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha512, "abc", *sig), Wallet::kSignSaltLength);
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha256, "abc", *sig), std::nullopt);
}

TEST(RsaPss, RefusesWrongDataKeyOrLength) {
  const Wallet& w = testing::SharedTestWallet();
  auto sig = RsaPssSign(w, PssDigest::kSha256, 32, "payload");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha256, "payloaD", *sig), std::nullopt);
  std::string flipped = *sig;
  flipped[200] = static_cast<char>(flipped[200] ^ 0x10);
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha256, "payload", flipped), std::nullopt);
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha256, "payload", sig->substr(1)), std::nullopt);
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha256, "payload", std::string(512, '\xff')), std::nullopt);
  EXPECT_EQ(RsaPssVerify("not a modulus", PssDigest::kSha256, "payload", *sig), std::nullopt);
  EXPECT_EQ(RsaPssVerify("", PssDigest::kSha256, "payload", *sig), std::nullopt);
}

TEST(RsaPss, SignRefusesOutOfRangeSaltAndPublicOnlyWallets) {
  const Wallet& w = testing::SharedTestWallet();
  EXPECT_TRUE(RsaPssSign(w, PssDigest::kSha256, 479, "x").status().IsInvalidArgument());
  EXPECT_TRUE(RsaPssSign(w, PssDigest::kSha256, -1, "x").status().IsInvalidArgument());
  auto pub = Wallet::FromModulus(w.Modulus());
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(RsaPssSign(*pub, PssDigest::kSha256, 32, "x").status().IsInvalidArgument());
}

TEST(RsaPssDeterministic, SameDataGivesTheSameSignatureAndDifferentDataAnother) {
  const Wallet& w = testing::SharedTestWallet();
  auto a = w.SignDeterministic("assignment base");
  auto b = w.SignDeterministic("assignment base");
  auto c = w.SignDeterministic("assignment basE");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << a.status().ToString();
  EXPECT_EQ(a->size(), 512u);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  // The ordinary signature of the same data is randomised: the deterministic one is not it.
  auto random = w.Sign("assignment base");
  ASSERT_TRUE(random.ok());
  EXPECT_NE(*a, *random);
}

TEST(RsaPssDeterministic, OpenSslsStandardPssVerificationAcceptsItWithTheWalletsSaltLength) {
  const Wallet& w = testing::SharedTestWallet();
  auto sig = w.SignDeterministic("payload");
  ASSERT_TRUE(sig.ok());
  // RsaPssVerify has OpenSSL's EVP_DigestVerify (RSA_PKCS1_PSS_PADDING, MGF1-SHA-512) check the
  // signature with the salt length it carries: the same 64 bytes as Wallet::Sign.
  EXPECT_EQ(RsaPssVerify(w.Modulus(), PssDigest::kSha512, "payload", *sig), Wallet::kSignSaltLength);
  EXPECT_TRUE(w.Verify("payload", *sig));
  EXPECT_TRUE(Wallet::VerifyWithModulus(w.Modulus(), "payload", *sig));
  EXPECT_FALSE(w.Verify("payloaD", *sig));
  std::string flipped = *sig;
  flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
  EXPECT_FALSE(w.Verify("payload", flipped));
}

TEST(RsaPssDeterministic, OtherDigestsAndSaltLengthsVerifyToo) {
  const Wallet& w = testing::SharedTestWallet();
  for (PssDigest d : {PssDigest::kSha256, PssDigest::kSha512}) {
    for (int salt : {0, 20, 32, 64}) {
      auto sig = RsaPssSignDeterministic(w, d, salt, "payload");
      ASSERT_TRUE(sig.ok()) << sig.status().ToString();
      EXPECT_EQ(RsaPssVerify(w.Modulus(), d, "payload", *sig), salt);
      auto again = RsaPssSignDeterministic(w, d, salt, "payload");
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(*sig, *again);
    }
  }
}

TEST(RsaPssDeterministic, RefusesSaltsBeyondTheHmacAndPublicOnlyWallets) {
  const Wallet& w = testing::SharedTestWallet();
  EXPECT_TRUE(RsaPssSignDeterministic(w, PssDigest::kSha256, 65, "x").status().IsInvalidArgument());
  EXPECT_TRUE(RsaPssSignDeterministic(w, PssDigest::kSha256, -1, "x").status().IsInvalidArgument());
  auto pub = Wallet::FromModulus(w.Modulus());
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->SignDeterministic("x").status().IsInvalidArgument());
}

}  // namespace
}  // namespace ao
