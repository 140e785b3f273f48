#include "aocore/message/structured.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>

#include "aocore/message/structured_fields.h"
#include "testing/test_util.h"

namespace ao {
namespace {

Value M(Message m) { return Value(std::move(m)); }

TEST(Structured, FormatsFloatsLikePrintfPoint20e) {
  EXPECT_EQ(FormatFloat(1.5), "1.50000000000000000000e+00");
  EXPECT_EQ(FormatFloat(0.1), "1.00000000000000005551e-01");
  EXPECT_EQ(FormatFloat(1e20), "1.00000000000000000000e+20");
  EXPECT_EQ(FormatFloat(-0.0), "-0.00000000000000000000e+00");
  EXPECT_EQ(FormatFloat(5e-324), "4.94065645841246544177e-324");
  EXPECT_EQ(FormatFloat(1.7976931348623157e308), "1.79769313486231570815e+308");
}

TEST(Structured, EscapesTypeKeysLikeHbEscape) {
  EXPECT_EQ(EscapeTypeKey("a b"), "a%20b");
  EXPECT_EQ(EscapeTypeKey("c:d"), "c%3ad");
  EXPECT_EQ(EscapeTypeKey("q?&+"), "q?&+");
  EXPECT_EQ(EscapeTypeKey("a\xC3\xA9"), "a%c3%a9");
  EXPECT_EQ(EscapeTypeKey("Aa3D"), "%41a3%44");
  EXPECT_EQ(EscapeTypeKey("x.y-z_/1"), "x.y-z_/1");
}

TEST(Structured, SfStringEscapesOnlyQuoteAndBackslash) {
  std::string out;
  AppendSfString(std::string("a\"b\\c\r\n\t\0\xff", 10), out);
  EXPECT_EQ(out, std::string("\"a\\\"b\\\\c\r\n\t\0\xff\"", 14));
}

TEST(Structured, ListTextTypesEveryNonBinaryElement) {
  Value::List list = {"x",   1,  2.5, true, Value::Null(), Value::List{1, 2}, "q\"b\\c", "",
                      Value::List{}};
  Result<std::string> text = EncodeListText(list);
  ASSERT_OK(text);
  EXPECT_EQ(*text,
            R"("x", "(ao-type-integer) 1", "(ao-type-float) 2.50000000000000000000e+00", )"
            R"("(ao-type-atom) \"true\"", "(ao-type-atom) \"null\"", )"
            R"("(ao-type-list) \"(ao-type-integer) 1\", \"(ao-type-integer) 2\"", )"
            R"("q\"b\\c", "", "(ao-type-list) ")");
}

TEST(Structured, ListOfListsBecomesANumberedMessage) {
  Message msg{{"l", Value::List{Value::List{1, 2}, Value::List{3, Value::List{"a", 4.5}}}}};
  Result<Message> tabm = MessageToTabm(msg);
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm->FindBinary("ao-types"), "l=\"list\"");
  const Message* l = tabm->FindMessage("l");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(*l->FindBinary("1"), R"("(ao-type-integer) 1", "(ao-type-integer) 2")");
  EXPECT_EQ(*l->FindBinary("2"),
            R"("(ao-type-integer) 3", "(ao-type-list) \"a\", \"(ao-type-float) )"
            R"(4.50000000000000000000e+00\"")");
  EXPECT_EQ(*l->FindBinary("ao-types"), "1=\"list\", 2=\"list\"");
}

TEST(Structured, NumberedMessageTypesFollowBytewiseKeyOrder) {
  Value::List list;
  list.reserve(11);
  Message first;
  first.Set("k", "v");
  list.push_back(M(std::move(first)));
  for (int64_t i = 2; i <= 11; ++i) list.emplace_back(i);
  Message msg;
  msg.Set("l", Value(std::move(list)));
  Result<Message> tabm = MessageToTabm(msg);
  ASSERT_OK(tabm);
  const Message* l = tabm->FindMessage("l");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(*l->FindBinary("ao-types"),
            "10=\"integer\", 11=\"integer\", 2=\"integer\", 3=\"integer\", 4=\"integer\", "
            "5=\"integer\", 6=\"integer\", 7=\"integer\", 8=\"integer\", 9=\"integer\"");
}

