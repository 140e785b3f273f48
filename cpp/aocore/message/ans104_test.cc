// ANS-104 items: every golden vector of tests/data/ans104_vectors.json (made by
// @dha-team/arbundles, salt 478) and ans104_salt32_item.json (salt 32, as HyperBEAM signs) is
// decoded, checked field by field, re-hashed, verified and re-encoded byte for byte; items
// signed here verify; malformed items are refused with the reason.
#include "aocore/message/ans104.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/message/deep_hash.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using nlohmann::json;
using namespace std::string_literals;

json LoadJson(const std::string& name) {
  std::ifstream in(std::string(AOCORE_TEST_DATA_DIR) + "/" + name);
  if (!in) return json();
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

const json& Vectors() {
  static const json doc = LoadJson("ans104_vectors.json");
  static const json vectors = doc.is_object() ? doc.at("vectors") : json::array();
  return vectors;
}

Bytes B64(const std::string& text) { return Base64UrlDecode(text).value(); }

Bytes ItemBytes(const json& v) { return B64(v.at("item_b64url").get<std::string>()); }

TEST(Ans104Vectors, FileHasFourVectors) { EXPECT_EQ(Vectors().size(), 4u); }

class Ans104VectorTest : public ::testing::TestWithParam<size_t> {
 protected:
  const json& V() const { return Vectors().at(GetParam()); }
};

TEST_P(Ans104VectorTest, DecodesEveryField) {
  const json& v = V();
  Bytes bytes = ItemBytes(v);
  ASSERT_EQ(bytes.size(), v.at("item_length").get<size_t>());
  auto item = DecodeDataItem(bytes);
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(item->signature_type, v.at("signature_type").get<int>());
  const json& layout = v.at("layout");
  EXPECT_EQ(item->signature, bytes.substr(2, 512));
  EXPECT_EQ(Base64UrlEncode(item->owner), v.at("owner_b64url").get<std::string>());
  EXPECT_EQ(DataItemOwnerAddress(*item), v.at("owner_address").get<std::string>());
  const std::string target = v.at("target").get<std::string>();
  if (target.empty()) {
    EXPECT_FALSE(item->target.has_value());
  } else {
    ASSERT_TRUE(item->target.has_value());
    EXPECT_EQ(Base64UrlEncode(*item->target), target);
    auto range = layout.at("target");
    EXPECT_EQ(*item->target, bytes.substr(range[0].get<size_t>(), 32));
  }
  const std::string anchor = v.at("anchor_b64url").get<std::string>();
  if (anchor.empty()) {
    EXPECT_FALSE(item->anchor.has_value());
  } else {
    ASSERT_TRUE(item->anchor.has_value());
    EXPECT_EQ(Base64UrlEncode(*item->anchor), anchor);
  }
  const json& tags = v.at("tags");
  ASSERT_EQ(item->tags.size(), tags.size());
  ASSERT_EQ(item->tags.size(), v.at("tag_count").get<size_t>());
  for (size_t i = 0; i < tags.size(); ++i) {
    EXPECT_EQ(item->tags[i].name, tags[i].at("name").get<std::string>()) << "tag " << i;
    EXPECT_EQ(item->tags[i].value, tags[i].at("value").get<std::string>()) << "tag " << i;
  }
  EXPECT_EQ(HexEncode(EncodeAvroTags(item->tags)), v.at("tags_avro_hex").get<std::string>());
  EXPECT_EQ(item->data, B64(v.at("data_b64url").get<std::string>()));
  auto data_range = layout.at("data");
  EXPECT_EQ(item->data, bytes.substr(data_range[0].get<size_t>()));
}

TEST_P(Ans104VectorTest, DeepHashIdAndSignatureWithSalt478) {
  const json& v = V();
  auto item = DecodeDataItem(ItemBytes(v));
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  auto hash = DataItemSigningHash(*item);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(HexEncode(*hash), v.at("deep_hash_hex").get<std::string>());
  EXPECT_EQ(DataItemId(*item), v.at("id").get<std::string>());
  auto salt = VerifyDataItem(*item);
  ASSERT_TRUE(salt.ok()) << salt.status().ToString();
  EXPECT_EQ(*salt, 478);  // arbundles on Node signs with the maximum salt
}

TEST_P(Ans104VectorTest, ReencodesByteForByte) {
  const json& v = V();
  Bytes bytes = ItemBytes(v);
  auto item = DecodeDataItem(bytes);
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  auto again = EncodeDataItem(*item);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, bytes);
}

TEST_P(Ans104VectorTest, BuiltFromFieldsEncodesToTheVectorBytes) {
  const json& v = V();
  DataItem item;
  Bytes bytes = ItemBytes(v);
  item.signature = bytes.substr(2, 512);
  item.owner = B64(v.at("owner_b64url").get<std::string>());
  if (!v.at("target").get<std::string>().empty()) item.target = B64(v.at("target").get<std::string>());
  if (!v.at("anchor_b64url").get<std::string>().empty()) item.anchor = B64(v.at("anchor_b64url").get<std::string>());
  for (const json& t : v.at("tags")) item.tags.push_back({t.at("name").get<std::string>(), t.at("value").get<std::string>()});
  item.data = B64(v.at("data_b64url").get<std::string>());
  auto encoded = EncodeDataItem(item);
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  EXPECT_EQ(*encoded, bytes);
}

