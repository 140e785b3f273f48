// ThreadPoolExecutor: a fixed pool of threads running queued tasks in FIFO order (the node's
// one pool, ARCHITECTURE.md "Concurrency").
//
// Shutdown is graceful: Stop() refuses new tasks, the threads still run every task already
// queued, and Join() waits for them to exit. The destructor does both.
//
// Thread-safety: Schedule, Stop and pending are safe from any thread; Join must not be called
// from a pool thread (it would wait for itself; it returns at once there instead).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "aocore/actor/executor.h"

namespace ao {

class ThreadPoolExecutor final : public Executor {
 public:
  // `threads` == 0: std::thread::hardware_concurrency() (at least 1).
  explicit ThreadPoolExecutor(size_t threads);
  ~ThreadPoolExecutor() override;
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  Status Schedule(Task task) override;

  // Refuses new tasks; queued tasks still run. Idempotent.
  void Stop();
  // Waits until every thread exited (after Stop). Idempotent.
  void Join();

  size_t threads() const { return threads_.size(); }
  size_t pending() const;
  // Whether the calling thread is one of this pool's threads.
  bool InPool() const;

 private:
  void Loop();

  std::vector<std::thread> threads_;
  mutable std::mutex mu_;  // leaf lock: guards the fields below
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::mutex join_mu_;  // serialises Join
};

}  // namespace ao
