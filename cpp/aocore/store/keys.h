// Store paths and key encodings shared by every user of the Store (the port of hb_store:path/
// join and of the logical layout of dev_scheduler_cache / dev_process_cache / hb_cache).
//
// A path is a '/'-separated list of segments. Joining and normalising drop empty segments and
// leading/trailing slashes, as the reference does ("a//b/" -> "a/b"). Unlike the reference's FS
// backend, "." and ".." are rejected: the store is byte-exact and has no directory semantics.
// There is no escaping: a segment can never contain '/'. The empty path is the root group.
//
// Numbered children (slots) are named with EncodeSlot: fixed-width, zero-padded decimal, so
// bytewise order (the order every Store scan uses) equals numeric order, and "the latest slot"
// is one reverse seek (LatestSlot), never a list-and-sort. Decimal rather than big-endian bytes
// keeps the names printable and free of '/' bytes.
//
// Thread-safety: pure functions (LatestSlot is as thread-safe as the Store it is given).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"

namespace ao {

class Store;

// Splits on '/' and drops empty segments. Does not validate.
std::vector<std::string> SplitPath(std::string_view path);

// Joins segments with '/', dropping empty ones and stray slashes at the joins
// (JoinPath({"a", "", "/b/"}) == "a/b").
std::string JoinPath(const std::vector<std::string_view>& segments);

// The canonical form of `path` (SplitPath + join). InvalidArgument when a segment is "." or "..".
Result<std::string> NormalizePath(std::string_view path);

// Parent path ("" for a top-level path) and last segment of a normalised path.
std::string_view ParentPath(std::string_view normalized_path);
std::string_view BaseName(std::string_view normalized_path);

// Width of an encoded slot: enough for every uint64_t (18446744073709551615 has 20 digits).
inline constexpr size_t kSlotWidth = 20;

// Zero-padded decimal, kSlotWidth digits: EncodeSlot(7) == "00000000000000000007".
std::string EncodeSlot(uint64_t slot);

// Inverse of EncodeSlot. InvalidArgument unless `name` is exactly kSlotWidth decimal digits
// within uint64_t range.
Result<uint64_t> DecodeSlot(std::string_view name);

// The highest slot among the EncodeSlot-named children of `group` (one reverse seek), or
// nullopt when it has none or does not exist. Children whose names do not start with a digit
// (e.g. "latest") are ignored; REQUIRES: every digit-led child name of `group` is EncodeSlot-made.
// With `limit`, the highest slot <= limit.
Result<std::optional<uint64_t>> LatestSlot(Store& store, std::string_view group,
                                           std::optional<uint64_t> limit = std::nullopt);

// The reference's logical layout.
// "assignments/<pid>": the group of a process's assignments (children: EncodeSlot(slot)).
std::string AssignmentsGroup(std::string_view process_id);
std::string AssignmentPath(std::string_view process_id, uint64_t slot);
// "computed/<pid>/slot": the group of a process's computed results by slot.
std::string ComputedSlotGroup(std::string_view process_id);
std::string ComputedSlotPath(std::string_view process_id, uint64_t slot);
// "computed/<pid>/<message id>": a computed result by the ID of the message that produced it.
std::string ComputedIdPath(std::string_view process_id, std::string_view message_id);
// "data/<content hash>": a deduplicated leaf value.
std::string DataPath(std::string_view content_hash);

}  // namespace ao
