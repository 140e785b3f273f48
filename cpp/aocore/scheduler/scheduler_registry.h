// SchedulerRegistry: process ID -> its ProcessScheduler, the port of dev_scheduler_registry
// with the get-or-create race fixed: GetOrCreate is atomic,
// so concurrent first calls for one process get the same scheduler and there is never a second
// writer for a process within one registry. Process IDs are canonicalised first (a raw 32-byte
// ID and its 43-character text are the same process; the reference treats them as two).
//
// It is also the C++ API the scheduler@1.0 device and the node call: Schedule, CurrentSlot and
// Assignments (range reads served straight from the store, with pages of at most
// kMaxSchedulePage assignments and an exact has_next_page).
//
// A scheduler that hit a sticky failure keeps refusing requests (Aborted); Remove(pid) drops
// it so the next GetOrCreate recovers a fresh one from the store.
//
// Memory is bounded by the live set, not by every process ever touched: beyond
// `max_schedulers` registered processes, GetOrCreate drops idle schedulers, least recently used
// first (EvictIdle). Idle means nobody holds the scheduler (no caller is inside Schedule or
// keeps the pointer), nothing is queued and its worker thread has exited; all of its state is
// then in the store, so the next GetOrCreate recovers it (ProcessScheduler::Create) and the
// slot sequence and hash chain continue with no gap. Single writer: an entry is erased only
// while its init lock is held and nobody else holds the entry, so a concurrent GetOrCreate
// either gets the old (live) scheduler or, after the erase, creates the only new one; the old
// one, idle and unreachable, can no longer write. Find and Processes see live schedulers only.
//
// Thread-safety: every method is safe from any thread. The registry mutex is a leaf lock; the
// (store-reading) creation of a scheduler runs under that process's own entry lock only.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/result.h"
#include "aocore/scheduler/formats.h"
#include "aocore/scheduler/process_scheduler.h"

namespace ao {

// Most assignments one Assignments() page returns (the reference returns up to 1001).
inline constexpr size_t kMaxSchedulePage = 1000;

// The canonical (43-character text) form of a process ID given as text or as 32 raw bytes.
Result<std::string> CanonicalProcessId(std::string_view process_id);

struct SchedulerRegistryOptions {
  // Idle schedulers are dropped (LRU) when more processes than this are registered. Busy ones
  // are never dropped, so the count may exceed it while more than this many are busy.
  size_t max_schedulers = 1024;
};

class SchedulerRegistry {
 public:
  // REQUIRES: env.store outlives the registry.
  explicit SchedulerRegistry(SchedulerEnvironment env, SchedulerRegistryOptions options = {});
  ~SchedulerRegistry();  // stops every scheduler
  SchedulerRegistry(const SchedulerRegistry&) = delete;
  SchedulerRegistry& operator=(const SchedulerRegistry&) = delete;

  // The scheduler of `process_id`, created (and recovered from the store) on first use.
  Result<std::shared_ptr<ProcessScheduler>> GetOrCreate(std::string_view process_id);
  // The live scheduler, or nullptr.
  std::shared_ptr<ProcessScheduler> Find(std::string_view process_id) const;
  // The process IDs with a live scheduler, sorted.
  std::vector<std::string> Processes() const;
  // Stops and forgets the scheduler of `process_id` (NotFound when there is none).
  Status Remove(std::string_view process_id);

  // Schedules `message` on `process_id` (GetOrCreate + ProcessScheduler::Schedule).
  Result<Message> Schedule(std::string_view process_id, const Message& message);
  // With `hook` (may be empty) adding the caller's writes to the assignment's batch.
  Result<Message> Schedule(std::string_view process_id, const Message& message, AssignmentBatchHook hook);
  // The last assigned slot of `process_id`, -1 when none (creates the scheduler, as the
  // reference's `slot`).
  Result<int64_t> CurrentSlot(std::string_view process_id);
  // Assignments from `from` to `to` inclusive (`to` unset: up to the latest), at most
  // min(limit, kMaxSchedulePage), stopping at the first missing slot. has_next_page is true
  // exactly when more assignments follow within the range.
  Result<SchedulePage> Assignments(std::string_view process_id, uint64_t from,
                                   std::optional<uint64_t> to, size_t limit = kMaxSchedulePage);

  // Creates the scheduler of every process that has reservations left (reservations.h): a node
  // calls it when it opens, so that a schedule whose last unsynced writes a power loss took is
  // whole again before anything reads it. Returns how many processes it created; a process
  // whose recovery fails is skipped (its next Schedule reports the error).
  Result<size_t> RecoverReservedAssignments();

  const SchedulerEnvironment& environment() const { return env_; }

  // Drops idle schedulers, least recently used first, until at most max_schedulers remain
  // (fewer are dropped when the oldest are busy); returns how many were dropped. GetOrCreate
  // calls it when a new process goes over the limit.
  size_t EvictIdle();
  // Registered processes (live schedulers plus entries being created).
  size_t size() const;
  // Idle schedulers dropped so far.
  int64_t evicted() const;

 private:
  struct Entry {
    std::mutex init_mu;  // held while the scheduler is created (a store read)
    std::shared_ptr<ProcessScheduler> scheduler;  // guarded by init_mu
    std::list<std::string>::iterator lru;  // position in lru_; guarded by mu_
  };
  using EntryMap = std::map<std::string, std::shared_ptr<Entry>, std::less<>>;

  const SchedulerEnvironment env_;
  const SchedulerRegistryOptions options_;
  ContentCache content_;
  AssignmentCache assignments_;
  // Leaf lock: guards entries_, lru_, evicted_ and Entry::lru. EvictIdle takes it while holding
  // an entry's init_mu (never the other way round).
  mutable std::mutex mu_;
  EntryMap entries_;
  std::list<std::string> lru_;  // front = most recently used
  int64_t evicted_ = 0;
};

}  // namespace ao
