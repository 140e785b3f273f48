#include "aocore/scheduler/scheduler_registry.h"

#include <algorithm>
#include <utility>

#include "aocore/common/bytes.h"
#include "aocore/scheduler/reservations.h"

namespace ao {

Result<std::string> CanonicalProcessId(std::string_view process_id) {
  if (process_id.size() == 43 && IsIdShaped(process_id)) {
    Result<Bytes> raw = Base64UrlDecode(process_id);
    if (raw.ok() && raw->size() == 32) return std::string(process_id);
  }
  if (process_id.size() == 32) return Base64UrlEncode(process_id);
  return Status::InvalidArgument("not a process ID (43-character base64url text or 32 bytes): '" +
                                 std::string(process_id.substr(0, 64)) + "'");
}

namespace {
// Every scheduler of the registry shares one group committer, so that the synced batches of
// different processes are written (and fsync'd) together, and one count of the groups being
// signed, so that each sees when the others keep the cores busy (pipelining, process_scheduler.h).
SchedulerEnvironment WithShared(SchedulerEnvironment env) {
  if (!env.committer && env.store != nullptr) env.committer = std::make_shared<GroupCommitter>(*env.store);
  if (!env.groups_signing) env.groups_signing = std::make_shared<std::atomic<size_t>>(0);
  return env;
}
}  // namespace

SchedulerRegistry::SchedulerRegistry(SchedulerEnvironment env, SchedulerRegistryOptions options)
    : env_(WithShared(std::move(env))),
      options_(options),
      content_(*env_.store),
      assignments_(*env_.store, content_) {}

SchedulerRegistry::~SchedulerRegistry() {
  EntryMap entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries.swap(entries_);
    lru_.clear();
  }
  for (auto& [pid, entry] : entries) {
    std::lock_guard<std::mutex> lock(entry->init_mu);
    if (entry->scheduler) entry->scheduler->Stop();
  }
}

Result<size_t> SchedulerRegistry::RecoverReservedAssignments() {
  AO_ASSIGN_OR_RETURN(std::vector<std::string> processes, ProcessesWithReservations(*env_.store));
  size_t created = 0;
  for (const std::string& pid : processes) {
    if (GetOrCreate(pid).ok()) ++created;
  }
  return created;
}

Result<std::shared_ptr<ProcessScheduler>> SchedulerRegistry::GetOrCreate(
    std::string_view process_id) {
  AO_ASSIGN_OR_RETURN(std::string pid, CanonicalProcessId(process_id));
  std::shared_ptr<Entry> entry;
  bool over_limit = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) {
      it = entries_.emplace(pid, std::make_shared<Entry>()).first;
      lru_.push_front(pid);
      it->second->lru = lru_.begin();
      over_limit = entries_.size() > options_.max_schedulers;
    } else {
      lru_.splice(lru_.begin(), lru_, it->second->lru);
    }
    entry = it->second;
  }
  // Before creating ours, so this entry (held here, and the most recent) is not a candidate.
  if (over_limit) EvictIdle();
  std::lock_guard<std::mutex> lock(entry->init_mu);
  if (!entry->scheduler) {
    // A failed creation leaves the entry empty: the next call retries.
    AO_ASSIGN_OR_RETURN(std::unique_ptr<ProcessScheduler> created,
                        ProcessScheduler::Create(pid, env_));
    entry->scheduler = std::move(created);
  }
  return entry->scheduler;
}

size_t SchedulerRegistry::EvictIdle() {
  // Candidates from the least recently used end, a bounded number per call.
  std::vector<std::pair<std::string, std::shared_ptr<Entry>>> candidates;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() <= options_.max_schedulers) return 0;
    const size_t excess = entries_.size() - options_.max_schedulers;
    auto it = lru_.end();
    while (it != lru_.begin() && candidates.size() < excess + 8) {
      --it;
      candidates.emplace_back(*it, entries_.find(*it)->second);
    }
  }
  std::vector<std::shared_ptr<ProcessScheduler>> dropped;
  size_t erased = 0;
  for (auto& [pid, entry] : candidates) {
    std::unique_lock<std::mutex> init(entry->init_mu, std::try_to_lock);
    if (!init.owns_lock()) continue;  // being created or removed right now
    // No other holder (callers copy the pointer under init_mu, which we hold), nothing queued,
    // worker gone: everything it knows is in the store.
    const bool idle = !entry->scheduler ||
                      (entry->scheduler.use_count() == 1 && entry->scheduler->Idle());
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() <= options_.max_schedulers) break;
    auto it = entries_.find(pid);
    // use_count 2: the map and `candidates`; anyone else who copied the entry (under mu_) may
    // be waiting for its init lock, so it stays.
    if (!idle || it == entries_.end() || it->second != entry || entry.use_count() != 2) {
      // Busy: make it recent, so the next call looks at other candidates first.
      if (it != entries_.end() && it->second == entry) lru_.splice(lru_.begin(), lru_, entry->lru);
      continue;
    }
    lru_.erase(entry->lru);
    entries_.erase(it);
    ++evicted_;
    ++erased;
    if (entry->scheduler) dropped.push_back(std::move(entry->scheduler));
  }
  // Idle and unreachable: stopping them does not wait for anything.
  for (auto& scheduler : dropped) scheduler->Stop();
  return erased;
}

