// ANS-104 tags in their Avro encoding: array<record{name: bytes, value: bytes}>, as
// @dha-team/arbundles (tags.ts) and HyperBEAM's ar_bundles:encode_tags/decode_tags write them.
//
// An array is a sequence of blocks, each a zigzag varint item count followed by the items, and
// ends with a zero count; each item is zigzag-varint(len) name zigzag-varint(len) value. Zero
// tags are encoded as zero bytes (no terminator), as both references do. Writers emit one
// block; the decoder also accepts the Avro form of a block with a negative count (-count, then
// the block's byte size), which arbundles reads too.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"

namespace ao {

struct Tag {
  Bytes name;
  Bytes value;
  friend bool operator==(const Tag& a, const Tag& b) { return a.name == b.name && a.value == b.value; }
};

// The Avro bytes of `tags` (empty for no tags).
Bytes EncodeAvroTags(const std::vector<Tag>& tags);

// Decodes `bytes` (all of them) into tags. InvalidArgument naming the problem for truncated
// input, an overlong or overflowing varint, a negative length, more than `max_tags` tags, or
// bytes after the terminator.
Result<std::vector<Tag>> DecodeAvroTags(std::string_view bytes, size_t max_tags);

}  // namespace ao
