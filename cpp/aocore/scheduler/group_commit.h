// GroupCommitter: commits the synced batches of many schedulers with one store write (and so
// one fsync) per group, the way a database group-commits its log. A scheduler's batch waits
// while another is being synced; the next leader writes everything that queued up meanwhile
// in one synced Apply. Each caller gets the status of its own batch: when a combined write
// fails, the batches are applied again one by one (an Apply is atomic, so nothing of the
// failed write is in the store), so one bad batch fails only its own scheduler.
//
// Order: a batch is in the store before Commit returns; batches committed together are applied
// in the order their callers queued. A scheduler commits one batch at a time, so its own
// batches keep their order.
//
// Thread-safety: Commit is safe from any thread; the mutex is a leaf lock, never held across
// the store write.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

#include "aocore/common/status.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

class GroupCommitter {
 public:
  // REQUIRES: `store` outlives the committer.
  explicit GroupCommitter(Store& store) : store_(store) {}
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Applies `batch` with sync, together with the batches other threads commit meanwhile.
  Status Commit(const WriteBatch& batch);

  // Batches queued behind the write in progress (for tests).
  size_t waiting() const;
  // Synced store writes made so far (for tests and benchmarks).
  uint64_t writes() const;

 private:
  struct Pending {
    const WriteBatch* batch;
    Status status;
    bool done = false;
  };

  Store& store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool writing_ = false;        // guarded by mu_: a leader is writing
  uint64_t writes_ = 0;         // guarded by mu_
};

}  // namespace ao
