#include "aocore/message/ans104.h"

#include <string>

#include "aocore/crypto/hash.h"
#include "aocore/crypto/rsa_pss.h"
#include "aocore/message/deep_hash.h"

namespace ao {
namespace {

Status Invalid(std::string_view what) { return Status::InvalidArgument("ANS-104 item: " + std::string(what)); }

void PutLe(uint64_t v, int bytes, Bytes& out) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  Result<std::string_view> Take(size_t n, std::string_view what) {
    if (n > in_.size() - pos_) {
      return Invalid("truncated in " + std::string(what) + " (needs " + std::to_string(n) +
                     " bytes at offset " + std::to_string(pos_) + ", " +
                     std::to_string(in_.size() - pos_) + " left)");
    }
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  Result<uint64_t> Le(int bytes, std::string_view what) {
    AO_ASSIGN_OR_RETURN(std::string_view b, Take(static_cast<size_t>(bytes), what));
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<size_t>(i)]);
    return v;
  }
  // A presence byte (0 or 1) and, when 1, `n` bytes.
  Result<std::optional<Bytes>> Optional(size_t n, std::string_view what) {
    AO_ASSIGN_OR_RETURN(uint64_t present, Le(1, what));
    if (present > 1) {
      return Invalid(std::string(what) + " presence byte is " + std::to_string(present) + ", not 0 or 1");
    }
    if (present == 0) return std::optional<Bytes>();
    AO_ASSIGN_OR_RETURN(std::string_view b, Take(n, what));
    return std::optional<Bytes>(Bytes(b));
  }
  std::string_view Rest() {
    std::string_view out = in_.substr(pos_);
    pos_ = in_.size();
    return out;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

Status CheckTags(const std::vector<Tag>& tags) {
  if (tags.size() > kAns104MaxTags) {
    return Invalid(std::to_string(tags.size()) + " tags; at most " + std::to_string(kAns104MaxTags) + " are allowed");
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].name.size() > kAns104MaxTagNameBytes) {
      return Invalid("tag " + std::to_string(i + 1) + " name is " + std::to_string(tags[i].name.size()) +
                     " bytes; at most " + std::to_string(kAns104MaxTagNameBytes) + " are allowed");
    }
    if (tags[i].value.size() > kAns104MaxTagValueBytes) {
      return Invalid("tag " + std::to_string(i + 1) + " value is " + std::to_string(tags[i].value.size()) +
                     " bytes; at most " + std::to_string(kAns104MaxTagValueBytes) + " are allowed");
    }
  }
  return Status::OK();
}

Status CheckFields(const DataItem& item) {
  if (item.signature_type != kAns104SignatureTypeArweave) {
    return Invalid("unsupported signature type " + std::to_string(item.signature_type) +
                   " (only 1, Arweave RSA-4096 PSS, is supported)");
  }
  if (item.signature.size() != kAns104SignatureBytes) {
    return Invalid("signature is " + std::to_string(item.signature.size()) + " bytes, not " +
                   std::to_string(kAns104SignatureBytes));
  }
  if (item.owner.size() != kAns104OwnerBytes) {
    return Invalid("owner is " + std::to_string(item.owner.size()) + " bytes, not " +
                   std::to_string(kAns104OwnerBytes));
  }
  if (item.target && item.target->size() != kAns104TargetBytes) {
    return Invalid("target is " + std::to_string(item.target->size()) + " bytes, not 32");
  }
  if (item.anchor && item.anchor->size() != kAns104AnchorBytes) {
    return Invalid("anchor is " + std::to_string(item.anchor->size()) + " bytes, not 32");
  }
  return CheckTags(item.tags);
}

}  // namespace