TEST_P(Ans104VectorTest, TamperedContentDoesNotVerify) {
  auto item = DecodeDataItem(ItemBytes(V()));
  ASSERT_TRUE(item.ok());
  DataItem data_changed = *item;
  data_changed.data += "x";
  EXPECT_TRUE(VerifyDataItem(data_changed).status().IsInvalidArgument());
  DataItem sig_changed = *item;
  sig_changed.signature[100] = static_cast<char>(sig_changed.signature[100] ^ 1);
  EXPECT_FALSE(VerifyDataItem(sig_changed).ok());
  DataItem tag_added = *item;
  tag_added.tags.push_back({"Extra", "1"});
  EXPECT_FALSE(VerifyDataItem(tag_added).ok());
}

INSTANTIATE_TEST_SUITE_P(All, Ans104VectorTest, ::testing::Range<size_t>(0, 4));

TEST(Ans104Salt32, HyperBeamSaltVerifiesAndReencodes) {
  const json doc = LoadJson("ans104_salt32_item.json");
  ASSERT_TRUE(doc.is_object());
  Bytes bytes = B64(doc.at("item_b64url").get<std::string>());
  auto item = DecodeDataItem(bytes);
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(DataItemId(*item), doc.at("id").get<std::string>());
  EXPECT_EQ(item->data, doc.at("data").get<std::string>());
  auto salt = VerifyDataItem(*item);
  ASSERT_TRUE(salt.ok()) << salt.status().ToString();
  EXPECT_EQ(*salt, 32);
  EXPECT_EQ(EncodeDataItem(*item).value(), bytes);
}

DataItem SampleItem() {
  DataItem item;
  item.target = Bytes(32, '\x07');
  item.tags = {{"Action", "Eval"}, {"Data-Protocol", "ao"}, {"Action", "Again"}};
  item.data = "1 + 1";
  return item;
}

TEST(Ans104Sign, SignedItemsVerifyWithTheirSaltAndRoundTrip) {
  const Wallet& wallet = testing::SharedTestWallet();
  for (int salt_length : {32, 0, 478}) {
    auto signed_item = SignDataItem(SampleItem(), wallet, salt_length);
    ASSERT_TRUE(signed_item.ok()) << signed_item.status().ToString();
    EXPECT_EQ(DataItemOwnerAddress(*signed_item), wallet.Address());
    auto salt = VerifyDataItem(*signed_item);
    ASSERT_TRUE(salt.ok()) << salt.status().ToString();
    EXPECT_EQ(*salt, salt_length);
    auto bytes = EncodeDataItem(*signed_item);
    ASSERT_TRUE(bytes.ok());
    auto back = DecodeDataItem(*bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, *signed_item);
    EXPECT_EQ(DataItemId(*back), DataItemId(*signed_item));
  }
}

TEST(Ans104Sign, RefusesBadSaltAndPublicOnlyWallet) {
  const Wallet& wallet = testing::SharedTestWallet();
  EXPECT_TRUE(SignDataItem(SampleItem(), wallet, 479).status().IsInvalidArgument());
  EXPECT_TRUE(SignDataItem(SampleItem(), wallet, -1).status().IsInvalidArgument());
  auto public_only = Wallet::FromModulus(wallet.Modulus());
  ASSERT_TRUE(public_only.ok());
  EXPECT_TRUE(SignDataItem(SampleItem(), *public_only).status().IsInvalidArgument());
}

TEST(Ans104Sign, SignaturesDifferButBothVerify) {
  // PSS is randomised: two signatures of one item differ, and so do the IDs.
  const Wallet& wallet = testing::SharedTestWallet();
  auto a = SignDataItem(SampleItem(), wallet);
  auto b = SignDataItem(SampleItem(), wallet);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(DataItemId(*a), DataItemId(*b));
  EXPECT_TRUE(VerifyDataItem(*a).ok());
  EXPECT_TRUE(VerifyDataItem(*b).ok());
}

// ---- malformed input ----------------------------------------------------------------------

// An item's bytes with the given tag section, bypassing the encoder's checks.
Bytes RawItem(uint64_t tag_count, const Bytes& avro, uint16_t type = 1) {
  Bytes out;
  out.push_back(static_cast<char>(type & 0xff));
  out.push_back(static_cast<char>(type >> 8));
  out += Bytes(1024, '\x01');
  out += "\x00\x00"s;
  for (uint64_t v : {tag_count, static_cast<uint64_t>(avro.size())}) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return out + avro + "data";
}

void ExpectRefused(const Bytes& bytes, const std::string& reason) {
  auto item = DecodeDataItem(bytes);
  ASSERT_FALSE(item.ok());
  EXPECT_TRUE(item.status().IsInvalidArgument()) << item.status().ToString();
  EXPECT_NE(item.status().message().find(reason), std::string::npos) << item.status().message();
}

