#include "aocore/actor/worker_registry.h"

#include "aocore/common/logging.h"

namespace ao {

WorkerRegistry::WorkerRegistry(Executor& executor, WorkerRegistryOptions options)
    : executor_(executor), options_(std::move(options)) {
  if (options_.reap_interval.count() > 0) reaper_ = std::thread([this] { ReaperLoop(); });
}

WorkerRegistry::~WorkerRegistry() { (void)Stop(); }

Result<std::shared_ptr<ProcessWorker>> WorkerRegistry::FindOrStart(const std::string& process_id,
                                                                   const EngineFactory& make_engine) {
  std::vector<std::shared_ptr<ProcessWorker>> evicted;
  std::shared_ptr<ProcessWorker> worker;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Status::Unavailable("the worker registry is stopped");
    const Clock::TimePoint now = options_.clock->Now();
    if (auto it = workers_.find(process_id); it != workers_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      it->second.last_used = now;
      return it->second.worker;
    }
    AO_ASSIGN_OR_RETURN(std::unique_ptr<ProcessEngine> engine, make_engine());
    worker = ProcessWorker::Create(process_id, std::move(engine), executor_, counters_);
    lru_.push_front(process_id);
    workers_.emplace(process_id, Entry{worker, lru_.begin(), now});
    ++started_;
    while (workers_.size() > std::max<size_t>(options_.max_workers, 1)) {
      auto victim = workers_.find(lru_.back());
      evicted.push_back(std::move(victim->second.worker));
      workers_.erase(victim);
      lru_.pop_back();
      ++evicted_;
    }
  }
  for (const auto& w : evicted) {
    Logger("worker")->debug("worker_evicted proc={}", w->process_id());
    w->Retire();
  }
  return worker;
}

std::shared_ptr<ProcessWorker> WorkerRegistry::Find(const std::string& process_id) const {
  std::lock_guard lock(mu_);
  auto it = workers_.find(process_id);
  return it == workers_.end() ? nullptr : it->second.worker;
}

size_t WorkerRegistry::ReapIdle() {
  std::vector<std::shared_ptr<ProcessWorker>> idle;
  {
    std::lock_guard lock(mu_);
    const Clock::TimePoint now = options_.clock->Now();
    for (auto it = workers_.begin(); it != workers_.end();) {
      Entry& e = it->second;
      if (now - e.last_used >= options_.max_idle && e.worker->pending() == 0) {
        idle.push_back(std::move(e.worker));
        lru_.erase(e.lru);
        it = workers_.erase(it);
        ++retired_idle_;
      } else {
        ++it;
      }
    }
  }
  for (const auto& w : idle) {
    Logger("worker")->debug("worker_idle_retire proc={}", w->process_id());
    w->Retire();
  }
  return idle.size();
}

std::vector<std::shared_future<void>> WorkerRegistry::Stop() {
  std::vector<std::shared_ptr<ProcessWorker>> all;
  {
    std::lock_guard lock(mu_);
    if (!stopped_) {
      stopped_ = true;
      for (auto& [pid, e] : workers_) all.push_back(std::move(e.worker));
      workers_.clear();
      lru_.clear();
    }
  }
  reaper_cv_.notify_all();
  if (reaper_.joinable() && reaper_.get_id() != std::this_thread::get_id()) reaper_.join();
  std::vector<std::shared_future<void>> done;
  done.reserve(all.size());
  for (const auto& w : all) done.push_back(w->Stop());
  return done;
}

size_t WorkerRegistry::size() const {
  std::lock_guard lock(mu_);
  return workers_.size();
}

WorkerRegistryMetrics WorkerRegistry::metrics() const {
  WorkerRegistryMetrics m;
  {
    std::lock_guard lock(mu_);
    m.live_workers = static_cast<int64_t>(workers_.size());
    m.workers_started = started_;
    m.workers_retired_idle = retired_idle_;
    m.workers_evicted = evicted_;
  }
  m.slots_computed = counters_->slots_computed.load();
  m.cache_hits = counters_->cache_hits.load();
  m.live_hits = counters_->live_hits.load();
  m.loads = counters_->loads.load();
  m.snapshots = counters_->snapshots.load();
  m.failures = counters_->failures.load();
  return m;
}

void WorkerRegistry::ReaperLoop() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    reaper_cv_.wait_for(lock, options_.reap_interval, [&] { return stopped_; });
    if (stopped_) break;
    lock.unlock();
    ReapIdle();
    lock.lock();
  }
}

}  // namespace ao
