// ANS-104 data items (the ans104@1.0 wire format): the signed messages of AO clients such as
// @permaweb/aoconnect. Port of the item parts of HyperBEAM's ar_bundles.erl, checked against
// @dha-team/arbundles (golden vectors in tests/data/ans104_*.json).
//
// Layout (integers little-endian): u16 signature type; signature; owner; target (presence
// byte, then 32 bytes); anchor (presence byte, then 32 bytes); u64 tag count; u64 tag byte
// count; the Avro tags (avro_tags.h); the data (to the end). Only signature type 1 (Arweave,
// RSA-4096 PSS: 512-byte signature, 512-byte owner = the modulus) exists here; HyperBEAM
// decodes no other type either.
//
// Signing input: the deep hash (deep_hash.h) of ["dataitem", "1", "<type>", owner, target or
// "", anchor or "", raw Avro tag bytes, data]; the signature is RSA-PSS-SHA256 over those 48
// bytes with any salt length (rsa_pss.h); the item ID is base64url(SHA-256(signature)).
//
// DecodeDataItem accepts exactly the encodings EncodeDataItem writes, so an accepted item always
// re-encodes to the same bytes (its signature covers the tag bytes as sent). It refuses, with
// InvalidArgument naming the problem: truncation, trailing bytes, an unknown signature type, a
// presence byte other than 0/1, tag counts that disagree, bad or non-canonical Avro (e.g. a
// negative block count, which HyperBEAM also refuses), and tags over HyperBEAM's verify_item
// limits (128 tags, names of 1024 bytes, values of 3072 bytes).
//
// Thread-safety: pure functions on values, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/avro_tags.h"

namespace ao {

inline constexpr uint16_t kAns104SignatureTypeArweave = 1;
inline constexpr size_t kAns104SignatureBytes = 512;
inline constexpr size_t kAns104OwnerBytes = 512;
inline constexpr size_t kAns104TargetBytes = 32;
inline constexpr size_t kAns104AnchorBytes = 32;
inline constexpr size_t kAns104MaxTags = 128;
inline constexpr size_t kAns104MaxTagNameBytes = 1024;
inline constexpr size_t kAns104MaxTagValueBytes = 3072;
// The PSS salt length HyperBEAM's rsa_pss:sign uses, and the default here.
inline constexpr int kAns104DefaultSaltLength = 32;

struct DataItem {
  uint16_t signature_type = kAns104SignatureTypeArweave;
  Bytes signature;              // kAns104SignatureBytes; all zero while unsigned
  Bytes owner;                  // the signer's RSA modulus, kAns104OwnerBytes
  std::optional<Bytes> target;  // 32 raw bytes (a process ID, decoded)
  std::optional<Bytes> anchor;  // 32 raw bytes
  std::vector<Tag> tags;        // in order; names may repeat
  Bytes data;

  friend bool operator==(const DataItem&, const DataItem&) = default;
};

// Parses one item occupying all of `bytes`.
Result<DataItem> DecodeDataItem(std::string_view bytes);

// The item's bytes. InvalidArgument when a field has the wrong length or the tags break the
// limits above.
Result<Bytes> EncodeDataItem(const DataItem& item);

// The 48-byte deep hash the signature covers. InvalidArgument as EncodeDataItem.
Result<Bytes> DataItemSigningHash(const DataItem& item);

// base64url(SHA-256(signature)), 43 characters.
std::string DataItemId(const DataItem& item);

// HyperBEAM's unsigned item ID (ar_bundles:id(Item, unsigned)): base64url(SHA-256(the signing
// hash computed with a zero owner)). InvalidArgument as EncodeDataItem.
Result<std::string> DataItemUnsignedId(const DataItem& item);

// Whether the signature is all zero bytes (an item nobody signed).
bool IsUnsignedDataItem(const DataItem& item);

// base64url(SHA-256(owner)): the signer's address.
std::string DataItemOwnerAddress(const DataItem& item);

// `item` with owner = the wallet's modulus and a fresh RSA-PSS-SHA256 signature with a salt of
// `salt_length` bytes (32 as HyperBEAM, 478 as arbundles on Node). InvalidArgument for a
// public-only wallet, a key that is not RSA-4096, or an item EncodeDataItem refuses.
Result<DataItem> SignDataItem(DataItem item, const Wallet& wallet,
                              int salt_length = kAns104DefaultSaltLength);

// Checks the signature against the owner; returns the salt length the signer used.
// InvalidArgument with the reason when the item is malformed or the signature does not verify
// (then DataItemSignatureDoesNotVerify()).
Result<int> VerifyDataItem(const DataItem& item);

// The InvalidArgument of an item whose signature does not verify, for a layer that learns it
// from a check made elsewhere (the HTTP layer, when the scheduler refuses a posted item).
Status DataItemSignatureDoesNotVerify();

}  // namespace ao
