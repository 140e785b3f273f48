#include "aocore/message/httpsig.h"

#include <gtest/gtest.h>

#include "aocore/crypto/hash.h"
#include "aocore/message/id.h"
#include "testing/test_util.h"

namespace ao {
namespace {

Value M(Message m) { return Value(std::move(m)); }

// The ID's signature base of `msg`.
std::string IdBase(const Message& msg) {
  HttpsigEncoding enc = EncodeHttpsig(msg).value();
  return SignatureBase(enc, HmacParamsLine(SignatureComponents(enc)));
}

// The multipart body for `parts`, built independently of the encoder.
std::string Multipart(const std::vector<std::string>& parts) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) joined += (i ? "\r\n" : "") + parts[i];
  std::string b = Base64UrlEncode(Sha256(joined));
  std::string body;
  for (const std::string& p : parts) body += "--" + b + "\r\n" + p + "\r\n";
  return body + "--" + b + "--";
}

TEST(Httpsig, EmptyMessageBase) {
  EXPECT_EQ(IdBase(Message{}), "\n\"@signature-params\": ();alg=\"hmac-sha256\";keyid=\"ao\"");
  EXPECT_EQ(IdBase(Message{{"priv", M(Message{{"a", "1"}})}, {"body-keys", "x"}}),
            "\n\"@signature-params\": ();alg=\"hmac-sha256\";keyid=\"ao\"");
}

TEST(Httpsig, FlatMessageBase) {
  EXPECT_EQ(IdBase(Message{{"a", "1"}}),
            "\"a\": 1\n\"@signature-params\": (\"a\");alg=\"hmac-sha256\";keyid=\"ao\"");
  EXPECT_EQ(IdBase(Message{{"a", 1}, {"b", "two"}, {"path", "p"}}),
            "\"path\": p\n\"a\": 1\n\"ao-types\": a=\"integer\"\n\"b\": two\n"
            "\"@signature-params\": (\"@path\" \"a\" \"ao-types\" \"b\");alg=\"hmac-sha256\";"
            "keyid=\"ao\"");
}

TEST(Httpsig, DerivedComponentsSortBeforeLetters) {
  EXPECT_EQ(IdBase(Message{{"path", "/x/y"}, {"method", "GET"}, {"Status", 200}}),
            "\"method\": GET\n\"path\": /x/y\n\"status\": 200\n\"ao-types\": status=\"integer\"\n"
            "\"@signature-params\": (\"@method\" \"@path\" \"@status\" \"ao-types\");"
            "alg=\"hmac-sha256\";keyid=\"ao\"");
  HttpsigEncoding enc = EncodeHttpsig(Message{{"-a", "1"}, {"1", "2"}, {"path", "p"}, {"z", "3"}})
                            .value();
  EXPECT_EQ(SignatureComponents(enc), (std::vector<std::string>{"-a", "1", "@path", "z"}));
}

TEST(Httpsig, NestedMessageMultipart) {
  HttpsigEncoding enc = EncodeHttpsig(Message{{"a", M(Message{{"b", "1"}})}}).value();
  const std::string body =
      "--Ta7ti830fhZ9siTt1kWP7vWHRbQDLar8VQ10wAbSR9s\r\nb: 1\r\ncontent-disposition: "
      "form-data;name=\"a\"\r\n--Ta7ti830fhZ9siTt1kWP7vWHRbQDLar8VQ10wAbSR9s--";
  ASSERT_TRUE(enc.body.has_value());
  EXPECT_EQ(*enc.body, body);
  EXPECT_EQ(enc.body->size(), 141u);
  EXPECT_EQ(enc.fields.size(), 2u);  // body-keys is not in F
  const std::string base =
      "\"content-digest\": sha-256=:JYyDnuIgDwE5uGDRykNuzrZAe3IlyBrebbZM8Q3nGSE=:\n"
      "\"content-type\": multipart/form-data; "
      "boundary=\"Ta7ti830fhZ9siTt1kWP7vWHRbQDLar8VQ10wAbSR9s\"\n"
      "\"@signature-params\": (\"content-digest\" \"content-type\");alg=\"hmac-sha256\";"
      "keyid=\"ao\"";
  EXPECT_EQ(IdBase(Message{{"a", M(Message{{"b", "1"}})}}), base);
  EXPECT_EQ(base.size(), 248u);
  EXPECT_EQ(HexEncode(HmacSha256("ao", base)),
            "fa0be5a41fe10db8bb6d65a58ae6f3c05e98765459e855b1dbd578b261ceea87");
}

