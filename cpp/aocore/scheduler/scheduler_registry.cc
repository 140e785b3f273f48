#include "aocore/scheduler/scheduler_registry.h"

#include <algorithm>
#include <utility>

#include "aocore/common/bytes.h"

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

SchedulerRegistry::SchedulerRegistry(SchedulerEnvironment env)
    : env_(std::move(env)), content_(*env_.store), assignments_(*env_.store, content_) {}

SchedulerRegistry::~SchedulerRegistry() {
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries.swap(entries_);
  }
  for (auto& [pid, entry] : entries) {
    std::lock_guard<std::mutex> lock(entry->init_mu);
    if (entry->scheduler) entry->scheduler->Stop();
  }
}

Result<std::shared_ptr<ProcessScheduler>> SchedulerRegistry::GetOrCreate(
    std::string_view process_id) {
  AO_ASSIGN_OR_RETURN(std::string pid, CanonicalProcessId(process_id));
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) it = entries_.emplace(pid, std::make_shared<Entry>()).first;
    entry = it->second;
  }
  std::lock_guard<std::mutex> lock(entry->init_mu);
  if (!entry->scheduler) {
    // A failed creation leaves the entry empty: the next call retries.
    AO_ASSIGN_OR_RETURN(std::unique_ptr<ProcessScheduler> created,
                        ProcessScheduler::Create(pid, env_));
    entry->scheduler = std::move(created);
  }
  return entry->scheduler;
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
