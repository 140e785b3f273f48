// ProcessCache: where the computed states of processes live in the Store, the port of
// src/dev_process_cache.erl with its gaps fixed.
//
// Layout (relative to the Store; path helpers from store/keys.h):
//   computed/<pid>/slot/<EncodeSlot(n)>      link -> the content group of the state after slot n
//                                            (a full state), or the packed delta entry itself
//   computed/<pid>/snapshot/<EncodeSlot(n)>  link -> a state after slot n that carries `snapshot`
//                                            (a restore point; see Latest)
//   computed/<pid>/<id>                      link -> the state after the slot that <id> names:
//                                            the state's own ID (as the reference) and every
//                                            extra ID the writer gives (the scheduled message's
//                                            and the assignment's IDs: compute by message ID);
//                                            a delta's extra IDs link to its slot path
//   <state group>, ...                       the state, stored by ContentCache
// Every Write is ONE atomic WriteBatch (content + every link), so a crash never leaves a slot
// link to a partial state or a state without its links.
//
// Deltas (a fix of the reference's write amplification): a slot entry is either a full state
// (Write) or a
// delta (WriteDelta): the top-level keys that changed since the state of the previous slot, and
// the keys removed, as the message
//   {ao-delta-of: <slot - 1>, at-slot: <slot>, set: {changed keys}, unset: [removed keys],
//    prepend: {key: [new first elements]}, append: {key: [new last elements]}}
// (a list that only grew at one end is stored as its new elements, so a growing log costs
// what it grew by)
// (`ao-delta-of` is reserved: a full state must not carry it). A delta is stored as one packed
// leaf (ContentCache::PackedLeaf), not a content tree, and at the slot path itself (WriteNew):
// the per-slot write is that value and the extra IDs' links (trees, and leaves under data/
// linked from the slot, written by earlier versions still read). Read, ReadById and Latest answer
// with the whole state either way: a delta is applied to the state of the previous slot,
// found by walking back to the nearest full entry (a full slot entry, or a restore point of the
// snapshot index, whichever is nearer); process@1.0 writes a full state at least every
// process_cache_frequency slots, so a read applies fewer deltas than that. A delta entry is
// not indexed by the state's own ID (that would hash the whole state every slot, the cost
// deltas remove); the extra IDs (message and assignment IDs) are indexed as for full states.
// A delta is only as good as its base: the writer must pass the previous slot's state exactly
// as stored. process@1.0 does: after a refused (conflicting) write it no longer knows the stored
// base and writes full states until it does again. Known limit: with a non-deterministic device,
// a restore point written on retire (WriteSnapshot) can differ from the state the next slot's
// delta was taken against; reads above it then start from the restore point.
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

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
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

  // Stores the state after `slot` (>= 1) as its difference from `previous`, which must be the
  // state after `slot` - 1 as this cache holds it (what Read answers, ignoring `snapshot` and
  // private keys), indexed by slot and by each of `extra_ids`. One atomic batch; its size
  // depends on what changed, not on the size of the state. When the slot already holds an
  // entry, OK if it is the same state, else AlreadyExists (nothing written).
  Status WriteDelta(std::string_view process_id, uint64_t slot, const Message& state,
                    const Message& previous, const std::vector<std::string>& extra_ids = {},
                    const WriteOptions& options = {});

  // One slot of WriteDeltas: its delta entry (DeltaOf) and the extra IDs to index it by.
  struct DeltaWrite {
    uint64_t slot = 0;
    Message delta{};
    std::vector<std::string> extra_ids{};
    // An extra ID that names this slot alone (the assignment's, which covers process and slot),
    // or empty: when the run's slots are new it is linked without an existence read.
    std::string slot_id{};
  };
  // The delta entry WriteDelta stores for `state` after `slot` against `previous` (made while
  // both are at hand, so a run kept for WriteDeltas holds entries, not states).
  static Message DeltaOf(uint64_t slot, const Message& state, const Message& previous);
  // WriteDelta for a run of consecutive slots in ONE atomic batch (one store commit for the
  // run, not one per slot: what a worker computing many slots in a row stores). `base` is the
  // state after the slot before the run, as this cache holds it. When a slot of the run already
  // holds an entry, the batch writes nothing and the slots are written one by one as WriteDelta
  // and Write would (the same state again is fine; a different one is reported in the log, and
  // the slots after it are written in full). Returns whether the last slot now holds the run's
  // state (false after a conflict there: the caller no longer knows the stored base).
  Result<bool> WriteDeltas(std::string_view process_id, const Message& base,
                           const std::vector<DeltaWrite>& run, const WriteOptions& options = {});

  // What became of the deferred runs of one writer (WriteDeltasDeferred), shared by the writer
  // and the store's thread that writes them. Thread-safety: internally locked (a leaf lock).
  class DeferredRuns {
   public:
    // The first failure of a deferred run since the last call, or OK; taking it clears it. A
    // failed run is also logged when it fails.
    Status TakeError();
    // Returns when fewer than `limit` of the writes handed to the store are not yet written or
    // failed (at once when the store writes them on the caller's thread).
    void WaitForFewerThan(size_t limit);
   private:
    friend class ProcessCache;
    bool base_stored();
    void SetBaseStored(bool stored);
    // Logs `status` (not OK) and keeps it unless an earlier failure is kept; the next run's base
    // is not stored.
    void Fail(Status status);
    void Queued();
    void Finished();
    std::mutex mu_;
    std::condition_variable finished_;
    bool base_stored_ = true;  // the last run's last slot holds the state the next run starts from
    size_t queued_ = 0;  // writes handed to the store whose `done` has not run
    Status error_;
  };
  // WriteDeltas handed to the store (Store::ApplyDeferred): returns at once; the store writes
  // the run later, in order with every other deferred batch, and any read of the store that
  // starts after this call waits for it (whoever was answered with these states reads them).
  // A run whose base is not stored (the run before it failed, or its last slot held another
  // state) is written one by one, its first slot in full. A failure is kept in `runs` for the
  // writer to take (never lost silently). REQUIRES: this cache and its content cache outlive
  // the write (Store::WaitForDeferred, or the store's Close, which applies what is queued).
  void WriteDeltasDeferred(std::string process_id, Value base, std::vector<DeltaWrite> run,
                           std::shared_ptr<DeferredRuns> runs);
  // Write handed to the store the same way (`state`, a message, is shared, not copied): the
  // runs after it start from it when it is stored; when the slot holds another state (reported
  // in the log, as Write's AlreadyExists) the next run starts in full.
  void WriteDeferred(std::string process_id, uint64_t slot, Value state, std::vector<std::string> extra_ids,
                     std::shared_ptr<DeferredRuns> runs);

  // Stores `state` (which must carry `snapshot`) as a restore point of `slot` only: the slot
  // index keeps its first state. For the snapshot a worker writes when it retires at a slot
  // that was stored without one. A slot that already has a restore point keeps it (OK).
  Status WriteSnapshot(std::string_view process_id, uint64_t slot, const Message& state,
                       const WriteOptions& options = {});

  // The state after `slot` (a stored full state as it was written, with its `snapshot` if it had
  // one; a delta entry reconstructed, without `snapshot`: from the slot's own restore point when
  // it has one, so `now` after a close or retire reads one state and no delta), or nullopt.
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
  // WriteDeltas; with `base_stored` false the previous slot is not known to hold `base`, so the
  // run goes one by one from the start, its first slot in full.
  Result<bool> WriteDeltasFrom(std::string_view process_id, const Message& base,
                               const std::vector<DeltaWrite>& run, const WriteOptions& options,
                               bool base_stored);
  // Adds to `batch` the entry of `delta` (MakeDelta of `slot`): the packed delta as a value at
  // the slot path (WriteNew), or a content tree linked there (MakeNewLink) when it carries a long
  // binary; and a link to the slot path from each extra ID and `slot_id`. `fresh`: the batch
  // has checked that the slot is new (WriteBatch::ExpectNoChildren), so the entry and the
  // `slot_id` link are written without reading their paths.
  Status AddDeltaEntry(std::string_view process_id, uint64_t slot, const Message& delta,
                       const std::vector<std::string>& extra_ids, WriteBatch* batch,
                       std::string_view slot_id = {}, bool fresh = false) const;
  // The content ID a link at `path` resolves to, or nullopt when there is no link.
  Result<std::optional<std::string>> LinkTarget(std::string_view path) const;
  // The whole state a slot entry `entry` (full or delta) of `slot` stands for.
  Result<Message> Materialize(std::string_view process_id, uint64_t slot, Message entry) const;
  // Whether the entry stored for `slot` is the same state as `state` (ignoring `snapshot`).
  Result<bool> SameAsStored(std::string_view process_id, uint64_t slot, const Message& state) const;

  Store& store_;
  const ContentCache& content_;
};

}  // namespace ao