TEST(Httpsig, ListAndFloatMultipart) {
  Message msg{{"f", 0.1},
              {"l", Value::List{1, "two", true}},
              {"lm", Value::List{M(Message{{"x", 2}}), M(Message{{"y", "3"}})}}};
  HttpsigEncoding enc = EncodeHttpsig(msg).value();
  const std::string part1 =
      "ao-types: x=\"integer\"\r\ncontent-disposition: form-data;name=\"lm/1\"\r\nx: 2";
  const std::string part2 = "content-disposition: form-data;name=\"lm/2\"\r\ny: 3";
  EXPECT_EQ(Multipart({part1, part2}).substr(2, 43), "fsd9WE-oR0R8EOi8srQDgsOZ2OQ43pYE9i-0kxnKydo");
  EXPECT_EQ(*enc.body, Multipart({part1, part2}));
  EXPECT_EQ(enc.body->size(), 264u);
  const std::string base =
      "\"ao-types\": f=\"float\", l=\"list\", lm=\"list\"\n"
      "\"content-digest\": sha-256=:UzSM1KCsKwNrNfxFv5ZsJOQqEaoB6Rrqvgo5hW/cdwo=:\n"
      "\"content-type\": multipart/form-data; "
      "boundary=\"fsd9WE-oR0R8EOi8srQDgsOZ2OQ43pYE9i-0kxnKydo\"\n"
      "\"f\": 1.00000000000000005551e-01\n"
      "\"l\": \"(ao-type-integer) 1\", \"two\", \"(ao-type-atom) \\\"true\\\"\"\n"
      "\"@signature-params\": (\"ao-types\" \"content-digest\" \"content-type\" \"f\" \"l\");"
      "alg=\"hmac-sha256\";keyid=\"ao\"";
  EXPECT_EQ(IdBase(msg), base);
  EXPECT_EQ(base.size(), 403u);
  EXPECT_EQ(*MessageId(msg, IdMode::kNone), "TZL2XXTgVBhMZhAMlt8sHjUzNnk5-QAUfLJHrc8jx3c");
}

TEST(Httpsig, BodyHoldingAMessageIsInline) {
  Message msg{{"body", M(Message{{"x", "1"}, {"y", 2}})}, {"a", "1"}};
  HttpsigEncoding enc = EncodeHttpsig(msg).value();
  const std::string part =
      "ao-types: y=\"integer\"\r\ncontent-disposition: inline\r\nx: 1\r\ny: 2";
  EXPECT_EQ(*enc.body, Multipart({part}));
  EXPECT_EQ(enc.body->size(), 158u);
  EXPECT_EQ(IdBase(msg),
            "\"a\": 1\n"
            "\"content-digest\": sha-256=:DiNEHX2jLje54lgTfPjlVzDovcUq9q2fUVqhS/JT8JA=:\n"
            "\"content-type\": multipart/form-data; "
            "boundary=\"zEFF04HAiNNPIxL3tC1ry1aWyCTbpNaE-fAHEuyCEyE\"\n"
            "\"@signature-params\": (\"a\" \"content-digest\" \"content-type\");"
            "alg=\"hmac-sha256\";keyid=\"ao\"");
  EXPECT_EQ(*MessageId(msg, IdMode::kNone), "uAgGoxy9w_KsDTy-cGzFWRls_NoU1RtqQi1RKla4N10");
}

