#include "aocore/message/ans104_message.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aocore/message/key.h"
#include "aocore/message/structured.h"
#include "aocore/message/structured_fields.h"

namespace ao {
namespace {

constexpr std::string_view kPublicKeyPrefix = "publickey:";
constexpr std::string_view kDataKeyTag = "ao-data-key";

Status Invalid(std::string_view what) { return Status::InvalidArgument("ans104@1.0: " + std::string(what)); }

bool IsMetaTag(std::string_view key) {
  return key == "bundle-format" || key == "bundle-version" || key == "bundle-map" || key == kDataKeyTag;
}

// hb_util:to_lower(hb_ao:normalize_key(Name)): lower-case whatever the length.
Result<std::string> TagKey(const Tag& tag, size_t index) {
  if (tag.name.empty()) return Invalid("tag " + std::to_string(index + 1) + " has an empty name");
  auto key = LowercaseKey(tag.name);
  if (!key.ok()) return Invalid("tag " + std::to_string(index + 1) + " name is not UTF-8");
  return std::move(key).value();
}

// Keys an item may not set: `commitments` (the message's own) and private keys (priv...),
// which a node neither stores nor serves, so the item could not be rebuilt from its message.
Status CheckKeyAllowed(const std::string& key) {
  if (key == "commitments") return Invalid("a tag or data key named 'commitments' is not allowed");
  if (IsPrivateKey(key)) {
    return Invalid("key '" + key + "' is private (priv...): a node never stores or serves it");
  }
  return Status::OK();
}

void AddUnique(std::vector<std::string>& keys, const std::string& key) {
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
}

Message OriginalTags(const std::vector<Tag>& tags) {
  Value::List list;
  list.reserve(tags.size());
  for (const Tag& t : tags) list.emplace_back(Message{{"name", Value(t.name)}, {"value", Value(t.value)}});
  return ListToMessage(list);
}

Result<std::vector<Tag>> TagsFromOriginal(const Message& original) {
  std::vector<Tag> tags;
  for (size_t i = 1; i <= original.size(); ++i) {
    const Message* entry = original.FindMessage(std::to_string(i));
    const Bytes* name = entry ? entry->FindBinary("name") : nullptr;
    const Bytes* value = entry ? entry->FindBinary("value") : nullptr;
    if (name == nullptr || value == nullptr) {
      return Invalid("original-tags entry " + std::to_string(i) + " is missing or lacks a binary name and value");
    }
    tags.push_back({*name, *value});
  }
  return tags;
}

// The key a message's data is stored under when the tags do not say (dev_codec_ans104_to
// inline_key): `data`, or `body` when only a body is present.
std::string InlineDataKey(const Message& message) {
  const Bytes* data = message.FindBinary("data");
  if ((data == nullptr || data->empty()) && message.Contains("body")) return "body";
  return "data";
}

Result<Bytes> DecodeField(const Message& c, std::string_view key, bool base64) {
  const Bytes* v = c.FindBinary(key);
  if (v == nullptr) return Invalid("commitment field " + std::string(key) + " is not a binary");
  if (!base64) return *v;
  auto raw = Base64UrlDecode(*v);
  if (!raw.ok()) return Invalid("commitment field " + std::string(key) + " is not base64url");
  return std::move(raw).value();
}

Result<const Message*> FindCommitment(const Message& message, std::string_view id) {
  const Message* all = message.FindMessage("commitments");
  const Message* c = all ? all->FindMessage(id) : nullptr;
  if (c == nullptr) return Invalid("no commitment " + std::string(id));
  const Bytes* device = c->FindBinary("commitment-device");
  if (device == nullptr || *device != kAns104Device) return Invalid("commitment " + std::string(id) + " is not ans104@1.0");
  return c;
}

// The message of `item` with `commitment` (or none) attached.
Message WithCommitment(Message base, const std::string& id, std::optional<Message> commitment) {
  if (commitment) base.Set("commitments", Value(Message{{id, Value(std::move(*commitment))}}));
  return base;
}

// The item is rebuilt from the commitment's original-tags and fields when present, so its
// signature alone does not cover the message's values: every committed key must also hold what
// the item maps to, and the commitment must be the one the item gives.
Status CheckMatchesItem(const Message& message, std::string_view id, const DataItem& item) {
  AO_ASSIGN_OR_RETURN(Message expected, DataItemToMessage(item));
  for (const auto& [key, value] : expected) {
    if (key == "commitments") continue;
    const Value* got = message.Find(key);
    if (got == nullptr || !(*got == value)) {
      return Invalid("committed key '" + key + "' does not hold the value the signed item gives");
    }
  }
  const Message* want = expected.FindMessage("commitments");
  const Message* have = message.FindMessage("commitments");
  const Value* want_c = want ? want->Find(id) : nullptr;
  const Value* have_c = have ? have->Find(id) : nullptr;
  if (want_c == nullptr || have_c == nullptr || !(*want_c == *have_c)) {
    return Invalid("the commitment's fields are not the ones the signed item gives");
  }
  return Status::OK();
}

}  // namespace

Result<Message> DataItemToMessage(const DataItem& item) {
  // Tags by key, in first-appearance order; repeated names gather their values.
  std::vector<std::string> tag_order;
  std::map<std::string, std::vector<const Bytes*>> tag_values;
  std::vector<std::string> tag_keys;  // every tag's key, in tag order
  bool normal_names = true;
  for (size_t i = 0; i < item.tags.size(); ++i) {
    AO_ASSIGN_OR_RETURN(std::string key, TagKey(item.tags[i], i));
    AO_RETURN_IF_ERROR(CheckKeyAllowed(key));
    if (key != item.tags[i].name) normal_names = false;
    auto [it, inserted] = tag_values.try_emplace(key);
    if (inserted) tag_order.push_back(key);
    it->second.push_back(&item.tags[i].value);
    tag_keys.push_back(std::move(key));
  }
  if (tag_values.count("bundle-format") != 0) {
    return Invalid("bundled items (a bundle-format tag) are not supported");
  }
  Message tags;
  for (const std::string& key : tag_order) {
    const auto& values = tag_values[key];
    if (values.size() == 1) {
      tags.Set(key, Value(*values[0]));
      continue;
    }
    std::string list;
    for (const Bytes* v : values) {
      if (!list.empty()) list += ", ";
      AppendSfString(*v, list);
    }
    tags.Set(key, Value(std::move(list)));
  }

  const Bytes* data_key_tag = tags.FindBinary(kDataKeyTag);
  const std::string data_key = data_key_tag ? *data_key_tag : "data";
  AO_RETURN_IF_ERROR(CheckKeyAllowed(data_key));
  Message data;
  if (!item.data.empty()) data.Set(data_key, Value(item.data));
  Message fields;
  if (item.target) fields.Set("target", Value(Base64UrlEncode(*item.target)));

  std::vector<std::string> committed;
  for (const auto& [key, value] : data) AddUnique(committed, key);
  for (const std::string& key : tag_keys) {
    if (!IsMetaTag(key)) AddUnique(committed, key);
  }
  if (fields.Contains("target") || tags.Contains("target") || data.Contains("target")) AddUnique(committed, "target");

  Message base;
  for (const std::string& key : committed) {
    const Value* v = data.Find(key);
    if (v == nullptr) v = fields.Find(key);
    if (v == nullptr) v = tags.Find(key);
    base.Set(key, *v);
  }

  const bool is_unsigned = IsUnsignedDataItem(item);
  if (is_unsigned && normal_names) return base;  // no commitment at all, as the reference

  Message commitment{{"commitment-device", Value(kAns104Device)}, {"bundle", Value("false")}};
  Value::List committed_list(committed.begin(), committed.end());
  commitment.Set("committed", Value(std::move(committed_list)));
  std::string id;
  if (is_unsigned) {
    AO_ASSIGN_OR_RETURN(id, DataItemUnsignedId(item));
    commitment.Set("type", Value(kUnsignedSha256));
  } else {
    id = DataItemId(item);
    commitment.Set("type", Value(kRsaPssSha256));
    commitment.Set("committer", Value(DataItemOwnerAddress(item)));
    commitment.Set("signature", Value(Base64UrlEncode(item.signature)));
    commitment.Set("keyid", Value(std::string(kPublicKeyPrefix) + Base64UrlEncode(item.owner)));
  }
  if (item.target) commitment.Set("field-target", Value(Base64UrlEncode(*item.target)));
  if (item.anchor) commitment.Set("field-anchor", Value(*item.anchor));
  if (!normal_names) commitment.Set("original-tags", Value(OriginalTags(item.tags)));

  // Every accepted item must rebuild to itself. Tags the keys cannot reproduce (repeated
  // names, ...) are written out; what still does not rebuild cannot be represented.
  Message out = WithCommitment(base, id, commitment);
  auto rebuilt = DataItemFromMessage(out, id);
  if (rebuilt.ok() && *rebuilt == item) return out;
  if (normal_names) {
    commitment.Set("original-tags", Value(OriginalTags(item.tags)));
    out = WithCommitment(base, id, commitment);
    rebuilt = DataItemFromMessage(out, id);
    if (rebuilt.ok() && *rebuilt == item) return out;
  }
  if (!rebuilt.ok()) return rebuilt.status();
  return Invalid("the item cannot be represented as a message: a tag named like its data key '" + data_key +
                 "' stands in for its empty data");
}

Result<DataItem> DataItemFromMessage(const Message& message, std::string_view commitment_id) {
  AO_ASSIGN_OR_RETURN(const Message* c, FindCommitment(message, commitment_id));
  DataItem item;
  const Bytes* type = c->FindBinary("type");
  if (type != nullptr && *type == kRsaPssSha256) {
    AO_ASSIGN_OR_RETURN(item.signature, DecodeField(*c, "signature", /*base64=*/true));
  } else if (type != nullptr && *type == kUnsignedSha256) {
    item.signature.assign(kAns104SignatureBytes, '\0');
  } else {
    return Invalid("commitment type must be rsa-pss-sha256 or unsigned-sha256");
  }
  if (const Bytes* keyid = c->FindBinary("keyid")) {
    std::string_view k = *keyid;
    if (k.substr(0, kPublicKeyPrefix.size()) == kPublicKeyPrefix) k.remove_prefix(kPublicKeyPrefix.size());
    auto owner = Base64UrlDecode(k);
    if (!owner.ok()) return Invalid("commitment keyid is not base64url");
    item.owner = std::move(owner).value();
  } else {
    item.owner.assign(kAns104OwnerBytes, '\0');
  }
  if (c->Contains("field-target")) {
    AO_ASSIGN_OR_RETURN(item.target, DecodeField(*c, "field-target", /*base64=*/true));
  }
  if (c->Contains("field-anchor")) {
    AO_ASSIGN_OR_RETURN(item.anchor, DecodeField(*c, "field-anchor", /*base64=*/false));
  }

  auto value_of = [&](const std::string& key) -> Result<Bytes> {
    const Value* v = key == "commitments" ? nullptr : message.Find(key);
    if (v == nullptr) return Invalid("committed key '" + key + "' is missing from the message");
    if (!v->is_binary()) {
      return Invalid("committed key '" + key + "' holds a " + std::string(KindName(v->kind())) +
                     ", not the binary an ANS-104 tag carries");
    }
    return v->binary();
  };

  std::string data_key;
  if (const Message* original = c->FindMessage("original-tags")) {
    AO_ASSIGN_OR_RETURN(item.tags, TagsFromOriginal(*original));
    data_key = "data";
    for (const Tag& t : item.tags) {
      auto key = LowercaseKey(t.name);
      if (key.ok() && *key == kDataKeyTag) {
        data_key = t.value;
        break;
      }
    }
  } else {
    const Value* committed = c->Find("committed");
    if (committed == nullptr || !committed->is_list()) return Invalid("commitment has no committed list");
    data_key = InlineDataKey(message);
    if (data_key != "data") item.tags.push_back({std::string(kDataKeyTag), data_key});
    for (const Value& k : committed->list()) {
      if (!k.is_binary()) return Invalid("committed list holds a non-binary key");
      const std::string& key = k.binary();
      if (key == data_key || (key == "target" && item.target)) continue;
      AO_ASSIGN_OR_RETURN(Bytes value, value_of(key));
      item.tags.push_back({key, std::move(value)});
    }
  }
  if (const Value* d = message.Find(data_key); d != nullptr && data_key != "commitments") {
    AO_ASSIGN_OR_RETURN(item.data, value_of(data_key));
  }
  return item;
}

Status VerifyAns104Commitment(const Message& message, std::string_view commitment_id) {
  AO_ASSIGN_OR_RETURN(DataItem item, DataItemFromMessage(message, commitment_id));
  AO_ASSIGN_OR_RETURN(const Message* c, FindCommitment(message, commitment_id));
  if (*c->FindBinary("type") == kUnsignedSha256) {
    AO_ASSIGN_OR_RETURN(std::string unsigned_id, DataItemUnsignedId(item));
    if (unsigned_id != commitment_id) return Invalid("the message no longer matches its unsigned item ID");
    return CheckMatchesItem(message, commitment_id, item);
  }
  if (DataItemId(item) != commitment_id) return Invalid("the commitment's key is not the ID of its signature");
  const Bytes* committer = c->FindBinary("committer");
  if (committer == nullptr || *committer != DataItemOwnerAddress(item)) {
    return Invalid("the committer is not the address of the keyid");
  }
  auto salt = VerifyDataItem(item);
  if (!salt.ok()) return Invalid("the rebuilt item's signature does not verify (the message changed)");
  return CheckMatchesItem(message, commitment_id, item);
}

Result<Message> MessageFromSignedItem(std::string_view bytes) {
  AO_ASSIGN_OR_RETURN(DataItem item, DecodeDataItem(bytes));
  if (IsUnsignedDataItem(item)) return Invalid("the item is not signed");
  AO_RETURN_IF_ERROR(VerifyDataItem(item).status());
  return DataItemToMessage(item);
}

Result<Bytes> SignedItemFromMessage(const Message& message) {
  const Message* all = message.FindMessage("commitments");
  std::optional<std::string> found;
  if (all != nullptr) {
    for (const auto& [id, c] : *all) {
      if (!c.is_message()) continue;
      const Bytes* device = c.message().FindBinary("commitment-device");
      const Bytes* type = c.message().FindBinary("type");
      if (device == nullptr || *device != kAns104Device || type == nullptr || *type != kRsaPssSha256) continue;
      if (found) return Invalid("the message has several signed ans104 commitments");
      found = id;
    }
  }
  if (!found) return Status::NotFound("the message has no signed ans104@1.0 commitment");
  AO_ASSIGN_OR_RETURN(DataItem item, DataItemFromMessage(message, *found));
  return EncodeDataItem(item);
}

}  // namespace ao
