#include "aocore/message/value.h"

#include <gtest/gtest.h>

#include "aocore/message/message.h"

namespace ao {
namespace {

TEST(Value, CopyingALongBinarySharesItsBytes) {
  Value a(Bytes(1 << 20, 'm'));
  Value b = a;
  EXPECT_EQ(b.kind(), Value::Kind::kBinary);
  EXPECT_EQ(a.binary().data(), b.binary().data());  // no copy of the MiB
  EXPECT_EQ(a.binary_ptr(), b.binary_ptr());
  EXPECT_EQ(a, b);
}

TEST(Value, ShortBinariesAreInlineAndCompareByContentWithLongOnes) {
  Value shortv(Bytes(Value::kInlineBinaryMax, 's'));
  Value copy = shortv;
  EXPECT_NE(shortv.binary().data(), copy.binary().data());  // inline: its own bytes
  EXPECT_EQ(shortv, copy);
  EXPECT_TRUE(shortv.is_binary());
  // The same bytes through the two representations are the same value.
  Value long1(Bytes(Value::kInlineBinaryMax + 1, 'x'));
  Value long2(Bytes(Value::kInlineBinaryMax + 1, 'x'));
  EXPECT_NE(long1.binary().data(), long2.binary().data());
  EXPECT_EQ(long1, long2);
  EXPECT_FALSE(long1 == Value(Bytes(Value::kInlineBinaryMax + 1, 'y')));
  EXPECT_FALSE(long1 == shortv);
  // A shared pointer to a short binary is stored inline.
  Value from_ptr(std::make_shared<const Bytes>("abc"));
  EXPECT_EQ(from_ptr, Value("abc"));
  EXPECT_EQ(Value(std::shared_ptr<const Bytes>()), Value(""));
}

TEST(Value, CopyingAListSharesItsElements) {
  Value::List l;
  for (int i = 0; i < 1000; ++i) l.push_back(Value(i));
  Value a(std::move(l));
  Value b = a;
  EXPECT_EQ(&a.list(), &b.list());
  EXPECT_EQ(a, b);
  // "Modifying" builds a new list; the original is unchanged.
  Value::List grown = b.list();
  grown.push_back(Value(1000));
  Value c(std::move(grown));
  EXPECT_EQ(a.list().size(), 1000u);
  EXPECT_EQ(c.list().size(), 1001u);
  EXPECT_FALSE(a == c);
  Value shared(a.list_ptr());
  EXPECT_EQ(&shared.list(), &a.list());
}

TEST(Value, AStateCopySharesItsLargeValues) {
  Message state{{"memory", Value(Bytes(4 << 20, 0))}, {"log", Value(Value::List{Value(1), Value("x")})}};
  Message copy = state;
  copy.Set("at-slot", Value(5));
  EXPECT_EQ(state.Find("memory")->binary().data(), copy.Find("memory")->binary().data());
  EXPECT_EQ(&state.Find("log")->list(), &copy.Find("log")->list());
}

// TakeMessage moves the message out of a Value that alone holds it (its entries are the same
// objects afterwards: no copy), and copies it when the message is shared, leaving the other
// holder's message as it was.
TEST(Value, TakeMessageMovesAMessageHeldOnceAndCopiesASharedOne) {
  Value alone(Message{{"k", Value(Bytes(200, 'v'))}, {"n", Value(1)}});
  const Value* entry = alone.message().Find("k");
  Message taken = std::move(alone).TakeMessage();
  ASSERT_NE(taken.Find("k"), nullptr);
  EXPECT_EQ(taken.Find("k"), entry);  // the same map node: moved, not copied
  EXPECT_EQ(taken.size(), 2u);

  Value shared(Message{{"k", Value("v")}});
  Value other = shared;
  Message copy = std::move(shared).TakeMessage();
  copy.Set("extra", Value(2));
  EXPECT_EQ(other.message(), (Message{{"k", Value("v")}}));  // untouched
  EXPECT_NE(copy.Find("k"), other.message().Find("k"));
  EXPECT_EQ(copy.size(), 2u);
}

TEST(Value, KindsAndNames) {
  EXPECT_EQ(Value().kind(), Value::Kind::kAtom);
  EXPECT_EQ(Value(1).kind(), Value::Kind::kInteger);
  EXPECT_EQ(Value(1.5).kind(), Value::Kind::kFloat);
  EXPECT_EQ(Value("b").kind(), Value::Kind::kBinary);
  EXPECT_EQ(Value(Bytes(100, 'b')).kind(), Value::Kind::kBinary);
  EXPECT_EQ(Value(Value::List{}).kind(), Value::Kind::kList);
  EXPECT_EQ(Value(Message{}).kind(), Value::Kind::kMessage);
  EXPECT_EQ(KindName(Value(Bytes(100, 'b')).kind()), "binary");
  EXPECT_EQ(KindName(Value(Value::List{}).kind()), "list");
}

}  // namespace
}  // namespace ao
