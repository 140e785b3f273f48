#include "aocore/common/bytes.h"

#include <gtest/gtest.h>

namespace ao {
namespace {

TEST(Bytes, Base64UrlRoundTripsEveryLength) {
  Bytes data;
  for (int n = 0; n < 70; ++n) {
    Result<Bytes> back = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, data);
    data += static_cast<char>(n * 37 + 200);
  }
}

TEST(Bytes, KnownEncodings) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(Base64UrlEncode(Bytes(32, '\0')).size(), 43u);
}

TEST(Bytes, DecodeRejectsBadInput) {
  EXPECT_TRUE(Base64UrlDecode("ab+c").status().IsInvalidArgument());
  EXPECT_TRUE(Base64Decode("a").status().IsInvalidArgument());
}

TEST(Bytes, IdShapes) {
  EXPECT_TRUE(IsIdShaped(std::string(43, 'a')));
  EXPECT_TRUE(IsIdShaped(std::string(32, 'a')));
  EXPECT_TRUE(IsIdShaped(std::string(42, 'a')));
  EXPECT_FALSE(IsIdShaped(std::string(44, 'a')));
  EXPECT_TRUE(IsHumanId(Base64UrlEncode(Bytes(32, 'x'))));
  EXPECT_FALSE(IsHumanId(std::string(43, '+')));
}

TEST(Bytes, IsAllZeroFindsANonZeroByteAnywhere) {
  EXPECT_TRUE(IsAllZero(""));
  EXPECT_TRUE(IsAllZero(std::string(1, '\0')));
  EXPECT_TRUE(IsAllZero(std::string(4096, '\0')));
  for (size_t at : {size_t{0}, size_t{1}, size_t{2047}, size_t{4095}}) {
    std::string bytes(4096, '\0');
    bytes[at] = '\x01';
    EXPECT_FALSE(IsAllZero(bytes)) << at;
  }
}

}  // namespace
}  // namespace ao
