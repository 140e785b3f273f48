// Items as messages (ans104@1.0): the golden vectors map to the keys and commitment HyperBEAM's
// dev_codec_ans104 gives, the message's signed ID is the item ID, the
// message serves back the exact item bytes, and a changed message no longer verifies.
#include "aocore/message/ans104_message.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json vectors = [] {
    std::ifstream in(std::string(AOCORE_TEST_DATA_DIR) + "/ans104_vectors.json");
    json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
    return doc.is_object() ? doc.at("vectors") : json::array();
  }();
  return vectors;
}

Bytes VectorBytes(size_t i) { return Base64UrlDecode(Vectors().at(i).at("item_b64url").get<std::string>()).value(); }

const Message& CommitmentOf(const Message& m, const std::string& id) {
  static const Message empty;
  const Message* all = m.FindMessage("commitments");
  const Message* c = all ? all->FindMessage(id) : nullptr;
  EXPECT_NE(c, nullptr) << "no commitment " << id;
  return c ? *c : empty;
}

std::vector<std::string> Strings(const Value* list) {
  std::vector<std::string> out;
  if (list == nullptr || !list->is_list()) return out;
  for (const Value& v : list->list()) out.push_back(v.is_binary() ? v.binary() : "?");
  return out;
}

TEST(Ans104Message, LegacyMessageVectorMapsAsHyperBeamDoes) {
  auto msg = MessageFromSignedItem(VectorBytes(0));
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  const std::string id = "CwAfbORszhuV4YhFu-GfPjsu8h9Bh9764LA4oMREyo4";
  EXPECT_EQ(*msg->FindBinary("action"), "Eval");
  EXPECT_EQ(*msg->FindBinary("sdk"), "aoconnect");
  EXPECT_EQ(*msg->FindBinary("data-protocol"), "ao");
  EXPECT_EQ(*msg->FindBinary("variant"), "ao.TN.1");
  EXPECT_EQ(*msg->FindBinary("type"), "Message");
  EXPECT_EQ(*msg->FindBinary("target"), "Bv-bCbi4GNpnJKq_uh-00758QTV8mQbZMQftDcI1Kxw");
  EXPECT_EQ(*msg->FindBinary("data"), "1 + 1");
  EXPECT_EQ(msg->size(), 8u);  // the seven keys and commitments
  const Message& c = CommitmentOf(*msg, id);
  EXPECT_EQ(*c.FindBinary("commitment-device"), "ans104@1.0");
  EXPECT_EQ(*c.FindBinary("type"), "rsa-pss-sha256");
  EXPECT_EQ(*c.FindBinary("committer"), "BZElIIu_wQrBnVk-CRO3a5XSEUUFw7wyD0uCdeaAV8s");
  EXPECT_EQ(*c.FindBinary("bundle"), "false");
  EXPECT_EQ(*c.FindBinary("field-target"), "Bv-bCbi4GNpnJKq_uh-00758QTV8mQbZMQftDcI1Kxw");
  EXPECT_EQ(c.FindBinary("field-anchor"), nullptr);
  EXPECT_EQ(*c.FindBinary("keyid"), "publickey:" + Vectors()[0].at("owner_b64url").get<std::string>());
  EXPECT_EQ(BinaryId(Base64UrlDecode(*c.FindBinary("signature")).value()), id);
  EXPECT_EQ(Strings(c.Find("committed")),
            (std::vector<std::string>{"data", "action", "sdk", "data-protocol", "variant", "type", "target"}));
  const Message* original = c.FindMessage("original-tags");
  ASSERT_NE(original, nullptr);
  ASSERT_EQ(original->size(), 5u);
  EXPECT_EQ(*original->FindMessage("1")->FindBinary("name"), "Action");
  EXPECT_EQ(*original->FindMessage("5")->FindBinary("value"), "Message");
}

class Ans104MessageVectorTest : public ::testing::TestWithParam<size_t> {};

TEST_P(Ans104MessageVectorTest, IdIsTheItemIdAndTheMessageVerifies) {
  auto msg = MessageFromSignedItem(VectorBytes(GetParam()));
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  const std::string item_id = Vectors()[GetParam()].at("id").get<std::string>();
  EXPECT_EQ(MessageId(*msg, IdMode::kAll).value(), item_id);
  EXPECT_EQ(MessageId(*msg, IdMode::kUncommitted).value(), item_id);
  EXPECT_TRUE(VerifyAns104Commitment(*msg, item_id).ok());
  EXPECT_TRUE(Verify(*msg));
  EXPECT_EQ(Committers(*msg), std::vector<std::string>{Vectors()[GetParam()].at("owner_address").get<std::string>()});
}

