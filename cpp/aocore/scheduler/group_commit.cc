#include "aocore/scheduler/group_commit.h"

#include <vector>

namespace ao {

Status GroupCommitter::Commit(const WriteBatch& batch) {
  Pending mine{&batch, Status::OK()};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&mine);
  cv_.wait(lock, [&] { return mine.done || !writing_; });
  if (mine.done) return mine.status;

  // Leader: write everything queued so far (this batch included) in one synced Apply.
  writing_ = true;
  std::vector<Pending*> group(queue_.begin(), queue_.end());
  queue_.clear();
  ++writes_;
  lock.unlock();

  WriteOptions synced;
  synced.sync = true;
  if (group.size() == 1) {
    group[0]->status = store_.Apply(*group[0]->batch, synced);
  } else {
    WriteBatch combined;
    for (Pending* p : group) combined.Append(*p->batch);
    Status applied = store_.Apply(combined, synced);
    for (Pending* p : group) p->status = applied;
    if (!applied.ok()) {
      // Tell the bad batch from the good ones: nothing of the combined write was applied.
      for (Pending* p : group) p->status = store_.Apply(*p->batch, synced);
    }
  }

  lock.lock();
  for (Pending* p : group) p->done = true;
  writing_ = false;
  cv_.notify_all();
  return mine.status;
}

size_t GroupCommitter::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

uint64_t GroupCommitter::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

}  // namespace ao
