// ProcessCache: where the computed states of processes live in the Store, the port of
// src/dev_process_cache.erl (spec/process.md §2) with its gaps fixed (§7.14, §7.15, §7.18).
//
// Layout (relative to the Store; path helpers from store/keys.h):
//   computed/<pid>/slot/<EncodeSlot(n)>      link -> the content group of the state after slot n
//   computed/<pid>/snapshot/<EncodeSlot(n)>  link -> a state after slot n that carries `snapshot`
//                                            (a restore point; see Latest)
//   computed/<pid>/<id>                      link -> the state after the slot that <id> names:
//                                            the state's own ID (as the reference) and every
//                                            extra ID the writer gives (the scheduled message's
//                                            and the assignment's IDs: compute by message ID)
//   <state group>, ...                       the state, stored by ContentCache
// Every Write is ONE atomic WriteBatch (content + every link), so a crash never leaves a slot
// link to a partial state or a state without its links.
//
// Links are first-writer-wins. A second write of a DIFFERENT state for a slot that already has
// one is not hidden (the reference ignores it silently): Write writes nothing and returns
// AlreadyExists naming both IDs. Writing the same state again is a no-op (OK). An extra ID that
// is already linked to another slot keeps its first slot (a message scheduled twice is found at
// its first slot).
//
// Latest(pid, required_path, limit) finds the highest slot <= limit whose state has
// `required_path`: with no path, one reverse seek over the slot index; with ["snapshot"], one
// reverse seek over the snapshot index; with any other path, a reverse walk over the slot
// index, checking the path in each state (paged, never loading states it skips).
//
// Thread-safety: safe for concurrent use (stateless over a thread-safe Store). The conflict
// check and the batch are not one atomic step: two concurrent writers of different states for
// one slot both pass the check, and the first applied link wins (MakeLink); a process has one
// writer (its worker), which keeps the report exact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/cache/content_cache.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/store/store.h"

namespace ao {

// One stored state and its slot.
struct CachedState {
  uint64_t slot = 0;
  Message state;
};

class ProcessCache {
 public:
  // REQUIRES: `store` and `content` outlive the cache; `content` writes to `store`.
  ProcessCache(Store& store, const ContentCache& content) : store_(store), content_(content) {}
  ProcessCache(const ProcessCache&) = delete;
  ProcessCache& operator=(const ProcessCache&) = delete;

  // Stores `state` as the result of `slot` of `process_id`, indexed by slot, by its own ID and
  // by each of `extra_ids` (43-character IDs; others are InvalidArgument); a state carrying
  // `snapshot` is also a restore point. One atomic batch. Returns the state's ID.
  // AlreadyExists when the slot already holds a different state (nothing is written).
  Result<std::string> Write(std::string_view process_id, uint64_t slot, const Message& state,
                            const std::vector<std::string>& extra_ids = {},
                            const WriteOptions& options = {});

  // Stores `state` (which must carry `snapshot`) as a restore point of `slot` only: the slot
  // index keeps its first state. For the snapshot a worker writes when it retires at a slot
  // that was stored without one. A slot that already has a restore point keeps it (OK).
  Status WriteSnapshot(std::string_view process_id, uint64_t slot, const Message& state,
                       const WriteOptions& options = {});

  // The state after `slot`, or nullopt.
  Result<std::optional<Message>> Read(std::string_view process_id, uint64_t slot) const;
  // The state a 43-character ID (state, scheduled message or assignment) names, with its slot,
  // or nullopt.
  Result<std::optional<CachedState>> ReadById(std::string_view process_id, std::string_view id) const;
  // Whether `slot` has a restore point (a stored state with `snapshot`).
  Result<bool> HasSnapshot(std::string_view process_id, uint64_t slot) const;

  // The highest slot <= `limit` (nullopt: no limit) whose state has `required_path` (segments;
  // empty: any state), with that whole state; nullopt when none qualifies (also for an
  // unknown process). See the header comment for the cost of each form.
  Result<std::optional<CachedState>> Latest(std::string_view process_id,
                                            const std::vector<std::string>& required_path = {},
                                            std::optional<uint64_t> limit = std::nullopt) const;

  // Group paths of a process's indexes.
  static std::string SnapshotGroup(std::string_view process_id);
  static std::string SnapshotPath(std::string_view process_id, uint64_t slot);

 private:
  // The content ID a link at `path` resolves to, or nullopt when there is no link.
  Result<std::optional<std::string>> LinkTarget(std::string_view path) const;

  Store& store_;
  const ContentCache& content_;
};

}  // namespace ao
