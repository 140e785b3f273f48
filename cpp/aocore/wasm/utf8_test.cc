#include "aocore/wasm/utf8.h"

#include <gtest/gtest.h>

namespace ao::wasm {
namespace {

TEST(ReplaceInvalidUtf8Test, ValidTextIsUnchanged) {
  const std::string text = "plain ascii, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80";
  EXPECT_EQ(ReplaceInvalidUtf8(text), text);
}

TEST(ReplaceInvalidUtf8Test, EachInvalidByteBecomesOneReplacement) {
  // Lua `return "A\255\254B"`: ao-loader returns "A\uFFFD\uFFFDB".
  EXPECT_EQ(ReplaceInvalidUtf8("A\xFF\xFE" "B"), "A\xEF\xBF\xBD\xEF\xBF\xBD" "B");
}

TEST(ReplaceInvalidUtf8Test, TruncatedSequenceIsOneReplacement) {
  // A maximal ill-formed prefix (E2 82 without its last byte) is replaced once, as TextDecoder does.
  EXPECT_EQ(ReplaceInvalidUtf8("x\xE2\x82y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(ReplaceInvalidUtf8("\xE2\x82"), "\xEF\xBF\xBD");
}

TEST(ReplaceInvalidUtf8Test, SurrogatesAndOverlongFormsAreRejected) {
  // ED A0 80 would encode U+D800; C0 80 is an overlong NUL: each byte is its own error.
  EXPECT_EQ(ReplaceInvalidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ReplaceInvalidUtf8("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ReplaceInvalidUtf8("\xF5\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace ao::wasm
