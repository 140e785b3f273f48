#include "aocore/message/avro_tags.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"

namespace ao {
namespace {

using namespace std::string_literals;

TEST(AvroTags, ZeroTagsAreZeroBytes) {
  EXPECT_EQ(EncodeAvroTags({}), "");
  auto tags = DecodeAvroTags("", 128);
  ASSERT_TRUE(tags.ok());
  EXPECT_TRUE(tags->empty());
}

TEST(AvroTags, EncodesZigzagVarintsAndTerminator) {
  // count 1 -> 0x02; "Action" (6) -> 0x0c; "Eval" (4) -> 0x08; then the 0x00 terminator.
  EXPECT_EQ(HexEncode(EncodeAvroTags({{"Action", "Eval"}})), "020c416374696f6e084576616c00");
  // 70 tags need a two-byte count (8c 01); a 200-byte value a two-byte length (90 03).
  std::vector<Tag> many(70, Tag{"", ""});
  EXPECT_EQ(HexEncode(EncodeAvroTags(many).substr(0, 2)), "8c01");
  EXPECT_EQ(HexEncode(EncodeAvroTags({{"", std::string(200, 'x')}}).substr(2, 2)), "9003");
}

TEST(AvroTags, RoundTripsBinaryAndDuplicateTags) {
  std::vector<Tag> tags = {{"Dup", "first"}, {"Dup", "second"}, {"Empty", ""}, {"\x00\xff"s, "\x01"s}};
  auto back = DecodeAvroTags(EncodeAvroTags(tags), 128);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tags);
}

TEST(AvroTags, ReadsNegativeCountBlocksAndSeveralBlocks) {
  // Block 1: count -1 (0x01) with its byte size 4 (0x08); block 2: count 1; terminator.
  std::string bytes = "\x01\x08"s + "\x02" "a" "\x02" "1" + "\x02" + "\x02" "b" "\x02" "2" + "\x00"s;
  auto tags = DecodeAvroTags(bytes, 128);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, (std::vector<Tag>{{"a", "1"}, {"b", "2"}}));
}

TEST(AvroTags, RefusesMalformedInput) {
  EXPECT_TRUE(DecodeAvroTags("\x02", 128).status().IsInvalidArgument());            // no items
  EXPECT_TRUE(DecodeAvroTags("\x02\x02" "a", 128).status().IsInvalidArgument());    // no value
  EXPECT_TRUE(DecodeAvroTags("\x02\x02" "a\x02" "1", 128).status().IsInvalidArgument());  // no end
  EXPECT_TRUE(DecodeAvroTags(std::string(11, '\x80'), 128).status().IsInvalidArgument());
  EXPECT_TRUE(DecodeAvroTags("\x02\x03", 128).status().IsInvalidArgument());        // length -2
  EXPECT_TRUE(DecodeAvroTags("\x01\x7f", 128).status().IsInvalidArgument());        // negative block size
  EXPECT_TRUE(DecodeAvroTags("\x00\x00"s, 128).status().IsInvalidArgument());       // trailing byte
  // A count over the limit is refused before anything is read or allocated.
  auto huge = DecodeAvroTags("\xfe\xff\xff\xff\x0f"s, 128);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("more than 128"), std::string::npos);
}

}  // namespace
}  // namespace ao