TEST(Httpsig, BodyHoldingABinaryIsRaw) {
  Message msg{{"body", "hello world"}, {"a", "1"}};
  HttpsigEncoding enc = EncodeHttpsig(msg).value();
  EXPECT_EQ(*enc.body, "hello world");
  EXPECT_FALSE(enc.fields.count("content-type"));
  EXPECT_EQ(IdBase(msg),
            "\"a\": 1\n"
            "\"content-digest\": sha-256=:uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=:\n"
            "\"@signature-params\": (\"a\" \"content-digest\");alg=\"hmac-sha256\";keyid=\"ao\"");
  EXPECT_EQ(*MessageId(msg, IdMode::kNone), "XQRpbzUQ66gKH3Cbv3gOlUmQ-U--Y8S-JST6xZooZ-o");
}

TEST(Httpsig, FurtherBodyShapes) {
  struct Case {
    Message msg;
    std::vector<std::string> parts;
  };
  const std::string big_y(5000, 'y');
  const std::string big_z(5000, 'z');
  const std::vector<Case> cases = {
      {Message{{"a", M(Message{{"body", "hello"}})}},
       {"content-disposition: form-data;name=\"a/body\"\r\n\r\nhello"}},
      {Message{{"a", M(Message{{"body", "hello"}, {"c", "1"}})}},
       {"c: 1\r\ncontent-disposition: form-data;name=\"a\"\r\n\r\nhello"}},
      {Message{{"body", M(Message{{"body", "inner"}})}},
       {"content-disposition: form-data;name=\"body/body\"\r\n\r\ninner"}},
      {Message{{"body", "x"}, {"big", big_y}, {"h", "1"}},
       {"content-disposition: form-data;name=\"big\"\r\n\r\n" + big_y,
        "content-disposition: inline\r\n\r\nx"}},
      {Message{{"data", M(Message{{"x", "1"}})}, {"k", "v"}},
       {"content-disposition: inline\r\nx: 1"}},
      {Message{{"n", M(Message{{"big", big_z}, {"s", "1"}})}},
       {"content-disposition: form-data;name=\"n\"\r\ns: 1",
        "content-disposition: form-data;name=\"n/big\"\r\n\r\n" + big_z}},
      {Message{{"big", std::string(5000, 'q')}},
       {"content-disposition: form-data;name=\"big\"\r\n\r\n" + std::string(5000, 'q')}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.msg.DebugString().substr(0, 200));
    HttpsigEncoding enc = EncodeHttpsig(c.msg).value();
    ASSERT_TRUE(enc.body.has_value());
    EXPECT_EQ(*enc.body, Multipart(c.parts));
    EXPECT_EQ(enc.fields.at("content-digest"),
              "sha-256=:" + Base64Encode(Sha256(*enc.body)) + ":");
  }
}

TEST(Httpsig, DataIsTheInlineKeyWithoutBody) {
  HttpsigEncoding enc = EncodeHttpsig(Message{{"data", "dd"}, {"k", "v"}}).value();
  EXPECT_EQ(*enc.body, "dd");
  EXPECT_EQ(enc.fields.at("inline-body-key"), "data");
  EXPECT_EQ(enc.fields.at("k"), "v");
}

TEST(Httpsig, BinaryOf4096BytesIsAHeaderAnd4097IsAPart) {
  HttpsigEncoding small = EncodeHttpsig(Message{{"v", std::string(4096, 'a')}}).value();
  EXPECT_FALSE(small.body.has_value());
  EXPECT_EQ(small.fields.at("v").size(), 4096u);
  HttpsigEncoding large = EncodeHttpsig(Message{{"v", std::string(4097, 'a')}}).value();
  ASSERT_TRUE(large.body.has_value());
  EXPECT_FALSE(large.fields.count("v"));
}

