// Items as messages: the ans104@1.0 codec's mapping between an ANS-104 data item (ans104.h) and
// an AO-Core message. Port of HyperBEAM's dev_codec_ans104{,_from,_to}.erl.
//
// Item -> message:
//   * each tag name, Unicode-lower-cased, is a key holding the raw tag value; repeated names
//     are merged into one structured-field list string (`"first", "second"`);
//   * non-empty data is the value of `data` (or of the key an `ao-data-key` tag names);
//   * a target is the key `target` = base64url(target); anchor, owner and signature are no keys;
//   * the message holds the committed keys: the data key, then the tag keys in tag order (less
//     the meta tags bundle-format, bundle-version, bundle-map and ao-data-key), then `target`;
//     each key's value comes from the data, else the target, else the tags;
//   * `commitments` = {<item ID>: {commitment-device: "ans104@1.0", type: "rsa-pss-sha256",
//     committer: <owner address>, committed: [keys], signature: <b64url>, keyid:
//     "publickey:<b64url owner>", bundle: "false", original-tags: {"1": {name, value}, ...},
//     field-target: <b64url>, field-anchor: <the 32 anchor bytes>}}, so the message's ID over
//     its signed commitments (IdMode::kAll) is the item ID. An unsigned item (zero signature)
//     gets type "unsigned-sha256" under its unsigned ID, or no commitment when every tag name
//     is already lower-case.
//
// Message -> item rebuilds the item from that commitment (owner, signature, fields, original
// tags or the committed keys) and the message's values: a stored message serves back the exact
// bytes that were signed, and its commitment verifies only while the committed values are
// unchanged. Every item DataItemToMessage accepts rebuilds to itself.
//
// Differences from the reference (docs/deviations.md "ANS-104 items"):
//   * original-tags are written whenever the tags cannot be rebuilt from the keys (the
//     reference writes them only for names that are not lower-case, so an item with a repeated
//     lower-case name no longer verifies once decoded);
//   * an item that cannot be rebuilt at all (a tag standing in for its empty data, an empty or
//     non-UTF-8 tag name, a tag named `commitments` or a private `priv...` key, which a node
//     neither stores nor serves) is refused with the reason;
//   * bundles (a bundle-format tag: nested items) are refused; `ao-types` stays a plain key;
//   * field-anchor is read back as the raw bytes `from` writes (the reference's `to` decodes it
//     as base64url and so drops the anchor of every item it re-encodes).
//
// Thread-safety: pure functions on values, safe from any thread.
#pragma once

#include <string_view>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/message/ans104.h"
#include "aocore/message/message.h"

namespace ao {

inline constexpr char kAns104Device[] = "ans104@1.0";
inline constexpr char kRsaPssSha256[] = "rsa-pss-sha256";
inline constexpr char kUnsignedSha256[] = "unsigned-sha256";

// The message an item decodes to (see above). Does not check the signature. InvalidArgument
// naming the problem for items that cannot be represented.
Result<Message> DataItemToMessage(const DataItem& item);

// The item the ans104 commitment `commitment_id` of `message` was made from. InvalidArgument
// when there is no such commitment, it is malformed, or a committed key is missing or not a
// binary.
Result<DataItem> DataItemFromMessage(const Message& message, std::string_view commitment_id);

// Whether the ans104 commitment `commitment_id` holds for `message`: the rebuilt item's
// signature verifies, its ID is the commitment's key and its owner is the committer (an
// unsigned commitment: its key is the rebuilt item's unsigned ID). OK, or InvalidArgument with
// the reason.
Status VerifyAns104Commitment(const Message& message, std::string_view commitment_id);

// Decodes `bytes`, checks the signature and maps the item: what a node does with an item a
// client sends. InvalidArgument with the reason for a malformed, unsigned or tampered item.
Result<Message> MessageFromSignedItem(std::string_view bytes);

// The bytes of the item behind the message's one signed ans104 commitment (what
// MessageFromSignedItem was given). NotFound when the message has no ans104 commitment;
// InvalidArgument when it has several or the item cannot be rebuilt.
Result<Bytes> SignedItemFromMessage(const Message& message);

}  // namespace ao
