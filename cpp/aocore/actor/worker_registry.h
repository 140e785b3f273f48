// WorkerRegistry: process ID -> its ProcessWorker, the port of the name registry the reference
// uses for process workers (hb_name + hb_persistent find_or_register)
// with its races fixed: FindOrStart is one atomic find-or-insert under a leaf
// mutex, so there is never a second worker for a process within a registry, and only the
// registry removes entries (no foreign unregister).
//
// Memory stays bounded: at most `max_workers` live workers; starting one more retires
// the least recently used (it snapshots first, ProcessWorker::Retire). Workers idle for
// `max_idle` (by the injected Clock) retire the same way when ReapIdle() runs: a background
// reaper thread calls it every `reap_interval` when enabled (the node), tests call it directly
// with a ManualClock. A worker with requests in flight is never idle.
//
// A retiring worker writes its snapshot on its own strand; a request that arrives for the same
// process meanwhile starts a new worker, which may restore from an older restore point and
// replay (correct, only slower): the replayed slots are identical and the cache keeps one copy.
//
// Stop(): refuses new workers (Unavailable), then stops every worker (each snapshots and answers
// its waiters Unavailable). The node then stops and joins the executor, then closes the store.
//
// Thread-safety: every method is safe from any thread. The mutex is a leaf lock: it is never
// held while a worker runs, an engine is used, or a worker is stopped/retired.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aocore/common/clock.h"
#include "aocore/actor/executor.h"
#include "aocore/actor/process_worker.h"
#include "aocore/common/result.h"

namespace ao {

struct WorkerRegistryOptions {
  size_t max_workers = 1024;                      // NodeOptions max_workers
  std::chrono::milliseconds max_idle{300000};     // HB process_worker_max_idle (5 minutes)
  const Clock* clock = &SystemClock::Default();   // idle time is measured on this clock
  // > 0: a reaper thread calls ReapIdle() this often (the node). 0: only explicit calls.
  std::chrono::milliseconds reap_interval{0};
};

// A snapshot of the registry's counters.
struct WorkerRegistryMetrics {
  int64_t live_workers = 0;
  int64_t workers_started = 0;
  int64_t workers_retired_idle = 0;
  int64_t workers_evicted = 0;
  int64_t slots_computed = 0;
  int64_t cache_hits = 0;
  int64_t live_hits = 0;
  int64_t loads = 0;
  int64_t snapshots = 0;
  int64_t failures = 0;
};

class WorkerRegistry {
 public:
  // Builds the engine of a new worker. Called under the registry lock: it must be cheap and
  // must not block (no I/O, no resolution).
  using EngineFactory = std::function<Result<std::unique_ptr<ProcessEngine>>()>;

  // REQUIRES: `executor` outlives the registry and every task it queued.
  WorkerRegistry(Executor& executor, WorkerRegistryOptions options);
  ~WorkerRegistry();  // Stop()
  WorkerRegistry(const WorkerRegistry&) = delete;
  WorkerRegistry& operator=(const WorkerRegistry&) = delete;

  // The worker of `process_id`, started with make_engine() when there is none. Marks it used
  // (LRU, idle clock). Unavailable after Stop; the factory's error when it fails.
  Result<std::shared_ptr<ProcessWorker>> FindOrStart(const std::string& process_id,
                                                     const EngineFactory& make_engine);
  // The live worker, or nullptr (does not mark it used).
  std::shared_ptr<ProcessWorker> Find(const std::string& process_id) const;

  // Retires every worker idle for at least max_idle with nothing in flight; returns how many.
  size_t ReapIdle();
  // Stops accepting and stops every worker; returns their stop futures (complete once each
  // worker snapshotted and answered its waiters). Idempotent.
  std::vector<std::shared_future<void>> Stop();

  size_t size() const;
  WorkerRegistryMetrics metrics() const;

 private:
  struct Entry {
    std::shared_ptr<ProcessWorker> worker;
    std::list<std::string>::iterator lru;  // position in lru_ (front = most recent)
    Clock::TimePoint last_used;
  };

  void ReaperLoop();

  Executor& executor_;
  const WorkerRegistryOptions options_;
  const std::shared_ptr<WorkerCounters> counters_ = std::make_shared<WorkerCounters>();

  mutable std::mutex mu_;  // leaf lock: guards the fields below
  std::map<std::string, Entry, std::less<>> workers_;
  std::list<std::string> lru_;
  bool stopped_ = false;
  int64_t started_ = 0;
  int64_t retired_idle_ = 0;
  int64_t evicted_ = 0;

  std::condition_variable reaper_cv_;  // wakes the reaper on Stop
  std::thread reaper_;
};

}  // namespace ao
