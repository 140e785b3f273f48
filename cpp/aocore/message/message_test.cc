#include "aocore/message/message.h"

#include <gtest/gtest.h>

namespace ao {
namespace {

TEST(Value, KindsAndAtoms) {
  EXPECT_TRUE(Value(true).is_true());
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(int64_t{5}).is_integer());
  EXPECT_TRUE(Value(1.5).is_float());
  EXPECT_TRUE(Value("x").is_binary());
  EXPECT_TRUE(Value::Symbol("unset").IsAtom("unset"));
  EXPECT_EQ(KindName(Value(Message{}).kind()), "message");
}

TEST(Value, BinaryAndIntegerDiffer) {
  EXPECT_FALSE(Value("1") == Value(1));
  EXPECT_TRUE(Value(1) == Value(int64_t{1}));
}

TEST(Message, SetFindEraseAndDeepEquality) {
  Message m{{"b", 2}, {"a", Value(Message{{"x", "1"}})}};
  EXPECT_EQ(m.begin()->first, "a");  // sorted
  EXPECT_EQ(m.FindMessage("a")->FindBinary("x")->size(), 1u);
  Message copy = m;
  EXPECT_EQ(copy, m);
  copy.Set("b", 3);
  EXPECT_FALSE(copy == m);
  EXPECT_TRUE(copy.Erase("b"));
  EXPECT_FALSE(copy.Erase("b"));
  EXPECT_EQ(m.Find("b")->integer(), 2);
}

}  // namespace
}  // namespace ao