TEST_P(Ans104MessageVectorTest, ServesBackTheItemByteForByte) {
  const Bytes bytes = VectorBytes(GetParam());
  auto msg = MessageFromSignedItem(bytes);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  auto served = SignedItemFromMessage(*msg);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(*served, bytes);
}

TEST_P(Ans104MessageVectorTest, ChangedValuesNoLongerVerify) {
  auto msg = MessageFromSignedItem(VectorBytes(GetParam()));
  ASSERT_TRUE(msg.ok());
  const std::string item_id = Vectors()[GetParam()].at("id").get<std::string>();
  for (const auto& [key, value] : *msg) {
    if (key == "commitments") continue;
    Message changed = *msg;
    changed.Set(key, Value(value.binary() + "!"));
    EXPECT_FALSE(Verify(changed)) << key;
    EXPECT_FALSE(VerifyAns104Commitment(changed, item_id).ok()) << key;
    Message removed = *msg;
    removed.Erase(key);
    EXPECT_FALSE(Verify(removed)) << key;
  }
  // An uncommitted key may be added without breaking the commitment.
  Message extra = *msg;
  extra.Set("not-committed", Value("x"));
  EXPECT_TRUE(Verify(extra));
}

INSTANTIATE_TEST_SUITE_P(All, Ans104MessageVectorTest, ::testing::Range<size_t>(0, 4));

TEST(Ans104Message, EdgeCasesKeepDuplicatesAnchorAndUnicode) {
  auto msg = MessageFromSignedItem(VectorBytes(2));
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(*msg->FindBinary("dup"), "\"first\", \"second\"");
  EXPECT_EQ(*msg->FindBinary("empty"), "");
  EXPECT_EQ(*msg->FindBinary("ünïcode-名前"), "värde ✓ 🚀");
  EXPECT_EQ(*msg->FindBinary("t-0"), "v0");
  const Message& c = CommitmentOf(*msg, Vectors()[2].at("id").get<std::string>());
  EXPECT_EQ(*c.FindBinary("field-anchor"), "anchor-0123456789abcdefghijklmno");
}

TEST(Ans104Message, TamperedItemIsRefusedWithTheReason) {
  Bytes bytes = VectorBytes(0);
  bytes.back() = static_cast<char>(bytes.back() ^ 1);
  auto msg = MessageFromSignedItem(bytes);
  ASSERT_FALSE(msg.ok());
  EXPECT_TRUE(msg.status().IsInvalidArgument());
  EXPECT_NE(msg.status().message().find("does not verify"), std::string::npos) << msg.status().message();
  auto truncated = MessageFromSignedItem(std::string_view(VectorBytes(0)).substr(0, 700));
  EXPECT_TRUE(truncated.status().IsInvalidArgument());
}

// An item with a placeholder signature: the mapping does not check signatures.
DataItem Item(std::vector<Tag> tags, Bytes data) {
  DataItem item;
  item.signature.assign(512, '\x01');
  item.owner.assign(512, '\x02');
  item.tags = std::move(tags);
  item.data = std::move(data);
  return item;
}

Message SignAndMap(const DataItem& item) {
  auto signed_item = SignDataItem(item, testing::SharedTestWallet());
  EXPECT_TRUE(signed_item.ok()) << signed_item.status().ToString();
  auto bytes = EncodeDataItem(*signed_item);
  auto msg = MessageFromSignedItem(*bytes);
  EXPECT_TRUE(msg.ok()) << msg.status().ToString();
  if (!msg.ok()) return Message();
  EXPECT_EQ(SignedItemFromMessage(*msg).value(), *bytes);
  EXPECT_TRUE(Verify(*msg));
  return *msg;
}

TEST(Ans104Message, LowerCaseTagsNeedNoOriginalTags) {
  Message msg = SignAndMap(Item({{"action", "Eval"}, {"data-protocol", "ao"}}, "x"));
  const Message& c = msg.FindMessage("commitments")->begin()->second.message();
  EXPECT_EQ(c.Find("original-tags"), nullptr);
  EXPECT_EQ(Strings(c.Find("committed")), (std::vector<std::string>{"data", "action", "data-protocol"}));
}

TEST(Ans104Message, RepeatedLowerCaseNamesStillRebuild) {
  // The reference writes no original-tags here and so cannot re-verify the message.
  Message msg = SignAndMap(Item({{"a", "1"}, {"b", "2"}, {"a", "3"}}, ""));
  EXPECT_EQ(*msg.FindBinary("a"), "\"1\", \"3\"");
  EXPECT_FALSE(msg.Contains("data"));
  EXPECT_NE(msg.FindMessage("commitments")->begin()->second.message().Find("original-tags"), nullptr);
}