Result<DataItem> DecodeDataItem(std::string_view bytes) {
  Reader r(bytes);
  DataItem item;
  AO_ASSIGN_OR_RETURN(uint64_t type, r.Le(2, "signature type"));
  if (type != kAns104SignatureTypeArweave) {
    return Invalid("unsupported signature type " + std::to_string(type) +
                   " (only 1, Arweave RSA-4096 PSS, is supported)");
  }
  item.signature_type = static_cast<uint16_t>(type);
  AO_ASSIGN_OR_RETURN(std::string_view sig, r.Take(kAns104SignatureBytes, "signature"));
  item.signature.assign(sig);
  AO_ASSIGN_OR_RETURN(std::string_view owner, r.Take(kAns104OwnerBytes, "owner"));
  item.owner.assign(owner);
  AO_ASSIGN_OR_RETURN(item.target, r.Optional(kAns104TargetBytes, "target"));
  AO_ASSIGN_OR_RETURN(item.anchor, r.Optional(kAns104AnchorBytes, "anchor"));
  AO_ASSIGN_OR_RETURN(uint64_t tag_count, r.Le(8, "tag count"));
  AO_ASSIGN_OR_RETURN(uint64_t tag_bytes, r.Le(8, "tag byte count"));
  if (tag_count > kAns104MaxTags) {
    return Invalid("tag count " + std::to_string(tag_count) + " is over the limit of " +
                   std::to_string(kAns104MaxTags));
  }
  AO_ASSIGN_OR_RETURN(std::string_view avro, r.Take(tag_bytes, "tags"));
  auto tags = DecodeAvroTags(avro, kAns104MaxTags);
  if (!tags.ok()) return Invalid(tags.status().message());
  item.tags = std::move(tags).value();
  if (item.tags.size() != tag_count) {
    return Invalid("tag count field says " + std::to_string(tag_count) + " but the tags hold " +
                   std::to_string(item.tags.size()));
  }
  AO_RETURN_IF_ERROR(CheckTags(item.tags));
  // The signature covers the tag bytes as sent; only the canonical encoding can be reproduced.
  if (EncodeAvroTags(item.tags) != avro) {
    return Invalid("tags are not in the canonical Avro encoding (one block, minimal varints)");
  }
  item.data.assign(r.Rest());
  return item;
}

Result<Bytes> EncodeDataItem(const DataItem& item) {
  AO_RETURN_IF_ERROR(CheckFields(item));
  const Bytes avro = EncodeAvroTags(item.tags);
  Bytes out;
  out.reserve(2 + item.signature.size() + item.owner.size() + 2 + 64 + 16 + avro.size() + item.data.size());
  PutLe(item.signature_type, 2, out);
  out += item.signature;
  out += item.owner;
  for (const std::optional<Bytes>* field : {&item.target, &item.anchor}) {
    out.push_back(*field ? '\x01' : '\x00');
    if (*field) out += **field;
  }
  PutLe(item.tags.size(), 8, out);
  PutLe(avro.size(), 8, out);
  out += avro;
  out += item.data;
  return out;
}

Result<Bytes> DataItemSigningHash(const DataItem& item) {
  AO_RETURN_IF_ERROR(CheckFields(item));
  const Bytes avro = EncodeAvroTags(item.tags);
  const std::string type = std::to_string(item.signature_type);
  return DeepHashBlobs({"dataitem", "1", type, item.owner, item.target ? *item.target : std::string_view(),
                        item.anchor ? *item.anchor : std::string_view(), avro, item.data});
}

std::string DataItemId(const DataItem& item) { return Base64UrlEncode(Sha256(item.signature)); }

Result<std::string> DataItemUnsignedId(const DataItem& item) {
  DataItem zero_owner = item;
  zero_owner.owner.assign(kAns104OwnerBytes, '\0');
  AO_ASSIGN_OR_RETURN(Bytes hash, DataItemSigningHash(zero_owner));
  return Base64UrlEncode(Sha256(hash));
}

bool IsUnsignedDataItem(const DataItem& item) {
  return item.signature.find_first_not_of('\0') == std::string::npos;
}

std::string DataItemOwnerAddress(const DataItem& item) { return Base64UrlEncode(Sha256(item.owner)); }

Result<DataItem> SignDataItem(DataItem item, const Wallet& wallet, int salt_length) {
  if (wallet.Modulus().size() != kAns104OwnerBytes) {
    return Invalid("signing needs an RSA-4096 wallet (a 512-byte owner); this key's modulus is " +
                   std::to_string(wallet.Modulus().size()) + " bytes");
  }
  item.owner = wallet.Modulus();
  item.signature.assign(kAns104SignatureBytes, '\0');
  AO_ASSIGN_OR_RETURN(Bytes hash, DataItemSigningHash(item));
  AO_ASSIGN_OR_RETURN(item.signature, RsaPssSign(wallet, PssDigest::kSha256, salt_length, hash));
  return item;
}

Result<int> VerifyDataItem(const DataItem& item) {
  AO_ASSIGN_OR_RETURN(Bytes hash, DataItemSigningHash(item));
  std::optional<int> salt = RsaPssVerify(item.owner, PssDigest::kSha256, hash, item.signature);
  if (!salt) return DataItemSignatureDoesNotVerify();
  return *salt;
}

Status DataItemSignatureDoesNotVerify() {
  return Invalid("the signature does not verify against the owner and the item's content");
}

}  // namespace ao
