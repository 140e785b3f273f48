#include "aocore/crypto/rsa_key.h"

#include <string>

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/jwk.h"
#include "aocore/crypto/wallet.h"
#include "testing/test_util.h"

namespace ao {
namespace {

BnPtr Member(const std::string& b64) {
  auto bytes = Base64UrlDecode(b64);
  EXPECT_TRUE(bytes.ok());
  return BytesToBn(*bytes);
}

// The full members of the shared test key.
RsaParts FullParts() {
  Jwk jwk = testing::SharedTestWallet().ToJwkFields();
  RsaParts parts;
  parts.n = Member(jwk.n);
  parts.e = Member(jwk.e);
  parts.d = Member(jwk.d);
  parts.p = Member(jwk.p);
  parts.q = Member(jwk.q);
  parts.dp = Member(jwk.dp);
  parts.dq = Member(jwk.dq);
  parts.qi = Member(jwk.qi);
  return parts;
}

TEST(RsaKey, CompletesTheCrtMembersFromNED) {
  RsaParts full = FullParts();
  RsaParts parts;
  parts.n = Member(testing::SharedTestWallet().ToJwkFields().n);
  parts.e = Member("AQAB");
  parts.d = Member(testing::SharedTestWallet().ToJwkFields().d);
  ASSERT_TRUE(CompleteRsaCrtMembers(parts).ok());
  // The factors come back as p > q; the CRT members follow from them.
  BnPtr expected_p = NewBn(), expected_q = NewBn();
  BN_copy(expected_p.get(), BN_cmp(full.p.get(), full.q.get()) > 0 ? full.p.get() : full.q.get());
  BN_copy(expected_q.get(), BN_cmp(full.p.get(), full.q.get()) > 0 ? full.q.get() : full.p.get());
  EXPECT_EQ(BN_cmp(parts.p.get(), expected_p.get()), 0);
  EXPECT_EQ(BN_cmp(parts.q.get(), expected_q.get()), 0);
  auto key = BuildRsaKey(parts, /*has_private=*/true);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
}

TEST(RsaKey, RecoveryFailsWithATypedErrorWhenDDoesNotMatch) {
  RsaParts parts = FullParts();
  BN_add_word(parts.d.get(), 2);
  auto pq = RecoverRsaFactors(parts.n.get(), parts.e.get(), parts.d.get());
  EXPECT_TRUE(pq.status().IsInvalidArgument()) << pq.status().ToString();
}

TEST(RsaKey, BuildRejectsAnInconsistentPrivateMember) {
  ASSERT_TRUE(BuildRsaKey(FullParts(), /*has_private=*/true).ok());
  RsaParts parts = FullParts();
  BN_add_word(parts.qi.get(), 1);
  auto key = BuildRsaKey(parts, /*has_private=*/true);
  ASSERT_TRUE(key.status().IsInvalidArgument());
  EXPECT_NE(key.status().message().find("qi"), std::string::npos) << key.status().ToString();
  // The public half alone is still a usable key.
  EXPECT_TRUE(BuildRsaKey(parts, /*has_private=*/false).ok());
}

TEST(RsaKey, ModulusAndExponentChecks) {
  BnPtr n = NewBn();
  BN_set_bit(n.get(), 2047);
  EXPECT_TRUE(CheckRsaModulus(n.get()).IsInvalidArgument());  // even
  BN_set_bit(n.get(), 0);
  EXPECT_TRUE(CheckRsaModulus(n.get()).ok());
  BN_rshift1(n.get(), n.get());
  BN_set_bit(n.get(), 0);
  EXPECT_TRUE(CheckRsaModulus(n.get()).IsInvalidArgument());  // 2047 bits
  BnPtr e = NewBn();
  BN_set_word(e.get(), 3);
  EXPECT_TRUE(CheckRsaExponent(e.get(), 65537).IsInvalidArgument());
  BN_set_word(e.get(), 65537);
  EXPECT_TRUE(CheckRsaExponent(e.get(), 65537).ok());
}

}  // namespace
}  // namespace ao