TEST(Structured, EmptiesAndScalarsGetTypeEntries) {
  Message msg{{"e", ""},       {"el", Value::List{}}, {"em", M(Message{})},
              {"f", 0.5},      {"i", -5},             {"n", Value::Null()},
              {"b", "binary"}, {"p", M(Message{{"priv", M(Message{{"x", "1"}})}})}};
  Result<Message> tabm = MessageToTabm(msg);
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm->FindBinary("ao-types"),
            "e=\"empty-binary\", el=\"empty-list\", em=\"empty-message\", f=\"float\", "
            "i=\"integer\", n=\"atom\", p=\"empty-message\"");
  EXPECT_EQ(*tabm->FindBinary("i"), "-5");
  EXPECT_EQ(*tabm->FindBinary("n"), "\"null\"");
  EXPECT_EQ(*tabm->FindBinary("b"), "binary");
  EXPECT_FALSE(tabm->Contains("e"));
  EXPECT_FALSE(tabm->Contains("el"));
  EXPECT_FALSE(tabm->Contains("em"));
  EXPECT_FALSE(tabm->Contains("p"));
}

TEST(Structured, DropsPrivateAndRegeneratedKeysAtEveryLevel) {
  Message inner{{"Private", "x"}, {"content-digest", "d"}, {"unsigned_id", "u"}, {"k", "v"}};
  Message msg{{"priv", M(Message{{"a", "1"}})}, {"privx", 1}, {"n", M(inner)}, {"a", "1"}};
  Result<Message> tabm = MessageToTabm(msg);
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm, (Message{{"a", "1"}, {"n", M(Message{{"k", "v"}})}}));
}

TEST(Structured, CapitalPrivOnlyMessageIsNotEmptyMessage) {
  // Only the literal key `priv` makes an "empty message"; {"Priv": 1} encodes to an empty map.
  Result<Message> tabm = MessageToTabm(Message{{"a", M(Message{{"Priv", 1}})}});
  ASSERT_OK(tabm);
  EXPECT_FALSE(tabm->Contains("ao-types"));
  ASSERT_NE(tabm->FindMessage("a"), nullptr);
  EXPECT_TRUE(tabm->FindMessage("a")->empty());
}

TEST(Structured, NormalisesKeysAtEveryLevel) {
  Result<Message> tabm = MessageToTabm(Message{{"BAR", M(Message{{"QuX", 3}})}});
  ASSERT_OK(tabm);
  const Message* bar = tabm->FindMessage("bar");
  ASSERT_NE(bar, nullptr);
  EXPECT_EQ(*bar->FindBinary("qux"), "3");
  EXPECT_EQ(*bar->FindBinary("ao-types"), "qux=\"integer\"");
}

TEST(Structured, GeneratedAoTypesReplacesUserValue) {
  Result<Message> tabm = MessageToTabm(Message{{"ao-types", "zz"}, {"a", 1}});
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm->FindBinary("ao-types"), "a=\"integer\"");
  Result<Message> kept = MessageToTabm(Message{{"ao-types", "zz"}, {"a", "1"}});
  ASSERT_OK(kept);
  EXPECT_EQ(*kept->FindBinary("ao-types"), "zz");
}

TEST(Structured, DeviceRendersAsFixedText) {
  Result<Message> tabm = MessageToTabm(Message{{"d", Value(std::shared_ptr<Device>())}});
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm->FindBinary("d"), kDeviceText);
  EXPECT_FALSE(tabm->Contains("ao-types"));
}

TEST(Structured, AtomNamesAreWrittenAsLatin1) {
  Result<Message> tabm = MessageToTabm(Message{{"a", Value::Symbol("\xC3\xA9t\xC3\xA9")}});
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm->FindBinary("a"), "\"\xE9t\xE9\"");
  Result<Message> bad = MessageToTabm(Message{{"a", Value::Symbol("\xE2\x82\xAC")}});  // €
  ASSERT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("\"a\""), std::string::npos);
}

TEST(Structured, MessageInsideListTextIsAnErrorNamingTheKey) {
  Result<Message> r =
      MessageToTabm(Message{{"n", M(Message{{"lst", Value::List{1, M(Message{{"x", 1}})}}})}});
  ASSERT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("\"n\""), std::string::npos);
  EXPECT_NE(r.status().message().find("\"lst\""), std::string::npos);
  EXPECT_NE(r.status().message().find("list element 2"), std::string::npos);
}

TEST(Structured, IdTabmPreparesTheTopLevel) {
  Message msg{{"Signature-Input", "si"},
              {"x-signature-input", "old"},
              {"commitments", M(Message{{"c", "1"}})},
              {"n", M(Message{{"signature-input", "nested"}, {"commitments", "kept"}})}};
  Result<Message> tabm = IdTabm(msg);
  ASSERT_OK(tabm);
  EXPECT_EQ(*tabm, (Message{{"x-signature-input", "si"},
                            {"n", M(Message{{"commitments", "kept"},
                                            {"signature-input", "nested"}})}}));
}

TEST(Structured, InvalidUtf8KeyIsAnError) {
  Result<Message> r = MessageToTabm(Message{{"n", M(Message{{"bad\xff", "1"}})}});
  ASSERT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("\"n\""), std::string::npos);
}

}  // namespace
}  // namespace ao
