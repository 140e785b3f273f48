// The RFC 8941 dictionary parser on the two headers a commitment holds, its refusals, and the
// sf-string serialisation (round-tripped through the parser).
#include "aocore/message/structured_fields.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

TEST(StructuredFields, ParsesASignatureInputMemberWithItsParamsLine) {
  Result<std::vector<SfDictionaryMember>> members = ParseSfDictionary(
      R"(comm-1=("@path" "content-type" "ao-types");alg="rsa-pss-sha512";keyid="abc";created=17)");
  ASSERT_OK(members);
  ASSERT_EQ(members->size(), 1u);
  const SfDictionaryMember& m = (*members)[0];
  EXPECT_EQ(m.name, "comm-1");
  EXPECT_TRUE(m.inner_list);
  EXPECT_EQ(m.items, (std::vector<std::string>{"@path", "content-type", "ao-types"}));
  EXPECT_EQ(m.params.at("alg"), "rsa-pss-sha512");
  EXPECT_EQ(m.params.at("keyid"), "abc");
  EXPECT_EQ(m.params.at("created"), "17");
  // The raw value is the signature params line, exactly as written after `=`.
  EXPECT_EQ(m.raw, R"(("@path" "content-type" "ao-types");alg="rsa-pss-sha512";keyid="abc";created=17)");
}

TEST(StructuredFields, ParsesByteSequencesAndFindsMembersByName) {
  Result<std::vector<SfDictionaryMember>> members = ParseSfDictionary("a=:aGVsbG8=:, b=:d29ybGQ=:;x, flag");
  ASSERT_OK(members);
  ASSERT_EQ(members->size(), 3u);
  const SfDictionaryMember* b = FindSfMember(*members, "b");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->bytes.has_value());
  EXPECT_EQ(*b->bytes, "world");
  EXPECT_EQ(b->params.at("x"), "1");  // a bare parameter is boolean true
  EXPECT_EQ(*FindSfMember(*members, "a")->bytes, "hello");
  EXPECT_FALSE(FindSfMember(*members, "flag")->bytes.has_value());
  EXPECT_EQ(FindSfMember(*members, "missing"), nullptr);
}

TEST(StructuredFields, RefusesWhatItDoesNotUnderstandWithoutCrashing) {
  for (const char* bad : {"", "a=(\"x\"", "a=\"unterminated", "a=\"bad\\q\"", "a=1.5", "a=:not base64!:",
                          "a=1,", "a=1 b=2", "A=1", "a=(:aGk=:)", "a=1234567890123456"}) {
    Result<std::vector<SfDictionaryMember>> r = ParseSfDictionary(bad);
    EXPECT_FALSE(r.ok()) << "accepted: " << bad;
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
    }
  }
}

TEST(StructuredFields, AnSfStringRoundTripsThroughTheParser) {
  const std::string text = "a \"quoted\" \\ back";
  std::string out = "k=";
  AppendSfString(text, out);
  EXPECT_EQ(out, R"(k="a \"quoted\" \\ back")");
  Result<std::vector<SfDictionaryMember>> members = ParseSfDictionary(out + ";p=1");
  ASSERT_OK(members);
  EXPECT_EQ((*members)[0].params.at("p"), "1");
  std::string in_list = "k=(";
  AppendSfString(text, in_list);
  in_list += ")";
  members = ParseSfDictionary(in_list);
  ASSERT_OK(members);
  EXPECT_EQ((*members)[0].items, std::vector<std::string>{text});
}

}  // namespace
}  // namespace ao
