#include "aocore/message/commitment.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/message/id.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// Two RSA-4096 wallets for the whole suite: generation takes about a second each.
class CommitmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const Wallet** slot : {&alice_, &bob_}) {
      auto w = Wallet::Generate();
      ASSERT_OK(w);
      *slot = new Wallet(std::move(w).value());
    }
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
    alice_ = bob_ = nullptr;
  }
  static const Wallet& alice() { return *alice_; }
  static const Wallet& bob() { return *bob_; }

  static Message Sample() {
    return Message{{"a", Value("1")}, {"b", Value(int64_t{2})}, {"path", Value("p")},
                   {"nested", Value(Message{{"x", Value("y")}})}, {"body", Value("hello")}};
  }
  static Message Signed(const Message& m, const Wallet& w) {
    auto r = Commit(m, w);
    EXPECT_OK(r);
    return r.ok() ? std::move(r).value() : Message();
  }
  static const Message& CommitmentsOf(const Message& m) { return *m.FindMessage("commitments"); }
  static std::string RsaId(const Message& m) {
    for (const auto& [id, c] : CommitmentsOf(m)) {
      if (c.message().Contains("committer")) return id;
    }
    return "";
  }
  static std::string HmacId(const Message& m) {
    for (const auto& [id, c] : CommitmentsOf(m)) {
      if (!c.message().Contains("committer")) return id;
    }
    return "";
  }
  // A copy of `m` whose commitment `id` has `key` set to `value`.
  static Message WithCommitmentField(const Message& m, const std::string& id, const std::string& key,
                                     Value value) {
    Message commitments = CommitmentsOf(m);
    Message c = commitments.Find(id)->message();
    c.Set(key, std::move(value));
    commitments.Set(id, Value(std::move(c)));
    Message out = m;
    out.Set("commitments", Value(std::move(commitments)));
    return out;
  }

 private:
  static const Wallet* alice_;
  static const Wallet* bob_;
};

const Wallet* CommitmentTest::alice_ = nullptr;
const Wallet* CommitmentTest::bob_ = nullptr;

TEST_F(CommitmentTest, CommitAddsAnRsaAndAnHmacCommitmentInTheSpecShape) {
  Message s = Signed(Sample(), alice());
  ASSERT_TRUE(s.Contains("commitments"));
  const Message& commitments = CommitmentsOf(s);
  ASSERT_EQ(commitments.size(), 2u);

  std::string rsa_id = RsaId(s);
  const Message& rsa = commitments.Find(rsa_id)->message();
  EXPECT_EQ(*rsa.FindBinary("commitment-device"), "httpsig@1.0");
  EXPECT_EQ(*rsa.FindBinary("alg"), "rsa-pss-sha512");
  EXPECT_EQ(*rsa.FindBinary("committer"), alice().Address());
  std::string name = SignatureName(alice().Address());
  EXPECT_EQ(name.size(), std::string("http-sig-").size() + 16);
  EXPECT_EQ(name, "http-sig-" + HexEncode(Base64UrlDecode(alice().Address())->substr(1, 8)));
  const std::string& sig = *rsa.FindBinary("signature");
  ASSERT_EQ(sig.rfind(name + "=:", 0), 0u) << sig;
  ASSERT_EQ(sig.back(), ':');
  Bytes raw_sig = Base64Decode(sig.substr(name.size() + 2, sig.size() - name.size() - 3)).value();
  EXPECT_EQ(raw_sig.size(), 512u);
  // The commitment is stored under b64url(SHA-256(signature bytes)).
  EXPECT_EQ(rsa_id, Base64UrlEncode(Sha256(raw_sig)));
  EXPECT_EQ(*rsa.FindBinary("signature-input"),
            name + "=(\"@path\" \"a\" \"ao-types\" \"b\" \"content-digest\" \"content-type\");"
                   "alg=\"rsa-pss-sha512\";keyid=\"" + Base64UrlEncode(alice().Modulus()) + "\"");

  // The HMAC commitment's key is the unsigned message's ID.
  std::string hmac_id = HmacId(s);
  EXPECT_EQ(hmac_id, MessageId(Sample(), IdMode::kNone).value());
  const Message& hmac = commitments.Find(hmac_id)->message();
  EXPECT_EQ(*hmac.FindBinary("alg"), "hmac-sha256");
  EXPECT_EQ(*hmac.FindBinary("commitment-device"), "httpsig@1.0");
  EXPECT_FALSE(hmac.Contains("committer"));
  EXPECT_EQ(*hmac.FindBinary("signature"), sig);
  EXPECT_EQ(*hmac.FindBinary("signature-input"), *rsa.FindBinary("signature-input"));
}

