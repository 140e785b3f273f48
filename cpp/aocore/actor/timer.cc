#include "aocore/actor/timer.h"

#include <vector>

namespace ao {

Timer::Timer(size_t runners) : runners_(runners == 0 ? 1 : runners), thread_([this] { Loop(); }) {}

Timer::~Timer() { Stop(); }

uint64_t Timer::At(Clock::time_point due, Fn fn) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return 0;
    id = next_id_++;
    due_.emplace(due, id);
    entries_.emplace(id, std::make_pair(due, std::move(fn)));
  }
  cv_.notify_all();
  return id;
}

bool Timer::Cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  auto [lo, hi] = due_.equal_range(it->second.first);
  for (auto d = lo; d != hi; ++d) {
    if (d->second == id) {
      due_.erase(d);
      break;
    }
  }
  entries_.erase(it);
  return true;
}

void Timer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    due_.clear();
    entries_.clear();
  }
  cv_.notify_all();
  runners_.Stop();
  if (InRunner()) return;  // the joins happen in the owner's Stop (or the destructor)
  std::lock_guard stop(stop_mu_);
  if (thread_.joinable()) thread_.join();
  runners_.Join();
}

bool Timer::stopped() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void Timer::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto first = due_.begin();
    if (first->first > Clock::now()) {
      // A copy: wait_until reads its deadline again after waking, and a Cancel while the lock
      // is released may have erased the entry (a use after free, found by `make sanitize`).
      const Clock::time_point due = first->first;
      cv_.wait_until(lock, due);
      continue;
    }
    const uint64_t id = first->second;
    due_.erase(first);
    auto it = entries_.find(id);
    Fn fn = std::move(it->second.second);
    entries_.erase(it);
    lock.unlock();
    (void)runners_.Schedule(std::move(fn));  // refused only after Stop
    lock.lock();
  }
}

}  // namespace ao
