// ProcessWorker: the long-lived worker of one process, holding its live state in memory
// between calls. Port of src/dev_process_worker.erl + the process half of src/hb_persistent.erl,
// redesigned (docs/architecture.md#concurrency, docs/devices.md#process-workers).
//
// A worker is a strand (SerialQueue) on the node's pool; its live state is touched only there.
// Compute(slot) is asynchronous and returns a future:
//   * slot == live slot: answered with the live state;
//   * slot  > live slot: the caller waits for that slot; the worker advances ONE slot per strand
//     task, so requests arriving meanwhile join in, and every waiter of a slot is answered from
//     the one computation of that slot as soon as it is done (even while the worker keeps going
//     towards a higher target);
//   * slot  < live slot: answered from the process cache (or, if the cache lacks it, by a
//     replay on a temporary state); the live state is never rolled back (a fix);
//   * no live state (new or retired worker): an exact cache hit answers without loading;
//     otherwise the engine loads the latest restore point <= the lowest waiting slot (or boots
//     the process) and advances from there.
// Failures (a fix of the reference): an engine error at slot k answers every waiter of
// slot >= k with that
// error; the worker keeps its last good state and keeps serving. Retire() (idle timeout, LRU
// eviction) writes a restore point of the live slot when it has none and drops the live state
// (done after the last waiter is answered when some are waiting). Stop() does the same, answers
// every outstanding waiter with Unavailable at once (even while a slot is still being
// computed; the worker finishes that slot, then snapshots), and refuses later requests.
//
// The worker knows nothing about devices: the ProcessEngine (implemented by process@1.0) loads,
// advances and snapshots states.
//
// Thread-safety: Compute, Retire, Stop, pending, process_id and Current are safe from any
// thread; everything else runs on the worker's strand.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "aocore/actor/executor.h"
#include "aocore/actor/serial_queue.h"
#include "aocore/ao/device.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

// What a computation answers: {ok, state} (a message with `at-slot`), a non-ok resolution
// result (e.g. {error, {status: 503, phase: "get-schedule", ...}}), or an error Status.
using ComputeResult = Result<ResolveResult>;

// The process-specific work a worker delegates. Called only on the worker's strand (one call
// at a time), so implementations need no locking of their own state (e.g. a prefetched
// assignment queue).
class ProcessEngine {
 public:
  virtual ~ProcessEngine() = default;
  // The stored state after `slot`, or nullopt.
  virtual Result<std::optional<Message>> ReadCached(int64_t slot) = 0;
  // A state to start from for reaching `target`: the latest restore point <= target, restored,
  // or the freshly booted process (at-slot -1). ok: the state (its `at-slot` <= target).
  virtual ComputeResult Load(int64_t target) = 0;
  // Applies slot `slot` + 1 to `state` (which is after `slot`) and stores the result (at once,
  // or at the next Flush).
  // ok: the new state.
  virtual ComputeResult Advance(const Message& state, int64_t slot) = 0;
  // Makes `state` (after `slot` >= 0) a restore point unless the slot already has one.
  virtual Status Snapshot(const Message& state, int64_t slot) = 0;
  // Stores what Advance computed and has not stored yet (an engine may keep the writes of a
  // run of slots and store them in one batch). The worker calls it before it answers a waiter,
  // so a state it hands out is readable from the cache. The default stores nothing.
  virtual Status Flush() { return Status::OK(); }
};

// Counters shared by the workers of one registry.
struct WorkerCounters {
  std::atomic<int64_t> slots_computed{0};  // slots applied by Advance (live or replay)
  std::atomic<int64_t> cache_hits{0};      // requests answered from the process cache
  std::atomic<int64_t> live_hits{0};       // requests answered with the live state as it was
  std::atomic<int64_t> loads{0};           // Load calls (restore or boot)
  std::atomic<int64_t> snapshots{0};       // restore points written on retire/stop
  std::atomic<int64_t> failures{0};        // failed Load/Advance calls
};