TEST_F(CommitmentTest, CommitThenVerifyIsTrue) {
  Message s = Signed(Sample(), alice());
  EXPECT_TRUE(Verify(s));
  EXPECT_TRUE(VerifyCommitment(s, RsaId(s)));
  EXPECT_TRUE(VerifyCommitment(s, HmacId(s)));
  // Default selectors pick every commitment, the HMAC one included (the reference crashes).
  EXPECT_TRUE(VerifySelected(s, nullptr, nullptr).value());
  Value addr(alice().Address());
  EXPECT_TRUE(VerifySelected(s, &addr, nullptr).value());
}

TEST_F(CommitmentTest, ADeterministicCommitIsReproducibleAndVerifiesLikeARandomOne) {
  auto a = Commit(Sample(), alice(), SaltMode::kDeterministic);
  auto b = Commit(Sample(), alice(), SaltMode::kDeterministic);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(*a, *b);  // commitments, signatures and IDs: byte for byte
  EXPECT_TRUE(Verify(*a));
  EXPECT_TRUE(VerifyCommitment(*a, RsaId(*a)));
  EXPECT_TRUE(VerifyCommitment(*a, HmacId(*a)));
  // Another message or another signer: another signature.
  Message other = Sample();
  other.Set("a", Value("2"));
  auto c = Commit(other, alice(), SaltMode::kDeterministic);
  auto d = Commit(Sample(), bob(), SaltMode::kDeterministic);
  ASSERT_OK(c);
  ASSERT_OK(d);
  EXPECT_NE(RsaId(*a), RsaId(*c));
  EXPECT_NE(RsaId(*a), RsaId(*d));
  // A random commit differs in its signature only; its HMAC commitment (the uncommitted ID) is
  // the same.
  Message random = Signed(Sample(), alice());
  EXPECT_NE(RsaId(random), RsaId(*a));
  EXPECT_EQ(HmacId(random), HmacId(*a));
}

TEST_F(CommitmentTest, AHashpathBecomesTheTagParameterAndIsNotSigned) {
  Message m{{"a", Value("1")}, {"priv", Value(Message{{"hashpath", Value("abc/def")}})}};
  Message s = Signed(m, alice());
  const std::string& input = *CommitmentsOf(s).Find(RsaId(s))->message().FindBinary("signature-input");
  EXPECT_NE(input.find(";tag=\"abc/def\""), std::string::npos) << input;
  EXPECT_TRUE(Verify(s));
  // priv is not a field: changing it does not break the signature.
  Message changed = s;
  changed.Set("priv", Value(Message{{"hashpath", Value("x/y")}}));
  EXPECT_TRUE(Verify(changed));
}

