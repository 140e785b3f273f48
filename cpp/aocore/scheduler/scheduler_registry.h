// SchedulerRegistry: process ID -> its ProcessScheduler, the port of dev_scheduler_registry
// (spec/scheduler_store.md §3) with the get-or-create race fixed (§8.7): GetOrCreate is atomic,
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
// Thread-safety: every method is safe from any thread. The registry mutex is a leaf lock; the
// (store-reading) creation of a scheduler runs under that process's own entry lock only.
#pragma once

#include <cstdint>
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

// Most assignments one Assignments() page returns (the reference returns up to 1001, §8.13).
inline constexpr size_t kMaxSchedulePage = 1000;

// The canonical (43-character text) form of a process ID given as text or as 32 raw bytes.
Result<std::string> CanonicalProcessId(std::string_view process_id);

class SchedulerRegistry {
 public:
  // REQUIRES: env.store outlives the registry.
  explicit SchedulerRegistry(SchedulerEnvironment env);
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

  const SchedulerEnvironment& environment() const { return env_; }

 private:
  struct Entry {
    std::mutex init_mu;  // held while the scheduler is created (a store read)
    std::shared_ptr<ProcessScheduler> scheduler;  // guarded by init_mu
  };

  const SchedulerEnvironment env_;
  ContentCache content_;
  AssignmentCache assignments_;
  mutable std::mutex mu_;  // leaf lock: guards entries_
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
};

}  // namespace ao
