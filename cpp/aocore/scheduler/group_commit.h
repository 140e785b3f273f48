// GroupCommitter: commits the synced batches of many schedulers with one store write (and so
// one fsync) per group, the way a database group-commits its log. A scheduler's batch waits
// while another is being synced; the next leader writes everything that queued up meanwhile
// in one synced Apply. Each caller gets the status of its own batch: when a combined write
// fails, the batches are applied again one by one (an Apply is atomic, so nothing of the
// failed write is in the store), so one bad batch fails only its own scheduler.
//
// Start/Wait is the same write without blocking the caller while it syncs: a scheduler syncs
// the reservations of its assignments while it signs them (process_scheduler.h). A started
// batch is written by the next leader: a Commit caller, or the committer's own writer thread
// (started on the first Start, joined by the destructor after it wrote everything started).
//
// Order: a batch is in the store before Commit (Wait) returns; batches committed together are
// applied in the order their callers queued. A scheduler commits one batch at a time, so its
// own batches keep their order.
//
// Thread-safety: Commit, Start and Wait are safe from any thread; the mutex is a leaf lock,
// never held across the store write.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "aocore/common/result.h"
#include "aocore/common/status.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

class GroupCommitter {
 private:
  struct Pending {
    const WriteBatch* batch = nullptr;  // a Commit caller's own batch, or `owned`
    Status status;
    bool done = false;
    // The thread waiting for this batch (its Commit caller, or Wait on its ticket) sleeps on
    // `ready` (with mu_). It is woken when the batch is written, and a Commit caller also when
    // it is the first of the queue and may lead the next write; not by every write of every
    // other scheduler (each wake-up is a thread queued behind a signature on a busy core).
    bool caller_waits = false;  // a Commit caller, which may lead
    std::condition_variable ready{};
    WriteBatch owned{};  // a started batch (batch points here)
    std::function<Result<WriteBatch>()> build{};  // a started batch still to be built
  };

 public:
  // A batch being written by Start; Wait for its status.
  class Ticket {
   private:
    friend class GroupCommitter;
    std::shared_ptr<Pending> pending_;
  };

  // REQUIRES: `store` outlives the committer.
  explicit GroupCommitter(Store& store) : store_(store) {}
  // Writes what was started and not yet written, then stops the writer thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Applies `batch` with sync, together with the batches other threads commit meanwhile.
  Status Commit(const WriteBatch& batch);

  // Queues `batch` to be applied with sync like Commit, and returns at once.
  Ticket Start(WriteBatch batch);
  // The same with the batch built by `build` on the writing thread, just before it is written,
  // so that building it also leaves the caller's thread (an error is the ticket's status).
  // `build` must not call into this committer.
  Ticket Start(std::function<Result<WriteBatch>()> build);
  // The status of a started batch, once it is written (blocks until then).
  Status Wait(const Ticket& ticket);

  // Batches queued behind the write in progress (for tests).
  size_t waiting() const;
  // A synced write is in progress or queued: another commit would share its fsync.
  bool busy() const;
  // Synced store writes made so far (for tests and benchmarks).
  uint64_t writes() const;

 private:
  // Writes every queued batch as the leader; `lock` (on mu_) is held on entry and on return.
  void LeadWrite(std::unique_lock<std::mutex>& lock);
  // Once no write is in progress: wakes the thread that leads the next one (the first
  // Commit caller queued, else the writer thread). `lock` (on mu_) is held on entry and on
  // return, and released while it wakes the thread.
  void WakeNextLeader(std::unique_lock<std::mutex>& lock);
  void WriterLoop();
  // Queues a started batch, starting the writer thread on first use and waking it when no
  // write is in progress.
  void QueueStarted(std::shared_ptr<Pending> pending);

  Store& store_;
  mutable std::mutex mu_;
  std::condition_variable writer_cv_;  // the writer thread: a started batch, or stopping
  // Guarded by mu_. A started batch is owned here too, so that a ticket dropped unwaited
  // leaves nothing dangling; a Commit caller's batch is its own (it waits until it is written).
  std::deque<std::shared_ptr<Pending>> queue_;
  bool writing_ = false;        // guarded by mu_: a leader is writing
  uint64_t writes_ = 0;         // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::thread writer_;          // started by the first Start (under mu_)
};

}  // namespace ao