TEST_F(CommitmentTest, AnyChangeToACommittedFieldFailsVerification) {
  Message s = Signed(Sample(), alice());
  struct Change {
    const char* name;
    std::string key;
    Value value;
  };
  const Change changes[] = {
      {"binary", "a", Value("2")},
      {"integer", "b", Value(int64_t{3})},
      {"type change", "b", Value("2")},
      {"path", "path", Value("q")},
      {"body", "body", Value("hellO")},
      {"nested", "nested", Value(Message{{"x", Value("z")}})},
  };
  for (const Change& c : changes) {
    Message tampered = s;
    tampered.Set(c.key, c.value);
    EXPECT_FALSE(Verify(tampered)) << c.name;
    EXPECT_FALSE(VerifyCommitment(tampered, RsaId(s))) << c.name;
    EXPECT_FALSE(VerifyCommitment(tampered, HmacId(s))) << c.name;
  }
  Message removed = s;
  removed.Erase("a");
  EXPECT_FALSE(Verify(removed));
}

TEST_F(CommitmentTest, AnAddedUncoveredKeyKeepsTheSignatureButNotTheHmac) {
  Message s = Signed(Sample(), alice());
  Message added = s;
  added.Set("zz", Value("new"));
  // The signature covers only what was signed, so it still verifies; the HMAC commitment is
  // over the whole content and no longer does, so the message as a whole does not verify
  // (Verify and message@1.0's default selectors agree; issue 18).
  EXPECT_TRUE(VerifyCommitment(added, RsaId(s)));
  EXPECT_FALSE(VerifyCommitment(added, HmacId(s)));
  EXPECT_FALSE(Verify(added));
  EXPECT_FALSE(VerifySelected(added, nullptr, nullptr).value());
}

// Issue 18 point 4: a commitment without `committer` is checked, not skipped.
TEST_F(CommitmentTest, VerifyIsFalseForBogusCommitmentsWithoutACommitter) {
  Message content = Sample();
  auto with = [&](const std::string& id, Message commitment) {
    Message m = content;
    m.Set("commitments", Value(Message{{id, Value(std::move(commitment))}}));
    return m;
  };
  const std::string other_id(43, 'A');
  Message fake_hmac = with(other_id, Message{{"commitment-device", Value(kHttpsigDevice)},
                                             {"alg", Value(kHmacSha256)}});
  Message rsa_without_committer = with(other_id, Message{{"commitment-device", Value(kHttpsigDevice)},
                                                         {"alg", Value(kRsaPssSha512)},
                                                         {"signature", Value("sig=:AAAA:")},
                                                         {"signature-input", Value("sig=(\"a\")")}});
  Message no_alg = with(other_id, Message{{"x", Value("y")}});
  for (const Message& bogus : {fake_hmac, rsa_without_committer, no_alg}) {
    EXPECT_FALSE(Verify(bogus)) << bogus.DebugString();
    EXPECT_FALSE(VerifySelected(bogus, nullptr, nullptr).value()) << bogus.DebugString();
    EXPECT_TRUE(VerifiedCommitments(bogus).empty());
  }
  // The genuine HMAC commitment (keyed by the content ID) verifies alone.
  Message genuine = with(MessageId(content, IdMode::kNone).value(),
                         Message{{"commitment-device", Value(kHttpsigDevice)}, {"alg", Value(kHmacSha256)}});
  EXPECT_TRUE(Verify(genuine));
  EXPECT_EQ(VerifiedCommitments(genuine), std::vector<std::string>{MessageId(content, IdMode::kNone).value()});
  EXPECT_EQ(VerifiedCommitments(Signed(content, alice())).size(), 2u);
}

TEST_F(CommitmentTest, ASwappedSignatureFailsVerification) {
  Message s1 = Signed(Sample(), alice());
  Message other = Sample();
  other.Set("a", Value("other"));
  Message s2 = Signed(other, alice());
  // Same signer, signature of another message: the name matches, the bytes do not.
  std::string id1 = RsaId(s1);
  const Value* sig2 = CommitmentsOf(s2).Find(RsaId(s2))->message().Find("signature");
  Message swapped = WithCommitmentField(s1, id1, "signature", *sig2);
  EXPECT_FALSE(Verify(swapped));
  // Also when the commitment is re-keyed under the swapped signature's ID.
  Message commitments = CommitmentsOf(swapped);
  Value moved = *commitments.Find(id1);
  commitments.Erase(id1);
  commitments.Set(RsaId(s2), moved);
  Message rekeyed = s1;
  rekeyed.Set("commitments", Value(commitments));
  EXPECT_FALSE(Verify(rekeyed));
}

