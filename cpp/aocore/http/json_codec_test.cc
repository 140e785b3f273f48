#include "aocore/http/json_codec.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

Value RoundTrip(const Value& v) {
  Result<Value> back = DecodeJson(EncodeJson(v));
  EXPECT_OK(back);
  return back.ok() ? *back : Value();
}

TEST(JsonCodec, EveryValueTypeRoundTrips) {
  Message nested{{"n", 1}, {"@weird", "key"}};
  Message m{{"int", Value(int64_t{-9007199254740993})},
            {"max", Value(std::numeric_limits<int64_t>::max())},
            {"float", 1.5},
            {"whole-float", 2.0},
            {"text", "héllo"},
            {"bytes", Value(Bytes("\xff\x00\xfe", 3))},
            {"empty", ""},
            {"atoms", Value(Value::List{Value(true), Value(false), Value::Null(), Value::Symbol("ok")})},
            {"list", Value(Value::List{Value(1), Value("a"), Value(Value::List{}), Value(Message{})})},
            {"nested", Value(nested)}};
  Value back = RoundTrip(Value(m));
  ASSERT_TRUE(back.is_message());
  EXPECT_EQ(back.message(), m);
  EXPECT_TRUE(back.message().Find("whole-float")->is_float());
}

TEST(JsonCodec, NonFiniteFloatsAreTagged) {
  EXPECT_EQ(EncodeJson(Value(std::numeric_limits<double>::infinity())), R"({"@float":"inf"})");
  EXPECT_TRUE(std::isnan(RoundTrip(Value(std::nan(""))).floating()));
  EXPECT_EQ(RoundTrip(Value(-std::numeric_limits<double>::infinity())).floating(),
            -std::numeric_limits<double>::infinity());
}

TEST(JsonCodec, TagsAreTheDocumentedForms) {
  EXPECT_EQ(EncodeJson(Value(Bytes("\xff", 1))), R"({"@binary":"_w"})");
  EXPECT_EQ(EncodeJson(Value::Symbol("ok")), R"({"@atom":"ok"})");
  EXPECT_EQ(EncodeJson(Value(Message{{"@x", 1}})), R"({"@message":{"@x":1}})");
  EXPECT_EQ(EncodeJson(Value(Message{{"a", true}})), R"({"a":true})");
}

TEST(JsonCodec, MalformedInputIsAnInvalidArgument) {
  EXPECT_TRUE(DecodeJson("{").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJson(R"({"@nope": 1})").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJson(R"({"@binary": "***"})").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJson(R"({"@device": "x"})").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJson("18446744073709551615").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJson(std::string(100000, '[')).status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJsonMessage("[1]").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJson("\"\xff\"").status().IsInvalidArgument());
}

TEST(JsonCodec, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace ao
