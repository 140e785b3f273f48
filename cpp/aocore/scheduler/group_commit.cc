#include "aocore/scheduler/group_commit.h"

#include <pthread.h>

#include <utility>
#include <vector>

namespace ao {

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Status GroupCommitter::Commit(const WriteBatch& batch) {
  // Shared, not on this stack: the leader that writes it wakes this caller after releasing the
  // lock, when this call may have returned already.
  auto mine = std::make_shared<Pending>();
  mine->batch = &batch;
  mine->caller_waits = true;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(mine);
  mine->ready.wait(lock, [&] { return mine->done || !writing_; });
  if (!mine->done) LeadWrite(lock);
  return mine->status;
}

GroupCommitter::Ticket GroupCommitter::Start(WriteBatch batch) {
  Ticket ticket;
  ticket.pending_ = std::make_shared<Pending>();
  ticket.pending_->owned = std::move(batch);
  ticket.pending_->batch = &ticket.pending_->owned;
  QueueStarted(ticket.pending_);
  return ticket;
}

GroupCommitter::Ticket GroupCommitter::Start(std::function<Result<WriteBatch>()> build) {
  Ticket ticket;
  ticket.pending_ = std::make_shared<Pending>();
  ticket.pending_->batch = &ticket.pending_->owned;
  ticket.pending_->build = std::move(build);
  QueueStarted(ticket.pending_);
  return ticket;
}

void GroupCommitter::QueueStarted(std::shared_ptr<Pending> pending) {
  bool wake_writer = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(pending));
    if (!writer_.joinable()) writer_ = std::thread([this] { WriterLoop(); });
    // While a write is in progress its leader wakes the next one when it is done.
    wake_writer = !writing_;
  }
  if (wake_writer) writer_cv_.notify_one();
}

Status GroupCommitter::Wait(const Ticket& ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  ticket.pending_->ready.wait(lock, [&] { return ticket.pending_->done; });
  return ticket.pending_->status;
}

void GroupCommitter::WriterLoop() {
  pthread_setname_np(pthread_self(), "ao-group-commit");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    writer_cv_.wait(lock, [&] { return (!queue_.empty() && !writing_) || (stopping_ && queue_.empty()); });
    if (queue_.empty()) return;  // stopping, and everything started was written
    LeadWrite(lock);
  }
}

void GroupCommitter::LeadWrite(std::unique_lock<std::mutex>& lock) {
  // Leader: write everything queued so far in one synced Apply.
  writing_ = true;
  std::vector<std::shared_ptr<Pending>> group(queue_.begin(), queue_.end());
  queue_.clear();
  ++writes_;
  lock.unlock();

  // Batches started with a builder are built now; one that cannot be built fails alone.
  for (auto it = group.begin(); it != group.end();) {
    const std::shared_ptr<Pending>& p = *it;
    if (!p->build) {
      ++it;
      continue;
    }
    Result<WriteBatch> built = p->build();
    p->build = nullptr;
    if (built.ok()) {
      p->owned = std::move(built).value();
      ++it;
      continue;
    }
    p->status = built.status();
    lock.lock();
    p->done = true;
    lock.unlock();
    p->ready.notify_all();
    it = group.erase(it);
  }
  if (group.empty()) {
    lock.lock();
    writing_ = false;
    WakeNextLeader(lock);
    return;
  }

  WriteOptions synced;
  synced.sync = true;
  if (group.size() == 1) {
    group[0]->status = store_.Apply(*group[0]->batch, synced);
  } else {
    WriteBatch combined;
    for (const auto& p : group) combined.Append(*p->batch);
    Status applied = store_.Apply(combined, synced);
    for (const auto& p : group) p->status = applied;
    if (!applied.ok()) {
      // Tell the bad batch from the good ones: nothing of the combined write was applied.
      for (const auto& p : group) p->status = store_.Apply(*p->batch, synced);
    }
  }

  lock.lock();
  for (const auto& p : group) p->done = true;
  writing_ = false;
  // The callers are woken after the lock is released (woken under it, each would wake only to
  // wait for it); `group` keeps their entries alive until then.
  lock.unlock();
  for (const auto& p : group) p->ready.notify_all();
  lock.lock();
  WakeNextLeader(lock);
}

void GroupCommitter::WakeNextLeader(std::unique_lock<std::mutex>& lock) {
  if (writing_) return;  // a leader took over while the lock was released
  if (queue_.empty()) {
    if (stopping_) writer_cv_.notify_all();
    return;
  }
  std::shared_ptr<Pending> next;
  for (const auto& p : queue_) {
    if (p->caller_waits) {
      next = p;
      break;
    }
  }
  lock.unlock();
  if (next) {
    next->ready.notify_all();
  } else {
    writer_cv_.notify_one();
  }
  lock.lock();
}

size_t GroupCommitter::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

bool GroupCommitter::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writing_ || !queue_.empty();
}

uint64_t GroupCommitter::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

}  // namespace ao