TEST(Ans104Message, DataKeyTagNamesTheDataKey) {
  Message msg = SignAndMap(Item({{"Ao-Data-Key", "body"}, {"Type", "Message"}}, "payload"));
  EXPECT_EQ(*msg.FindBinary("body"), "payload");
  EXPECT_FALSE(msg.Contains("data"));
  EXPECT_FALSE(msg.Contains("ao-data-key"));
  const Message& c = msg.FindMessage("commitments")->begin()->second.message();
  EXPECT_EQ(Strings(c.Find("committed")), (std::vector<std::string>{"body", "type"}));
}

TEST(Ans104Message, TagsCollidingWithDataOrTargetStillRebuild) {
  DataItem item = Item({{"data", "from a tag"}, {"target", "from a tag"}}, "real data");
  item.target = Bytes(32, '\x05');
  Message msg = SignAndMap(item);
  EXPECT_EQ(*msg.FindBinary("data"), "real data");
  EXPECT_EQ(*msg.FindBinary("target"), Base64UrlEncode(Bytes(32, '\x05')));
}

TEST(Ans104Message, UnrepresentableItemsAreRefused) {
  // A `data` tag standing in for empty data cannot be told apart from data.
  auto hidden = DataItemToMessage(Item({{"data", "x"}}, ""));
  ASSERT_FALSE(hidden.ok());
  EXPECT_NE(hidden.status().message().find("cannot be represented"), std::string::npos);
  EXPECT_TRUE(DataItemToMessage(Item({{"", "x"}}, "")).status().IsInvalidArgument());
  EXPECT_TRUE(DataItemToMessage(Item({{"\xff", "x"}}, "")).status().IsInvalidArgument());
  EXPECT_NE(DataItemToMessage(Item({{"Commitments", "x"}}, "")).status().message().find("'commitments'"),
            std::string::npos);
  EXPECT_NE(DataItemToMessage(Item({{"Private-Note", "x"}}, "")).status().message().find("private"),
            std::string::npos);
  EXPECT_FALSE(DataItemToMessage(Item({{"Ao-Data-Key", "priv"}}, "d")).ok());
  auto bundle = DataItemToMessage(Item({{"Bundle-Format", "binary"}}, ""));
  ASSERT_FALSE(bundle.ok());
  EXPECT_NE(bundle.status().message().find("bundle"), std::string::npos);
}

TEST(Ans104Message, UnsignedItems) {
  DataItem item = Item({{"type", "Message"}}, "x");
  item.signature.assign(512, '\0');
  item.owner.assign(512, '\0');
  // Lower-case names: a plain message without commitments, as the reference.
  auto plain = DataItemToMessage(item);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, (Message{{"data", Value("x")}, {"type", Value("Message")}}));
  // Other names: an unsigned-sha256 commitment under the unsigned ID.
  item.tags = {{"Type", "Message"}};
  auto msg = DataItemToMessage(item);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  const std::string unsigned_id = DataItemUnsignedId(item).value();
  EXPECT_EQ(*CommitmentOf(*msg, unsigned_id).FindBinary("type"), "unsigned-sha256");
  EXPECT_EQ(MessageId(*msg, IdMode::kUncommitted).value(), unsigned_id);
  EXPECT_TRUE(VerifyAns104Commitment(*msg, unsigned_id).ok());
  Message changed = *msg;
  changed.Set("type", Value("Process"));
  EXPECT_FALSE(VerifyAns104Commitment(changed, unsigned_id).ok());
  // A node takes only signed items.
  EXPECT_NE(MessageFromSignedItem(EncodeDataItem(item).value()).status().message().find("not signed"),
            std::string::npos);
}

TEST(Ans104Message, ForgedCommitmentsDoNotVerify) {
  auto msg = MessageFromSignedItem(VectorBytes(0));
  ASSERT_TRUE(msg.ok());
  const std::string id = Vectors()[0].at("id").get<std::string>();
  Message commitment = CommitmentOf(*msg, id);
  // The same commitment under another key.
  Message moved = *msg;
  moved.Set("commitments", Value(Message{{std::string(43, 'A'), Value(commitment)}}));
  EXPECT_FALSE(Verify(moved));
  // A committer that is not the keyid's address.
  Message wrong_committer = *msg;
  commitment.Set("committer", Value(testing::SharedTestWallet().Address()));
  wrong_committer.Set("commitments", Value(Message{{id, Value(commitment)}}));
  EXPECT_FALSE(Verify(wrong_committer));
  EXPECT_FALSE(SignedItemFromMessage(Message{{"a", Value("1")}}).ok());
}

}  // namespace
}  // namespace ao