TEST(Httpsig, IdShapedKeysAreGroupedIntoAoIds) {  // vector id_keys_43
  const std::string k1 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";
  const std::string k2 = "Zyxwvutsrqponmlkjihgfedcba_-0123456789ABCDE";
  const std::string k3 = "qQ1-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
  HttpsigEncoding enc =
      EncodeHttpsig(Message{{k1, "v1"}, {k2, 5}, {k3, M(Message{{"K", "x"}})}, {"plain", "p"}})
          .value();
  EXPECT_EQ(enc.fields.at("ao-ids"), k1 + "=\"v1\", " + k2 + "=\"5\"");
  EXPECT_EQ(enc.fields.at("ao-types"),
            "%5ayxwvutsrqponmlkjihgfedcba_-0123456789%41%42%43%44%45=\"integer\"");
  EXPECT_FALSE(enc.fields.count(k1));
  EXPECT_EQ(*enc.body,
            Multipart({"content-disposition: form-data;name=\"" + k3 + "\"\r\nk: x"}));
}

TEST(Httpsig, ComponentValuesAreTrimmedAndLfBecomesSpace) {
  std::string base = IdBase(Message{{"v", "  sp \n nl  "}, {"w", "abc\n"}, {"t", "\tx\t"}});
  EXPECT_NE(base.find("\"v\": sp   nl\n"), std::string::npos) << base;
  EXPECT_NE(base.find("\"w\": abc \n"), std::string::npos) << base;
  EXPECT_NE(base.find("\"t\": \tx\t\n"), std::string::npos) << base;
}

TEST(Httpsig, ParamsLineLowercasesIdentifiersAsLatin1) {
  // The component line keeps the UTF-8 key; the params line lower-cases byte C3 to E3.
  std::string base = IdBase(Message{{"\xC3\x89", "1"}});  // É normalises to é (C3 A9)
  EXPECT_EQ(base, "\"\xC3\xA9\": 1\n\"@signature-params\": (\"\xE3\xA9\");"
                  "alg=\"hmac-sha256\";keyid=\"ao\"");
}

TEST(Httpsig, AtKeyWithTwinIsSignedTwice) {
  std::string base = IdBase(Message{{"@foo", "1"}, {"foo", "2"}});
  EXPECT_EQ(base, "\"foo\": 2\n\"foo\": 2\n\"@signature-params\": (\"foo\" \"foo\");"
                  "alg=\"hmac-sha256\";keyid=\"ao\"");
}

TEST(Httpsig, AtKeyWithoutTwinIsAnError) {
  for (const char* key : {"@foo", "@path"}) {
    Result<HttpsigEncoding> r = EncodeHttpsig(Message{{key, "1"}});
    ASSERT_TRUE(r.status().IsInvalidArgument()) << key;
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().ToString();
  }
}

TEST(Httpsig, SignatureBaseTakesCallerParams) {
  HttpsigEncoding enc = EncodeHttpsig(Message{{"a", "1"}}).value();
  std::vector<std::string> components = SignatureComponents(enc);
  EXPECT_EQ(ComponentList(components), "(\"a\")");
  std::string params = ComponentList(components) + ";alg=\"rsa-pss-sha512\";keyid=\"k\"";
  EXPECT_EQ(SignatureBase(enc, params),
            "\"a\": 1\n\"@signature-params\": (\"a\");alg=\"rsa-pss-sha512\";keyid=\"k\"");
}

TEST(Httpsig, UserContentTypeIsOverwrittenByMultipart) {
  HttpsigEncoding enc =
      EncodeHttpsig(Message{{"content-type", "text/plain"}, {"n", M(Message{{"a", "1"}})}})
          .value();
  EXPECT_EQ(enc.fields.at("content-type").rfind("multipart/form-data; boundary=\"", 0), 0u);
  HttpsigEncoding plain = EncodeHttpsig(Message{{"content-type", "text/plain"}}).value();
  EXPECT_EQ(plain.fields.at("content-type"), "text/plain");
}

TEST(Httpsig, SignatureAndPrivAreNotSigned) {
  HttpsigEncoding enc = EncodeHttpsig(Message{{"signature", "s"}, {"a", "1"}}).value();
  EXPECT_EQ(enc.fields.size(), 1u);
  EXPECT_EQ(enc.fields.count("a"), 1u);
}

}  // namespace
}  // namespace ao
