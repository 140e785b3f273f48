// AssignmentCache: where a process's schedule lives in the Store, the port of
// dev_scheduler_cache with its atomicity and equivocation fixes (docs/deviations.md#scheduler).
//
// Layout (relative to the Store; path helpers from store/keys.h):
//   assignments/<pid>/<EncodeSlot(slot)>  link -> the assignment's content-cache group
//                                         (first writer wins: a slot link is never replaced)
//   assignments/<pid>/latest              value: EncodeSlot(the highest committed slot)
//   assignment-data/<pid>/<EncodeSlot(slot)>
//                                         value: the assignment with its body in the packed
//                                         encoding (ContentCache::EncodePacked), written in the
//                                         same batch (assignments up to 1 MiB): a worker reads a
//                                         slot's assignment with one store read instead of one
//                                         per node of its content tree (issue 15: reading the
//                                         tree was ~60% of a hot slot). Read falls back to the
//                                         tree when there is no packed copy.
//   <assignment group>, <body group>, ... the assignment and its body, stored by ContentCache
//                                         (readable by their IDs and commitment IDs too)
// AddToBatch puts the assignment, the scheduled message (its body) and the latest pointer in
// the caller's WriteBatch, so applying that batch commits all three atomically or none.
//
// Deviations from the reference: slot names are fixed-width (EncodeSlot) so the latest slot is
// one seek and ranges are one scan; an already linked slot is refused (AlreadyExists) instead
// of being silently dropped (first-writer-wins equivocation); the latest pointer
// replaces "list the children and take the max", and Latest() cross-checks it against
// the highest slot link (Corruption when they disagree rather than re-issuing a slot).
//
// Thread-safety: safe for concurrent use (stateless over a thread-safe Store). Whether a
// slot is free is checked when the batch is built; one writer per process (the scheduler)
// keeps that check valid until the batch is applied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aocore/cache/content_cache.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/store/store.h"

namespace ao {

// What a scheduler recovers at start.
struct LatestAssignment {
  uint64_t slot = 0;
  std::string hash_chain;   // the stored `hash-chain` text
  int64_t timestamp_ms = 0;  // the stored `timestamp`
};

class AssignmentCache {
 public:
  // REQUIRES: `store` and `content` outlive the cache; `content` writes to `store`.
  AssignmentCache(Store& store, const ContentCache& content) : store_(store), content_(content) {}

  // Appends the operations that commit `assignment` (fields `process`, binary, and `slot`,
  // integer >= 0, are required): its content with its body, its slot link and the latest
  // pointer. Returns the assignment's content ID. InvalidArgument for a malformed
  // assignment; AlreadyExists when the slot is already linked in the store.
  Result<std::string> AddToBatch(const Message& assignment, WriteBatch* batch) const;

  // AddToBatch + Apply, one atomic batch.
  Status Write(const Message& assignment, const WriteOptions& options = {}) const;

  // The assignment at `slot`. NotFound when there is none.
  Result<Message> Read(std::string_view process_id, uint64_t slot) const;

  // The highest committed slot by the latest pointer (one read), nullopt when none.
  Result<std::optional<uint64_t>> LatestSlot(std::string_view process_id) const;

  // The highest assignment (slot, hash-chain, timestamp), or nullopt when the process has none.
  // Corruption when the latest pointer and the slot links disagree or the fields are damaged.
  Result<std::optional<LatestAssignment>> Latest(std::string_view process_id) const;

  // Assignments from `from` to `to` inclusive, at most `limit` (0 = no limit), in slot order,
  // stopping at the first missing slot (the reference's contiguous-prefix rule).
  Result<std::vector<Message>> Range(std::string_view process_id, uint64_t from, uint64_t to,
                                     size_t limit) const;

  // The path of the latest pointer of `process_id`.
  static std::string LatestPointerPath(std::string_view process_id);
  // The path of the packed copy of `slot`'s assignment (assignment-data/<pid>/<slot>), the one
  // value Read and Range read. Assignments whose packed copy is larger than kPackedMax (a spawn
  // carrying a large definition) are only in the content store.
  static std::string PackedPath(std::string_view process_id, uint64_t slot);
  static constexpr size_t kPackedMax = 1 << 20;
  // The `process` (binary, not empty, no '/') and `slot` (integer >= 0) of `assignment`;
  // InvalidArgument when either is missing or malformed.
  static Result<std::pair<std::string, uint64_t>> ProcessAndSlot(const Message& assignment);

 private:
  Store& store_;
  const ContentCache& content_;
};

}  // namespace ao
