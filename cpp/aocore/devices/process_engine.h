// process@1.0's engine: computes the states of one process slot by slot, for the process's
// worker (actor/process_worker.h) or for one inline computation. It boots the process (`init`,
// at-slot -1) or restores the latest restore point at or below the target (`normalize`);
// advances one slot at a time, taking each assignment from the assignment cache (prefetched a
// page at a time) and running the execution device with it as the request; and stores every
// state in the process cache: in full with `snapshot` every `cache_frequency` slots, as a delta
// against the previous slot in between. Deltas of consecutive slots are kept in the engine and
// stored together, one store batch per run, at Flush: the worker flushes before it answers
// anyone, and the engine flushes before its own reads (ReadCached, Load, Snapshot), before a
// full state and every kMaxPendingSlots slots. Flush hands the run to the store's own thread
// (ProcessCache::WriteDeltasDeferred, Store::ApplyDeferred), so the store writes a run while
// the engine computes the next (and reads the next page of assignments ahead of the queued runs,
// PrefetchPage; at most kMaxQueuedRuns runs wait there):
// every read of the store that starts after a Flush waits for
// that run, so whoever is answered reads what was answered. A run that fails is reported by
// the engine's next Flush, ReadCached, Load or Snapshot (and logged when it fails); the engine
// then writes its next state in full. Slots not yet written are lost on a crash and computed
// again from their assignments (states are deterministic functions of the schedule), so crash
// safety is unchanged (acknowledged assignments are the scheduler's synced writes). The routing side (keys, identity, peers, workers) is
// devices/process_device.h; the port notes are in docs/devices.md#process.
//
// Thread-safety: an Engine is confined to one strand (its worker's) or one call. RoleDevice,
// RunAs and AtSlot are stateless and safe from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/actor/process_worker.h"
#include "aocore/ao/device.h"
#include "aocore/ao/resolve_options.h"
#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/common/result.h"
#include "aocore/devices/process_device.h"
#include "aocore/message/message.h"

namespace ao {

class ContentCache;
class ProcessCache;
class Resolver;
class Store;

namespace process {

// The device a role (execution, scheduler, push) runs as: `<role>-device`, else the role's
// default (scheduler@1.0, push@1.0, stack@1.0 when `device-stack` is set); nullopt when the role
// has none (execution without `execution-device` or `device-stack`).
std::optional<Value> RoleDevice(const Message& base, std::string_view role);

// run_as: resolves `req` against `base` with its `device` swapped for the role's device (and its
// commitments dropped, `input-prefix`/`output-prefixes` set for the role), then restores the
// original device on a returned state the role's device left as its own. `base` already holds
// its `process` key; taken by value (it becomes the prepared base: a caller that no longer needs
// it moves it in, no copy). The execution role falls back to `default_execution_device` (the node's
// option; empty: none). A 422 error result when the role has no device.
Result<ResolveResult> RunAs(const Resolver& resolver, std::string_view role, Message base,
                            const Message& req, const ResolveOptions& opts,
                            std::string_view default_execution_device = {});

// The state's `at-slot`, or `fallback` when it has none.
int64_t AtSlot(const Message& state, int64_t fallback);

// Where an engine reads assignments and keeps computed states.
struct EngineStorage {
  Store& store;
  const ContentCache& content;
  ProcessCache& process_cache;
  int64_t cache_frequency = 1;  // a full state with `snapshot` every this many slots (>= 1)
};

class Engine final : public ProcessEngine {
 public:
  // REQUIRES: `resolver` and the storage outlive the engine. Inner resolutions use
  // HashpathMode::kIgnore whatever `opts` says. `default_execution_device`: see RunAs.
  Engine(const Resolver& resolver, const EngineStorage& storage, ResolveOptions opts, Identity identity,
         std::string default_execution_device = {});