size_t SchedulerRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

int64_t SchedulerRegistry::evicted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evicted_;
}

std::shared_ptr<ProcessScheduler> SchedulerRegistry::Find(std::string_view process_id) const {
  Result<std::string> pid = CanonicalProcessId(process_id);
  if (!pid.ok()) return nullptr;
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(*pid);
    if (it == entries_.end()) return nullptr;
    entry = it->second;
  }
  std::lock_guard<std::mutex> lock(entry->init_mu);
  return entry->scheduler;
}

std::vector<std::string> SchedulerRegistry::Processes() const {
  std::vector<std::pair<std::string, std::shared_ptr<Entry>>> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries.assign(entries_.begin(), entries_.end());
  }
  std::vector<std::string> out;
  for (auto& [pid, entry] : entries) {
    std::lock_guard<std::mutex> lock(entry->init_mu);
    if (entry->scheduler) out.push_back(pid);
  }
  return out;
}

Status SchedulerRegistry::Remove(std::string_view process_id) {
  AO_ASSIGN_OR_RETURN(std::string pid, CanonicalProcessId(process_id));
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) return Status::NotFound("no scheduler for process " + pid);
    entry = it->second;
  }
  // The entry stays registered and its init lock is held until the old scheduler has stopped,
  // so a concurrent GetOrCreate waits and then recovers from the store after the old writer's
  // last batch: never two writers for one process.
  std::lock_guard<std::mutex> lock(entry->init_mu);
  if (!entry->scheduler) return Status::NotFound("no scheduler for process " + pid);
  entry->scheduler->Stop();
  entry->scheduler.reset();
  return Status::OK();
}

Result<Message> SchedulerRegistry::Schedule(std::string_view process_id, const Message& message) {
  AO_ASSIGN_OR_RETURN(std::shared_ptr<ProcessScheduler> scheduler, GetOrCreate(process_id));
  return scheduler->Schedule(message);
}

Result<Message> SchedulerRegistry::Schedule(std::string_view process_id, const Message& message,
                                            AssignmentBatchHook hook) {
  AO_ASSIGN_OR_RETURN(std::shared_ptr<ProcessScheduler> scheduler, GetOrCreate(process_id));
  return scheduler->Schedule(message, std::chrono::steady_clock::now() + env_.deadline, std::move(hook));
}

Result<int64_t> SchedulerRegistry::CurrentSlot(std::string_view process_id) {
  AO_ASSIGN_OR_RETURN(std::shared_ptr<ProcessScheduler> scheduler, GetOrCreate(process_id));
  return scheduler->CurrentSlot();
}

Result<SchedulePage> SchedulerRegistry::Assignments(std::string_view process_id, uint64_t from,
                                                    std::optional<uint64_t> to, size_t limit) {
  AO_ASSIGN_OR_RETURN(std::string pid, CanonicalProcessId(process_id));
  SchedulePage page;
  page.process_id = pid;
  page.block = env_.block_info ? env_.block_info() : BlockInfo{};
  if (!to) {
    AO_ASSIGN_OR_RETURN(std::optional<uint64_t> latest, assignments_.LatestSlot(pid));
    if (!latest) return page;
    to = *latest;
  }
  if (from > *to) return page;
  const size_t page_size = std::min(limit == 0 ? kMaxSchedulePage : limit, kMaxSchedulePage);
  // One more than a page tells whether another page follows.
  AO_ASSIGN_OR_RETURN(page.assignments, assignments_.Range(pid, from, *to, page_size + 1));
  if (page.assignments.size() > page_size) {
    page.assignments.pop_back();
    page.has_next_page = true;
  }
  return page;
}

}  // namespace ao