TEST_F(CommitmentTest, ReplacingTheCommitterWithAnotherWalletFailsVerification) {
  Message s = Signed(Sample(), alice());
  Message forged = WithCommitmentField(s, RsaId(s), "committer", Value(bob().Address()));
  EXPECT_FALSE(Verify(forged));
  EXPECT_EQ(Committers(forged), std::vector<std::string>{bob().Address()});
  // Replacing committer and keyid with bob's: the signature does not match bob's key.
  std::string rsa_id = RsaId(s);
  const Message& rsa = CommitmentsOf(s).Find(rsa_id)->message();
  std::string alice_name = SignatureName(alice().Address());
  std::string bob_name = SignatureName(bob().Address());
  std::string input = *rsa.FindBinary("signature-input");
  std::string sig = *rsa.FindBinary("signature");
  input.replace(0, alice_name.size(), bob_name);
  input.replace(input.find(Base64UrlEncode(alice().Modulus())), Base64UrlEncode(alice().Modulus()).size(),
                Base64UrlEncode(bob().Modulus()));
  sig.replace(0, alice_name.size(), bob_name);
  Message full_forgery = WithCommitmentField(forged, rsa_id, "signature-input", Value(input));
  full_forgery = WithCommitmentField(full_forgery, rsa_id, "signature", Value(sig));
  EXPECT_FALSE(Verify(full_forgery));
  // And a message signed by bob verifies as bob's.
  Message by_bob = Signed(Sample(), bob());
  EXPECT_TRUE(Verify(by_bob));
  EXPECT_EQ(Committers(by_bob), std::vector<std::string>{bob().Address()});
}

TEST_F(CommitmentTest, UnparseableCommitmentsAreFalseNotACrash) {
  Message s = Signed(Sample(), alice());
  std::string id = RsaId(s);
  const std::pair<const char*, Value> breakages[] = {
      {"signature-input", Value("((((")},
      {"signature-input", Value("")},
      {"signature-input", Value(int64_t{5})},
      {"signature", Value("http-sig-0011=:not base64!:")},
      {"signature", Value(Message{})},
      {"alg", Value("rsa-pss-sha1")},
      {"alg", Value(Atom{"rsa"})},
      {"committer", Value("short")},
      {"commitment-device", Value("other@1.0")},
  };
  for (const auto& [key, value] : breakages) {
    Message broken = WithCommitmentField(s, id, key, value);
    EXPECT_FALSE(Verify(broken)) << key << " = " << value.DebugString();
  }
  Message not_a_message = s;
  Message commitments = CommitmentsOf(s);
  commitments.Set(id, Value("just a string"));
  not_a_message.Set("commitments", Value(commitments));
  EXPECT_FALSE(VerifyCommitment(not_a_message, id));
  Message commitments_not_a_map = s;
  commitments_not_a_map.Set("commitments", Value("nope"));
  EXPECT_FALSE(Verify(commitments_not_a_map));
  EXPECT_FALSE(VerifyCommitment(s, "no-such-commitment"));
}

TEST_F(CommitmentTest, IdRulesForASignedMessage) {
  Message m = Sample();
  Message s = Signed(m, alice());
  std::string unsigned_id = MessageId(m, IdMode::kNone).value();
  // kNone ignores commitments: the unsigned ID.
  EXPECT_EQ(MessageId(s, IdMode::kNone).value(), unsigned_id);
  // kAll: the one signer commitment, i.e. its key.
  EXPECT_EQ(MessageId(s, IdMode::kAll).value(), RsaId(s));
  // kUncommitted: both commitments, SHA-256 over "<id1>, <id2>" sorted.
  std::vector<std::string> ids{RsaId(s), HmacId(s)};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(MessageId(s, IdMode::kUncommitted).value(),
            Base64UrlEncode(Sha256(ids[0] + ", " + ids[1])));
  // Signatures are randomised: a second commit gives another signer ID, same content ID.
  Message s2 = Signed(m, alice());
  EXPECT_NE(RsaId(s2), RsaId(s));
  EXPECT_EQ(HmacId(s2), HmacId(s));
}