TEST(Ans104Decode, EveryTruncationBeforeTheDataIsRefused) {
  for (size_t v = 0; v < Vectors().size(); ++v) {
    Bytes bytes = ItemBytes(Vectors()[v]);
    size_t data_start = Vectors()[v].at("layout").at("data")[0].get<size_t>();
    for (size_t len = 0; len < data_start; ++len) {
      auto item = DecodeDataItem(std::string_view(bytes).substr(0, len));
      ASSERT_FALSE(item.ok()) << "vector " << v << " length " << len;
      EXPECT_TRUE(item.status().IsInvalidArgument());
    }
  }
}

TEST(Ans104Decode, RefusesUnknownSignatureType) {
  Bytes bytes = ItemBytes(Vectors().at(0));
  bytes[0] = '\x02';  // ed25519 in arbundles; HyperBEAM decodes only type 1
  ExpectRefused(bytes, "unsupported signature type 2");
}

TEST(Ans104Decode, RefusesBadPresenceByte) {
  Bytes bytes = ItemBytes(Vectors().at(0));
  bytes[1026] = '\x02';
  ExpectRefused(bytes, "target presence byte is 2");
}

TEST(Ans104Decode, RefusesTagCountMismatch) {
  Bytes avro = EncodeAvroTags({{"a", "1"}, {"b", "2"}});
  ExpectRefused(RawItem(3, avro), "tag count field says 3");
  ASSERT_TRUE(DecodeDataItem(RawItem(2, avro)).ok());
}

TEST(Ans104Decode, RefusesTagBytesBeyondTheItem) {
  Bytes item = RawItem(0, "");
  item[1044 - 8] = '\x7f';  // tag byte count far larger than what follows
  ExpectRefused(item, "truncated in tags");
}

TEST(Ans104Decode, RefusesBadAvro) {
  // A name length running past the tag bytes.
  ExpectRefused(RawItem(1, "\x02\x40"s), "truncated in tag name");
  // A varint that never ends.
  ExpectRefused(RawItem(1, Bytes(12, '\xff')), "varint");
  // Bytes after the terminator.
  Bytes avro = EncodeAvroTags({{"a", "1"}}) + "z";
  ExpectRefused(RawItem(1, avro), "after the array's end");
  // A negative length.
  ExpectRefused(RawItem(1, "\x02\x01"s), "negative tag name length");
}

TEST(Ans104Decode, RefusesNonCanonicalAvro) {
  // One tag in a negative-count block (count -1, then the block size): valid Avro that arbundles
  // reads, but re-encoding would change the signed bytes (and HyperBEAM refuses it).
  Bytes avro = "\x01\x08"s + "\x02" "a" "\x02" "1" + "\x00"s;
  ExpectRefused(RawItem(1, avro), "canonical");
}

TEST(Ans104Decode, RefusesOversizedTags) {
  std::vector<Tag> many(129, Tag{"n", "v"});
  ExpectRefused(RawItem(129, EncodeAvroTags(many)), "over the limit of 128");
  // A forged count in the Avro itself, under a plausible header count.
  ExpectRefused(RawItem(1, "\x80\x80\x80\x80\x10"s), "more than 128 tags");
  ExpectRefused(RawItem(1, EncodeAvroTags({{Bytes(1025, 'n'), "v"}})), "name is 1025 bytes");
  ExpectRefused(RawItem(1, EncodeAvroTags({{"n", Bytes(3073, 'v')}})), "value is 3073 bytes");
  EXPECT_TRUE(DecodeDataItem(RawItem(1, EncodeAvroTags({{Bytes(1024, 'n'), Bytes(3072, 'v')}}))).ok());
}

TEST(Ans104Encode, RefusesWrongFieldLengths) {
  DataItem item = SampleItem();
  item.signature = Bytes(512, '\0');
  item.owner = Bytes(512, '\x01');
  ASSERT_TRUE(EncodeDataItem(item).ok());
  DataItem bad = item;
  bad.owner.pop_back();
  EXPECT_TRUE(EncodeDataItem(bad).status().IsInvalidArgument());
  bad = item;
  bad.signature += "x";
  EXPECT_TRUE(EncodeDataItem(bad).status().IsInvalidArgument());
  bad = item;
  bad.target = Bytes(31, 'x');
  EXPECT_TRUE(EncodeDataItem(bad).status().IsInvalidArgument());
  bad = item;
  bad.anchor = Bytes(33, 'x');
  EXPECT_TRUE(EncodeDataItem(bad).status().IsInvalidArgument());
  bad = item;
  bad.signature_type = 3;
  EXPECT_TRUE(EncodeDataItem(bad).status().IsInvalidArgument());
  bad = item;
  bad.tags.assign(129, Tag{"a", "b"});
  EXPECT_TRUE(EncodeDataItem(bad).status().IsInvalidArgument());
}

}  // namespace
}  // namespace ao
