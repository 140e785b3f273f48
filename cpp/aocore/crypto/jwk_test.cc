#include "aocore/crypto/jwk.h"

#include <gtest/gtest.h>

namespace ao {
namespace {

TEST(Jwk, ParsesMembersAndSerializesThemBackInOrder) {
  auto jwk = ParseJwk(R"({"e":"AQAB","kty":"RSA","n":"bg","extra":1})");
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->kty, "RSA");
  EXPECT_EQ(jwk->n, "bg");
  EXPECT_EQ(jwk->e, "AQAB");
  EXPECT_TRUE(jwk->d.empty());
  EXPECT_EQ(SerializeJwk(*jwk), R"({"kty":"RSA","n":"bg","e":"AQAB"})");
  jwk->d = "d";
  jwk->p = "p";
  jwk->q = "q";
  jwk->dp = "dp";
  jwk->dq = "dq";
  jwk->qi = "qi";
  EXPECT_EQ(SerializeJwk(*jwk),
            R"({"kty":"RSA","n":"bg","e":"AQAB","d":"d","p":"p","q":"q","dp":"dp","dq":"dq","qi":"qi"})");
}

TEST(Jwk, MalformedTextNamesTheProblem) {
  struct Case {
    const char* json;
    const char* expected;
  };
  for (const Case& c : {Case{"{", "not valid JSON"}, Case{"[]", "not a JSON object"},
                        Case{R"({"n":"bg"})", "'kty' is missing"},
                        Case{R"({"kty":"RSA","n":5})", "'n' is not a string"},
                        Case{R"({"kty":"RSA","d":""})", "'d' is empty"}}) {
    auto jwk = ParseJwk(c.json);
    ASSERT_TRUE(jwk.status().IsInvalidArgument()) << c.json;
    EXPECT_NE(jwk.status().message().find(c.expected), std::string::npos)
        << c.json << ": " << jwk.status().ToString();
  }
}

}  // namespace
}  // namespace ao