TEST_F(CommitmentTest, TwoSignersStackAndBothVerify) {
  Message s = Signed(Signed(Sample(), alice()), bob());
  const Message& commitments = CommitmentsOf(s);
  EXPECT_EQ(commitments.size(), 3u);  // two signers, one (refreshed) HMAC
  std::vector<std::string> committers = Committers(s);
  std::sort(committers.begin(), committers.end());
  std::vector<std::string> expected{alice().Address(), bob().Address()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(committers, expected);
  EXPECT_TRUE(Verify(s));
  EXPECT_TRUE(VerifySelected(s, nullptr, nullptr).value());
  Value both(Value::List{Value(alice().Address()), Value(bob().Address())});
  EXPECT_TRUE(VerifySelected(s, &both, nullptr).value());
  // kAll with two signers: SHA-256 of their sorted keys.
  std::vector<std::string> signer_ids;
  for (const auto& [id, c] : commitments) {
    if (c.message().Contains("committer")) signer_ids.push_back(id);
  }
  ASSERT_EQ(signer_ids.size(), 2u);
  std::sort(signer_ids.begin(), signer_ids.end());
  EXPECT_EQ(MessageId(s, IdMode::kAll).value(),
            Base64UrlEncode(Sha256(signer_ids[0] + ", " + signer_ids[1])));
  // The HMAC commitment carries both signers' members.
  const Message& hmac = commitments.Find(HmacId(s))->message();
  EXPECT_NE(hmac.FindBinary("signature-input")->find(SignatureName(alice().Address())), std::string::npos);
  EXPECT_NE(hmac.FindBinary("signature-input")->find(SignatureName(bob().Address())), std::string::npos);
  // Tampering breaks both.
  Message tampered = s;
  tampered.Set("a", Value("x"));
  Value a(alice().Address()), b(bob().Address());
  EXPECT_FALSE(VerifySelected(tampered, &a, nullptr).value());
  EXPECT_FALSE(VerifySelected(tampered, &b, nullptr).value());
}

TEST_F(CommitmentTest, SelectorsFollowSection36) {
  Message s = Signed(Sample(), alice());
  std::string rsa = RsaId(s), hmac = HmacId(s);
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  // Defaults: committers none, commitments all.
  EXPECT_EQ(sorted(SelectCommitments(s).value()), sorted({rsa, hmac}));
  Value all("all"), none("none"), all_atom(Atom{"all"});
  EXPECT_EQ(SelectCommitments(s, &all).value(), std::vector<std::string>{rsa});
  EXPECT_EQ(SelectCommitments(s, &all_atom).value(), std::vector<std::string>{rsa});
  EXPECT_TRUE(SelectCommitments(s, &none, &none).value().empty());
  EXPECT_EQ(sorted(SelectCommitments(s, &all, &all).value()), sorted({rsa, hmac}));
  Value by_id(hmac);
  EXPECT_EQ(SelectCommitments(s, nullptr, &by_id).value(), std::vector<std::string>{hmac});
  Value unknown_committer(bob().Address());
  EXPECT_TRUE(SelectCommitments(s, &unknown_committer).status().IsNotFound());
  Value unknown_id("nope");
  EXPECT_TRUE(SelectCommitments(s, nullptr, &unknown_id).status().IsNotFound());
  Value bad(int64_t{1});
  EXPECT_TRUE(SelectCommitments(s, &bad).status().IsInvalidArgument());
  // An unsigned message selects nothing and verifies vacuously, as in the reference.
  EXPECT_TRUE(SelectCommitments(Sample()).value().empty());
  EXPECT_TRUE(Verify(Sample()));
  EXPECT_TRUE(Committers(Sample()).empty());
  EXPECT_TRUE(Committed(Sample()).value().empty());
}

TEST_F(CommitmentTest, CommittedListsTheCoveredKeys) {
  // A message signed over {a} gives ["a", "signature-input", "signature"].
  Message s = Signed(Message{{"a", Value("b")}}, alice());
  EXPECT_EQ(Committed(s).value(), (std::vector<std::string>{"a", "signature-input", "signature"}));
  Value all("all");
  EXPECT_EQ(Committed(s, &all).value(), (std::vector<std::string>{"a", "signature-input", "signature"}));

  Message big = Signed(Sample(), alice());
  EXPECT_EQ(Committed(big).value(), (std::vector<std::string>{"a", "b", "body", "nested", "path",
                                                             "signature-input", "signature"}));
  // A key added after signing is not covered.
  Message added = big;
  added.Set("zz", Value("new"));
  auto committed = Committed(added, &all).value();
  EXPECT_EQ(std::count(committed.begin(), committed.end(), "zz"), 0);
  EXPECT_EQ(std::count(committed.begin(), committed.end(), "a"), 1);
}

TEST_F(CommitmentTest, SetOnACommittedKeyDropsCommitmentsAsSection34Says) {
  Message s = Signed(Message{{"a", Value("1")}, {"b", Value("2")}}, alice());
  // set a:"2": committed key changed -> commitments dropped.
  Message changed = s;
  changed.Set("a", Value("2"));
  Message out = InvalidateCommitmentsOnSet(s, changed, {"a"});
  EXPECT_FALSE(out.Contains("commitments"));
  EXPECT_EQ(*out.FindBinary("a"), "2");
  // set a:"1": same value -> commitments kept.
  Message same = s;
  same.Set("a", Value("1"));
  EXPECT_TRUE(InvalidateCommitmentsOnSet(s, same, {"a"}).Contains("commitments"));
  // set zz:"new": uncovered key -> commitments kept (a reference quirk the spec keeps).
  Message extra = s;
  extra.Set("zz", Value("new"));
  EXPECT_TRUE(InvalidateCommitmentsOnSet(s, extra, {"zz"}).Contains("commitments"));
  // Keys are matched normalised.
  EXPECT_FALSE(InvalidateCommitmentsOnSet(s, changed, {"A"}).Contains("commitments"));
  // An unsigned message is returned as merged.
  Message plain{{"a", Value("1")}};
  Message plain_changed{{"a", Value("2")}};
  EXPECT_EQ(InvalidateCommitmentsOnSet(plain, plain_changed, {"a"}), plain_changed);
}

TEST_F(CommitmentTest, CommitRejectsPublicOnlyWalletsAndBadCommitments) {
  auto pub = Wallet::FromModulus(alice().Modulus());
  ASSERT_OK(pub);
  EXPECT_TRUE(Commit(Sample(), *pub).status().IsInvalidArgument());
  Message bad = Sample();
  bad.Set("commitments", Value("not a map"));
  EXPECT_TRUE(Commit(bad, alice()).status().IsInvalidArgument());
}

TEST(SignatureName, UsesBytesOneToEightOfTheAddress) {
  std::string raw(32, '\0');
  for (int i = 0; i < 32; ++i) raw[i] = static_cast<char>(i);
  EXPECT_EQ(SignatureName(Base64UrlEncode(raw)), "http-sig-0102030405060708");
  EXPECT_EQ(SignatureName(raw), "http-sig-0102030405060708");
  EXPECT_EQ(SignatureName("not an address"), "");
}

}  // namespace
}  // namespace ao