  Result<std::optional<Message>> ReadCached(int64_t slot) override;
  ComputeResult Load(int64_t target) override;
  ComputeResult Advance(const Message& state, int64_t slot) override;
  Status Snapshot(const Message& state, int64_t slot) override;
  Status Flush() override;
  // Flush, then waits until the store has written every run and reports any that failed.
  Status Sync();
  // Waits for the runs handed to the store (they refer to the process cache).
  ~Engine() override;

  // Assignments one read of the schedule takes (a page; the reference's priv assignments queue).
  static constexpr size_t kPageSlots = 64;
  // The pages of the schedule read ahead: at most kPagesAhead, fewer when the pages are large
  // (about kAheadBytes ahead, at least one page).
  static constexpr size_t kPagesAhead = 8;
  static constexpr size_t kAheadBytes = size_t{8} << 20;
  // The most slots whose deltas wait for one batch (bounds the memory they hold).
  static constexpr size_t kMaxPendingSlots = 64;
  // The most runs (and full states) handed to the store and not yet written: Flush waits below
  // it (bounds the memory a worker that computes faster than the store writes holds).
  static constexpr size_t kMaxQueuedRuns = 16;

  // Inline computation (no worker): the state after `slot`, from the cache, from `live` (an
  // initialized state of this process at or below `slot`, if given) or from the best restore
  // point.
  ComputeResult ComputeInline(int64_t slot, const Message* live);

  const Identity& identity() const { return id_; }

 private:
  void Pin(Message& m, int64_t slot) const;
  ComputeResult Boot();
  ComputeResult Restore(Message state, int64_t slot);
  Result<Value> SnapshotOf(const Message& state);
  // An assignment as read from the schedule, with the IDs its slot's state is also found by:
  // the scheduled message's (`ids`) and the assignment's (`assignment_id`; empty when it has
  // none).
  struct Scheduled {
    Message assignment;
    std::vector<std::string> ids;
    std::string assignment_id;
    size_t bytes = 0;  // roughly what the assignment holds in memory
  };
  // Each assignment of a page with its IDs (computed by whichever thread read the page).
  static std::vector<Scheduled> WithIds(std::vector<Message> page);
  Status Store(const Value& state_value, int64_t slot, std::vector<std::string> ids, std::string assignment_id);
  Result<std::optional<Scheduled>> NextAssignment(int64_t slot);
  // Asks the store's thread for the page of assignments from `from` (Store::ReadAhead: before
  // the runs queued there), taken by NextAssignment when it gets there.
  void PrefetchPage(int64_t from);
  // Forgets the pages asked for (after waiting for their reads).
  void DropPagesAhead();
  // The failure of a run written since the last call (OK when none); after one the next state
  // is written in full (its previous slot may not be stored).
  Status DeferredError();

  const Resolver& resolver_;
  class Store& store_;
  ProcessCache& process_cache_;
  const int64_t cache_frequency_;
  ResolveOptions opts_;
  const std::string default_execution_device_;
  const Identity id_;
  const Value definition_value_;  // shared by every state (no copy per slot)
  AssignmentCache assignments_;
  std::deque<Scheduled> prefetched_;
  // The pages PrefetchPage asked for, in slot order (see kPagesAhead). An empty page (not read, or not scheduled yet when it
  // was read) is read again when needed.
  struct PageAhead {
    int64_t from;
    std::future<std::vector<Scheduled>> page;
  };
  std::deque<PageAhead> pages_ahead_;
  // The state after last_stored_slot_ as the process cache holds it (a message; usually the same
  // object as the worker's live state), the base of the next slot's delta.
  static constexpr int64_t kUnknown = INT64_MIN;
  Value last_stored_;
  int64_t last_stored_slot_ = kUnknown;
  // Delta entries of consecutive slots not yet written (made as each slot is computed, so no
  // state is held for them), and the stored state of the slot before the first.
  std::vector<ProcessCache::DeltaWrite> pending_;
  Value pending_base_;
  // The outcome of the runs handed to the store.
  std::shared_ptr<ProcessCache::DeferredRuns> deferred_ = std::make_shared<ProcessCache::DeferredRuns>();
};

}  // namespace process
}  // namespace ao
