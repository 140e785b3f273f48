#include "aocore/message/hashpath.h"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

#include "aocore/crypto/hash.h"
#include "aocore/message/id.h"
#include "testing/test_util.h"

namespace ao {
namespace {

Value M(Message m) { return Value(std::move(m)); }

std::string Next(const Message& base, const Message& req) {
  Result<std::string> hp = NextHashpath(base, req);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : std::string();
}

Message WithHashpath(Message m, std::string hp) { return SetHashpath(std::move(m), std::move(hp)).value(); }

// Resolving a/b/c step by step on {a:{b:{c:{d:"1"}}}}.
TEST(Hashpath, VerifiedNestedChain) {
  Message d{{"d", "1"}};
  Message c{{"c", M(d)}};
  Message b{{"b", M(c)}};
  Message m{{"a", M(b)}};
  ASSERT_EQ(*HashpathOf(m), "vMni9-S1hsb6Aa5aqEuJwnLf4KUFzHoHGtIEYrDfwWg");
  std::string hp1 = Next(m, Message{{"path", "a"}});
  EXPECT_EQ(hp1, "vMni9-S1hsb6Aa5aqEuJwnLf4KUFzHoHGtIEYrDfwWg/a");
  Message r1 = WithHashpath(b, hp1);
  std::string hp2 = Next(r1, Message{{"path", "b"}});
  EXPECT_EQ(hp2, "c2eILgkTIRJYvTWo50xjpwchVa-pXP7WrP0mdNYVYp8/b");
  EXPECT_EQ(hp2.substr(0, 43),
            Base64UrlEncode(Sha256(
                *Base64UrlDecode("vMni9-S1hsb6Aa5aqEuJwnLf4KUFzHoHGtIEYrDfwWg") + "a")));
  Message r2 = WithHashpath(c, hp2);
  EXPECT_EQ(Next(r2, Message{{"path", "b/c"}}), "JqM3Y2G4ZFzgpZRrWFxXNgTYX9cmKqwusPFIyx_YW7k/b");
  EXPECT_EQ(Next(r2, Message{{"path", "c"}}), "JqM3Y2G4ZFzgpZRrWFxXNgTYX9cmKqwusPFIyx_YW7k/c");
}

// The flat chain and TV-35 case 3.
TEST(Hashpath, VerifiedFlatChain) {
  Message m1{{"x", "1"}};
  std::string hp1 = Next(m1, Message{{"path", "set"}, {"y", "2"}});
  EXPECT_EQ(hp1, "8QJY9OUWo2aR47QcOlTK9BJgkSBqRqrcwmPW1OAUDjA/"
                 "VnMWYryu14nYBR8rmmUNI7uljjjkpbtKMzYxhOG8mu4");
  Message m3 = WithHashpath(Message{{"x", "1"}, {"y", "2"}}, hp1);
  EXPECT_EQ(Next(m3, Message{{"path", "set"}, {"z", "3"}}),
            "x1RvlgDmb-bTKglzdoAmsruQ390qQmQ0F5FI2Oc4sz8/"
            "DmfFRb57E2SQ2090j_mZBMM_Qo9Q5jn8FuvCHNtduLc");
}

TEST(Hashpath, TV35PrivOnlyMessages) {
  Message m1{{"priv", M(Message{{"empty", "message"}})}};
  Message m2{{"priv", M(Message{{"exciting", "message2"}})}};
  std::string hp = Next(m1, m2);
  EXPECT_EQ(hp, "VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ/"
                "VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ");
  EXPECT_EQ(hp.size(), 87u);
}

TEST(Hashpath, TV35DirectKeyRequest) {
  EXPECT_EQ(Next(Message{{"base", "message"}}, Message{{"path", "base"}}),
            "e5aMCbF_jUwgjdLko9Pq_C03EQJnsg8zmT0JKqr2OCw/base");
}

TEST(Hashpath, TV35VerifyHashpath) {
  Message m1{{"test", "initial"}};
  Message m2{{"firstapplied", "msg2"}};
  Message m3 = WithHashpath(Message{}, Next(m1, m2));
  Message m4 = WithHashpath(Message{}, Next(m2, m3));
  Message m3_fake = WithHashpath(Message{}, Next(m4, m2));
  EXPECT_TRUE(*VerifyHashpath({m1, m2, m3, m4}));
  EXPECT_FALSE(*VerifyHashpath({m1, m2, m3_fake, m4}));
  EXPECT_TRUE(VerifyHashpath({m1, m2}).status().IsInvalidArgument());
}

TEST(Hashpath, HashpathOfPrefersPrivHashpath) {
  Message m{{"a", "1"}, {"priv", M(Message{{"hashpath", "X/y"}, {"other", "o"}})}};
  EXPECT_EQ(*HashpathOf(m), "X/y");
  EXPECT_EQ(*HashpathOf(Message{{"a", "1"}}), *MessageId(Message{{"a", "1"}}, IdMode::kAll));
  EXPECT_EQ(*HashpathOf(Message{{"Priv", M(Message{{"hashpath", "h"}})}}), "h");
}

TEST(Hashpath, HashpathOfUsesSignatureCommitments) {
  Message m{{"a", "1"},
            {"commitments", M(Message{{"sigkey", M(Message{{"committer", "c"}})},
                                      {"hmackey", M(Message{{"alg", "hmac-sha256"}})}})}};
  EXPECT_EQ(*HashpathOf(m), "sigkey");
}

TEST(Hashpath, RequestWithParametersIsReferencedById) {
  Message req{{"path", "a"}, {"k", "v"}};
  EXPECT_EQ(*HashpathRef(req), *MessageId(req, IdMode::kAll));
  EXPECT_EQ(*HashpathRef(Message{{"path", "/a/b"}}), "a");
  EXPECT_EQ(*HashpathRef(Message{{"path", Value::List{"x/y", "z"}}}), "x");
  EXPECT_EQ(*HashpathRef(Message{{"path", "a"}, {"priv", M(Message{{"q", "1"}})}}), "a");
  EXPECT_EQ(*HashpathRef(Message{}), *MessageId(Message{}, IdMode::kAll));
  EXPECT_TRUE(HashpathRef(Message{{"path", "/"}}).status().IsInvalidArgument());
}

// (a + b) mod 2^256 over four 64-bit limbs, written independently of the implementation.
std::string AddMod256(const std::string& a, const std::string& b) {
  auto limbs = [](const std::string& s) {
    std::array<uint64_t, 4> l{};  // l[0] least significant
    for (int i = 0; i < 32; ++i) {
      l[3 - i / 8] = (l[3 - i / 8] << 8) | static_cast<unsigned char>(s[i]);
    }
    return l;
  };
  std::array<uint64_t, 4> x = limbs(a), y = limbs(b), z{};
  unsigned __int128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned __int128 s = static_cast<unsigned __int128>(x[i]) + y[i] + carry;
    z[i] = static_cast<uint64_t>(s);
    carry = s >> 64;
  }
  std::string out(32, '\0');
  for (int i = 0; i < 32; ++i) out[i] = static_cast<char>(z[3 - i / 8] >> (8 * (7 - i % 8)));
  return out;
}

TEST(Hashpath, Accumulate256AddsModulo2To256) {
  for (char fill : {'\x01', '\xff', '\x80'}) {
    const std::string a(32, fill);
    const std::string p1 = Base64UrlEncode(a);
    const std::string p2 = BinaryId("previous request");
    Message base{{"hashpath-alg", "accumulate-256"},
                 {"priv", M(Message{{"hashpath", p1 + "/" + p2}})}};
    const std::string expected_base =
        Base64UrlEncode(AddMod256(a, Sha256(a + *Base64UrlDecode(p2))));
    EXPECT_EQ(Next(base, Message{{"path", "k"}}), expected_base + "/k");
    // The default chain is plain SHA-256.
    base.Set("hashpath-alg", "sha-256-chain");
    EXPECT_EQ(Next(base, Message{{"path", "k"}}),
              Base64UrlEncode(Sha256(a + *Base64UrlDecode(p2))) + "/k");
  }
}

TEST(Hashpath, UnknownAlgorithmIsAnError) {
  Message base{{"hashpath-alg", "md5"}};
  EXPECT_TRUE(NextHashpath(base, Message{{"path", "k"}}).status().IsInvalidArgument());
}

TEST(Hashpath, SetHashpathKeepsOtherPrivEntries) {
  Message r = WithHashpath(Message{{"a", "1"}, {"priv", M(Message{{"keep", "k"}})}}, "h/r");
  EXPECT_EQ(r, (Message{{"a", "1"}, {"priv", M(Message{{"hashpath", "h/r"}, {"keep", "k"}})}}));
  EXPECT_EQ(WithHashpath(Message{}, "h"), (Message{{"priv", M(Message{{"hashpath", "h"}})}}));
  EXPECT_TRUE(SetHashpath(Message{{"priv", "x"}}, "h").status().IsInvalidArgument());
}

TEST(Hashpath, MalformedHashpathIsAnError) {
  Message base{{"priv", M(Message{{"hashpath", "a/b/c"}})}};
  EXPECT_TRUE(NextHashpath(base, Message{{"path", "k"}}).status().IsInvalidArgument());
  Message short_base{{"priv", M(Message{{"hashpath", "short/b"}})}};
  EXPECT_TRUE(NextHashpath(short_base, Message{{"path", "k"}}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace ao
