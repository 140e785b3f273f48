#include "aocore/message/key.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

TEST(Key, LowercasesOrdinaryKeys) {
  EXPECT_EQ(*NormalizeKey("Test-Header"), "test-header");
  EXPECT_EQ(*NormalizeKey("a"), "a");
  EXPECT_EQ(*NormalizeKey("\xC3\x84" "BC"), "\xC3\xA4" "bc");  // ÄBC -> äbc
  EXPECT_EQ(*NormalizeKey("\xC3\x89"), "\xC3\xA9");             // É -> é
  EXPECT_EQ(*NormalizeKey("\xC4\xB0"), "i\xCC\x87");            // İ -> i + U+0307
}

TEST(Key, KeepsIdShapedKeys) {
  std::string upper43(43, 'Q');
  EXPECT_EQ(*NormalizeKey(upper43), upper43);
  EXPECT_EQ(*NormalizeKey(std::string(32, 'Q')), std::string(32, 'Q'));
  EXPECT_EQ(*NormalizeKey(std::string(44, 'Q')), std::string(44, 'q'));
}

TEST(Key, RejectsInvalidUtf8) {
  Result<std::string> r = NormalizeKey("bad\xff");
  EXPECT_TRUE(r.status().IsInvalidArgument());
}

TEST(Key, CollisionsKeepTheLastSortingOriginalKey) {
  Message m{{"A", "1"}, {"a", "2"}};
  Result<Message> n = NormalizeKeys(m);
  ASSERT_OK(n);
  EXPECT_EQ(n->size(), 1u);
  EXPECT_EQ(n->Find("a")->binary(), "2");
}

TEST(Key, NormalizeKeysIsTopLevelOnlyAndDeepIsEverywhere) {
  Message inner{{"X", 1}};
  Message m{{"ABC", Value(inner)}};
  Message top = *NormalizeKeys(m);
  EXPECT_TRUE(top.Find("abc")->message().Contains("X"));
  Message deep = *NormalizeKeysDeep(m);
  EXPECT_TRUE(deep.Find("abc")->message().Contains("x"));
}

TEST(Key, PrivateKeysArePrefixedByPriv) {
  for (const char* k : {"priv", "priv_a", "private", "Private-X", "privileged", "priv.foo"}) {
    EXPECT_TRUE(IsPrivateKey(k)) << k;
  }
  for (const char* k : {"pri", "a", "xpriv", "prov"}) EXPECT_FALSE(IsPrivateKey(k)) << k;
}

TEST(Key, ListsBecomeNumberedMessages) {
  Message m = ListToMessage({Value("A"), Value("B")});
  EXPECT_EQ(m.Find("1")->binary(), "A");
  EXPECT_EQ(m.Find("2")->binary(), "B");
}

TEST(Key, MessageTextReadsBinariesAndIntegersAsMessageFindFindsThem) {
  const Message m{{"Target", Value("abc")}, {"slot", Value(int64_t{42})}, {"flag", Value(true)}};
  EXPECT_EQ(MessageText(m, "target"), "abc");  // found as message@1.0 finds it
  EXPECT_EQ(MessageText(m, "slot"), "42");
  EXPECT_EQ(MessageText(m, "flag"), std::nullopt);  // neither text nor an integer
  EXPECT_EQ(MessageText(m, "missing"), std::nullopt);
}

}  // namespace
}  // namespace ao
