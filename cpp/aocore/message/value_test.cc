#include "aocore/message/value.h"

#include <optional>
#include <vector>

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

// Prepend shares the list it grows from: each result is [new | older], older is unchanged, the
// number of elements in front of any earlier version is known without comparing elements, and
// a long run of prepends (flattened every few dozen) still finds every recent version.
TEST(Value, PrependSharesTheListItGrowsFrom) {
  Value::List start;
  for (int i = 0; i < 100; ++i) start.push_back(Value(-i));
  std::vector<Value> versions{Value(std::move(start))};
  for (int i = 1; i <= 500; ++i) versions.push_back(Value::Prepend(Value::List{Value(i)}, versions.back()));
  const Value& last = versions.back();
  EXPECT_TRUE(last.is_list());
  EXPECT_EQ(last.list_size(), 600u);
  // The elements, in order; the first version is unchanged.
  ASSERT_EQ(last.list().size(), 600u);
  EXPECT_EQ(last.list()[0], Value(500));
  EXPECT_EQ(last.list()[499], Value(1));
  EXPECT_EQ(last.list()[500], Value(0));
  EXPECT_EQ(last.list()[599], Value(-99));
  EXPECT_EQ(versions.front().list_size(), 100u);
  // Known prefixes over the recent versions (through merged heads too), right whenever an older
  // one is found, none over an equal copy.
  for (size_t back = 0; back <= 300; ++back) {
    const Value& older = versions[versions.size() - 1 - back];
    std::optional<size_t> extra = last.ListPrependedTo(older);
    if (back <= 8) {
      ASSERT_TRUE(extra.has_value()) << back;
    }
    if (extra.has_value()) {
      EXPECT_EQ(*extra, back);
    }
    EXPECT_EQ(last.ListFront(back), Value::List(last.list().begin(), last.list().begin() + back));
  }
  // Each version finds the one before it, also when only the newest version is still held.
  for (size_t i = 1; i < versions.size(); ++i) EXPECT_EQ(versions[i].ListPrependedTo(versions[i - 1]), size_t{1}) << i;
  {
    Value held = versions.back();
    Value grown = Value::Prepend(Value::List{Value(501)}, Value::Prepend(Value::List{Value(502)}, held));
    EXPECT_EQ(grown.ListPrependedTo(held), size_t{2});
  }
  EXPECT_FALSE(last.ListPrependedTo(Value(versions[499].list())).has_value());
  // Equality is by elements, whatever the representation.
  EXPECT_EQ(versions[300], Value(versions[300].list()));
  EXPECT_FALSE(versions[300] == versions[301]);
  // A copy shares the list; a Value built from list_ptr() shares its elements.
  Value copy = last;
  EXPECT_EQ(&copy.list(), &last.list());
  EXPECT_EQ(&Value(last.list_ptr()).list(), &last.list());
  // Prepending nothing gives the same list.
  EXPECT_EQ(Value::Prepend(Value::List{}, last).ListPrependedTo(last), size_t{0});
}

// Growing a list by one element per step costs a bounded number of element copies per step,
// not the length of the list: 200,000 prepends finish (a copy per prepend would copy 2*10^10
// elements), and reading the list once gives every element.
TEST(Value, ManyPrependsDoNotCopyTheList) {
  Value seen(Value::List{});
  for (int64_t i = 0; i < 200000; ++i) seen = Value::Prepend(Value::List{Value(i)}, seen);
  ASSERT_EQ(seen.list().size(), 200000u);
  EXPECT_EQ(seen.list().front(), Value(int64_t{199999}));
  EXPECT_EQ(seen.list().back(), Value(int64_t{0}));
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
