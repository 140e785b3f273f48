#include "aocore/actor/process_worker.h"

#include "aocore/common/logging.h"

namespace ao {
namespace {

thread_local const ProcessWorker* t_worker = nullptr;

int64_t AtSlotOf(const Message& state, int64_t fallback) {
  const Value* at = state.Find("at-slot");
  return at != nullptr && at->is_integer() ? at->integer() : fallback;
}

}  // namespace

std::shared_ptr<ProcessWorker> ProcessWorker::Create(std::string process_id,
                                                     std::unique_ptr<ProcessEngine> engine,
                                                     Executor& executor,
                                                     std::shared_ptr<WorkerCounters> counters) {
  return std::shared_ptr<ProcessWorker>(
      new ProcessWorker(std::move(process_id), std::move(engine), executor, std::move(counters)));
}

ProcessWorker::ProcessWorker(std::string process_id, std::unique_ptr<ProcessEngine> engine,
                             Executor& executor, std::shared_ptr<WorkerCounters> counters)
    : process_id_(std::move(process_id)),
      engine_(std::move(engine)),
      counters_(std::move(counters)),
      strand_(SerialQueue::Create(executor, [pid = process_id_](const Status& s) {
        Logger("worker")->error("worker_task_failed proc={} status={}", pid, s.ToString());
      })) {}

const ProcessWorker* ProcessWorker::Current() { return t_worker; }

Status ProcessWorker::Post(std::function<void()> task) {
  // The task keeps the worker alive until it ran (keep-alive, STYLE.md rule 20).
  return strand_->Schedule([self = shared_from_this(), task = std::move(task)] {
    const ProcessWorker* previous = t_worker;
    t_worker = self.get();
    task();
    t_worker = previous;
  });
}

void ProcessWorker::Answer(const Promise& p, ComputeResult result) {
  if (p->answered.exchange(true, std::memory_order_acq_rel)) return;  // Stop answered first
  {
    std::lock_guard lock(outstanding_mu_);
    outstanding_.erase(p.get());
  }
  // Not pending any more before the caller wakes (an idle check right after the answer must
  // see it).
  pending_.fetch_sub(1, std::memory_order_acq_rel);
  p->promise.set_value(std::move(result));
}

std::future<ComputeResult> ProcessWorker::Compute(int64_t slot) {
  auto p = std::make_shared<Waiter>();
  std::future<ComputeResult> f = p->promise.get_future();
  if (slot < -1) {
    p->promise.set_value(Status::InvalidArgument("slot " + std::to_string(slot) + " is below -1"));
    return f;
  }
  pending_.fetch_add(1, std::memory_order_acq_rel);
  {
    std::lock_guard lock(outstanding_mu_);
    outstanding_.emplace(p.get(), p);
  }
  // Checked after registering, so a concurrent Stop either sees this request or we see it.
  if (stopped()) {
    Answer(p, Status::Unavailable("process worker " + process_id_ + " stopped"));
    return f;
  }
  Status s = Post([this, slot, p] { OnRequest(slot, p); });
  if (!s.ok()) Answer(p, Status::Unavailable("process worker " + process_id_ + ": " + s.ToString()));
  return f;
}

ComputeResult ProcessWorker::ComputeAndWait(int64_t slot,
                                            std::chrono::steady_clock::time_point deadline) {
  std::future<ComputeResult> f = Compute(slot);
  if (f.wait_until(deadline) != std::future_status::ready) {
    return Status::DeadlineExceeded("process " + process_id_ + ": slot " + std::to_string(slot) +
                                    " was not computed before the deadline");
  }
  return f.get();
}

ComputeResult ProcessWorker::ComputeAndWait(int64_t slot, std::chrono::milliseconds stall_timeout) {
  std::future<ComputeResult> f = Compute(slot);
  int64_t seen = progress();
  while (f.wait_for(stall_timeout) != std::future_status::ready) {
    const int64_t now = progress();
    if (now == seen) {
      return Status::DeadlineExceeded(
          "process " + process_id_ + ": no slot was computed for " + std::to_string(stall_timeout.count()) +
          " ms while waiting for slot " + std::to_string(slot) +
          " (request_timeout); the worker keeps computing it, so a retry finds it further along");
    }
    seen = now;
  }
  return f.get();
}

void ProcessWorker::OnRequest(int64_t slot, Promise p) {
  if (stopped()) {
    Answer(p, Status::Unavailable("process worker " + process_id_ + " stopped"));
    return;
  }
  if (live_) {
    if (slot == live_slot_) {
      counters_->live_hits.fetch_add(1, std::memory_order_relaxed);
      Status flushed = engine_->Flush();  // the live state may not be stored yet (mid-run)
      if (flushed.ok()) {
        Answer(p, ResolveResult::Ok(*live_));
      } else {
        Answer(p, flushed);
      }
      return;
    }
    if (slot < live_slot_) {
      ServeBelowLive(slot, p);
      return;
    }
  } else if (slot >= 0 && AnswerFromCache(slot, p)) {
    return;  // cold: an exact cache hit needs no load
  }
  waiters_[slot].push_back(std::move(p));
  ScheduleAdvance();
}

bool ProcessWorker::AnswerFromCache(int64_t slot, const Promise& p) {
  Result<std::optional<Message>> cached = engine_->ReadCached(slot);
  if (!cached.ok()) {
    Answer(p, cached.status());
    return true;
  }
  if (!cached->has_value()) return false;
  counters_->cache_hits.fetch_add(1, std::memory_order_relaxed);
  Answer(p, ResolveResult::Ok(Value(std::move(**cached))));
  return true;
}

void ProcessWorker::ServeBelowLive(int64_t slot, const Promise& p) {
  if (slot >= 0 && AnswerFromCache(slot, p)) return;
  // Not cached (slot -1, or an entry that is gone): replay on a temporary state.
  ComputeResult r = engine_->Load(slot);
  counters_->loads.fetch_add(1, std::memory_order_relaxed);
  while (r.ok() && r->ok() && r->value.is_message()) {
    const int64_t at = AtSlotOf(r->value.message(), slot);
    if (at >= slot) break;
    r = engine_->Advance(r->value.message(), at);
    counters_->slots_computed.fetch_add(1, std::memory_order_relaxed);
    progress_.fetch_add(1, std::memory_order_acq_rel);
  }
  if (r.ok() && r->ok()) {
    Status flushed = engine_->Flush();  // the answer is readable from the cache
    if (!flushed.ok()) r = flushed;
  }
  if (!r.ok() || !r->ok()) counters_->failures.fetch_add(1, std::memory_order_relaxed);
  Answer(p, std::move(r));
}

void ProcessWorker::ScheduleAdvance() {
  if (advance_scheduled_) return;
  advance_scheduled_ = true;
  Status s = Post([this] { AdvanceStep(); });
  if (!s.ok()) {
    advance_scheduled_ = false;
    FailWaitersFrom(INT64_MIN, Status::Unavailable("process worker " + process_id_ + ": " + s.ToString()));
  }
}

void ProcessWorker::AdvanceStep() {
  advance_scheduled_ = false;
  if (stopped() || waiters_.empty()) {
    if (waiters_.empty() && retire_requested_) SnapshotAndDrop();
    return;
  }
  if (!live_) {
    const int64_t target = waiters_.begin()->first;
    ComputeResult r = engine_->Load(target);
    counters_->loads.fetch_add(1, std::memory_order_relaxed);
    if (!r.ok() || !r->ok() || !r->value.is_message()) {
      counters_->failures.fetch_add(1, std::memory_order_relaxed);
      if (r.ok() && r->ok()) r = Status::Internal("process " + process_id_ + ": load gave no state");
      FailWaitersFrom(INT64_MIN, r);
      return;
    }
    live_slot_ = AtSlotOf(r->value.message(), -1);
    live_ = std::move(r->value);
    progress_.fetch_add(1, std::memory_order_acq_rel);
  } else {
    ComputeResult r = engine_->Advance(live_->message(), live_slot_);
    if (!r.ok() || !r->ok() || !r->value.is_message()) {
      counters_->failures.fetch_add(1, std::memory_order_relaxed);
      if (r.ok() && r->ok()) r = Status::Internal("process " + process_id_ + ": advance gave no state");
      // The last good state stays live; the waiters that needed this slot get the error.
      FailWaitersFrom(live_slot_ + 1, r);
      return;
    }
    counters_->slots_computed.fetch_add(1, std::memory_order_relaxed);
    live_slot_ = AtSlotOf(r->value.message(), live_slot_ + 1);
    live_ = std::move(r->value);
    progress_.fetch_add(1, std::memory_order_acq_rel);
  }
  if (waiters_.begin()->first <= live_slot_) {
    // The engine may keep the writes of the slots since the last answer (one batch per run):
    // they are stored before anyone is answered, so every state handed out is in the cache.
    Status flushed = engine_->Flush();
    if (!flushed.ok()) {
      counters_->failures.fetch_add(1, std::memory_order_relaxed);
      FailWaitersFrom(INT64_MIN, flushed);
      live_.reset();  // not stored: the next request loads from what the cache holds
      live_slot_ = -1;
      return;
    }
  }
  AnswerReached();
  if (!waiters_.empty()) {
    ScheduleAdvance();
  } else if (retire_requested_) {
    SnapshotAndDrop();
  }
}

void ProcessWorker::AnswerReached() {
  while (!waiters_.empty() && waiters_.begin()->first <= live_slot_) {
    auto node = waiters_.extract(waiters_.begin());
    for (const Promise& p : node.mapped()) {
      if (node.key() == live_slot_) {
        Answer(p, ResolveResult::Ok(*live_));
      } else {
        ServeBelowLive(node.key(), p);
      }
    }
  }
}

void ProcessWorker::FailWaitersFrom(int64_t slot, const ComputeResult& error) {
  for (auto it = waiters_.lower_bound(slot); it != waiters_.end();) {
    for (const Promise& p : it->second) Answer(p, error);
    it = waiters_.erase(it);
  }
}

void ProcessWorker::SnapshotAndDrop() {
  retire_requested_ = false;
  if (!live_) return;
  if (live_slot_ >= 0) {
    Status s = engine_->Snapshot(live_->message(), live_slot_);
    if (s.ok()) {
      counters_->snapshots.fetch_add(1, std::memory_order_relaxed);
    } else {
      Logger("worker")->error("retire_snapshot_failed proc={} slot={} status={}", process_id_, live_slot_,
                              s.ToString());
    }
  }
  live_.reset();
  live_slot_ = -1;
}

void ProcessWorker::Retire() {
  (void)Post([this] {
    if (waiters_.empty()) {
      SnapshotAndDrop();
    } else {
      retire_requested_ = true;  // after the last waiter is answered
    }
  });
}

std::shared_future<void> ProcessWorker::Stop() {
  std::call_once(stop_once_, [this] {
    auto done = std::make_shared<std::promise<void>>();
    stop_done_ = done->get_future().share();
    stopped_.store(true, std::memory_order_release);
    // Answer every outstanding request now, without waiting for a slot in progress.
    std::vector<Promise> all;
    {
      std::lock_guard lock(outstanding_mu_);
      for (const auto& [raw, p] : outstanding_) all.push_back(p);
    }
    for (const Promise& p : all) Answer(p, Status::Unavailable("process worker " + process_id_ + " stopped"));
    Status s = Post([this, done] { DoStop(done); });
    if (!s.ok()) done->set_value();  // the pool no longer runs tasks: nothing left to do here
  });
  return stop_done_;
}

void ProcessWorker::DoStop(const std::shared_ptr<std::promise<void>>& done) {
  FailWaitersFrom(INT64_MIN, Status::Unavailable("process worker " + process_id_ + " stopped"));
  SnapshotAndDrop();
  strand_->Close();
  done->set_value();
}

}  // namespace ao