class ProcessWorker : public std::enable_shared_from_this<ProcessWorker> {
 public:
  // REQUIRES: `executor` outlives the worker's queued tasks; `counters` is not null.
  static std::shared_ptr<ProcessWorker> Create(std::string process_id,
                                               std::unique_ptr<ProcessEngine> engine,
                                               Executor& executor,
                                               std::shared_ptr<WorkerCounters> counters);
  ProcessWorker(const ProcessWorker&) = delete;
  ProcessWorker& operator=(const ProcessWorker&) = delete;

  // The state after `slot` (>= -1; -1 is the booted process). The future always completes:
  // with the state, the engine's error, or Unavailable once the worker stopped.
  std::future<ComputeResult> Compute(int64_t slot);
  // Compute, waiting at most until `deadline` (DeadlineExceeded then; the worker still
  // finishes the slot and caches it).
  ComputeResult ComputeAndWait(int64_t slot, std::chrono::steady_clock::time_point deadline);
  // Compute, waiting as long as the worker makes progress: DeadlineExceeded only once a whole
  // `stall_timeout` passed without the worker applying (or loading) any slot, e.g. a device
  // stuck on one slot. A long computation (thousands of slots) therefore never fails only
  // because it is long. After DeadlineExceeded the worker keeps computing towards `slot` (the
  // request stays queued), so a retry finds it further along or answered.
  ComputeResult ComputeAndWait(int64_t slot, std::chrono::milliseconds stall_timeout);
  // Slots applied or loaded by this worker so far (a progress counter).
  int64_t progress() const { return progress_.load(std::memory_order_acquire); }

  // Snapshot + drop the live state (see the header comment). The worker stays usable: a later
  // request loads again.
  void Retire();
  // Snapshot, answer every waiter Unavailable, refuse further requests. The future completes
  // when that is done (immediately if the pool no longer runs tasks).
  std::shared_future<void> Stop();

  // Requests accepted and not yet answered.
  int64_t pending() const { return pending_.load(std::memory_order_acquire); }
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  const std::string& process_id() const { return process_id_; }

  // The worker whose strand the calling thread is running, or nullptr. A device running
  // inside a worker must not block on another worker's future (pool starvation): it computes
  // inline instead.
  static const ProcessWorker* Current();

 private:
  // One request's reply; answered exactly once (by the strand, or by Stop from any thread).
  struct Waiter {
    std::promise<ComputeResult> promise;
    std::atomic<bool> answered{false};
  };
  using Promise = std::shared_ptr<Waiter>;

  ProcessWorker(std::string process_id, std::unique_ptr<ProcessEngine> engine, Executor& executor,
                std::shared_ptr<WorkerCounters> counters);

  Status Post(std::function<void()> task);  // runs `task` on the strand with Current() set
  void Answer(const Promise& p, ComputeResult result);

  // Strand-only.
  void OnRequest(int64_t slot, Promise p);
  // Answers `p` from the process cache (or with the read error); false on a cache miss.
  bool AnswerFromCache(int64_t slot, const Promise& p);
  void ServeBelowLive(int64_t slot, const Promise& p);
  void ScheduleAdvance();
  void AdvanceStep();
  void AnswerReached();                            // waiters of slots <= live slot
  void FailWaitersFrom(int64_t slot, const ComputeResult& error);  // waiters of slots >= slot
  void SnapshotAndDrop();
  void DoStop(const std::shared_ptr<std::promise<void>>& done);

  const std::string process_id_;
  const std::unique_ptr<ProcessEngine> engine_;
  const std::shared_ptr<WorkerCounters> counters_;
  const std::shared_ptr<SerialQueue> strand_;
  std::atomic<int64_t> pending_{0};
  std::atomic<int64_t> progress_{0};
  std::mutex outstanding_mu_;  // leaf lock: guards outstanding_
  std::unordered_map<Waiter*, Promise> outstanding_;  // every unanswered request
  std::atomic<bool> stopped_{false};
  std::shared_future<void> stop_done_;  // set once by Stop (guarded by stop_once_)
  std::once_flag stop_once_;

  // Strand-only state.
  std::optional<Value> live_;  // a message; answers share it (no copy)
  int64_t live_slot_ = -1;
  std::map<int64_t, std::vector<Promise>> waiters_;
  bool advance_scheduled_ = false;
  bool retire_requested_ = false;
};

}  // namespace ao
