// SerialQueue: a strand over an Executor (STYLE.md rules 20 and 23; folly SerialExecutor).
// Tasks run in the order they were queued, never two at once, on the executor's threads.
//
// Keep-alive: the queue is held by shared_ptr and every scheduled drain holds one, so the
// owner may drop its reference at any time and the queued tasks still run. A task that throws
// does not stop the queue: the exception becomes Status::Internal and goes to the error
// handler (default: logged to the "actor" logger).
//
// Implementation: a leaf-locked deque plus a `running` flag; the producer that finds the queue
// idle schedules one drain; the drain runs up to a small batch of tasks, then re-schedules
// itself (so strands share the pool fairly) or, if the executor refuses, keeps draining on its
// current thread. Invariant: not running => the deque is empty.
//
// Thread-safety: Schedule, Close, pending and InQueue are safe from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "aocore/actor/executor.h"
#include "aocore/common/status.h"

namespace ao {

class SerialQueue : public std::enable_shared_from_this<SerialQueue> {
 public:
  using Task = std::function<void()>;
  using ErrorHandler = std::function<void(const Status&)>;

  // REQUIRES: `executor` outlives every task queued here (stop and join it after the queues).
  static std::shared_ptr<SerialQueue> Create(Executor& executor, ErrorHandler on_error = nullptr);

  SerialQueue(const SerialQueue&) = delete;
  SerialQueue& operator=(const SerialQueue&) = delete;

  // Queues `task`. OK, or Unavailable when the queue is closed or the executor refused the
  // drain (the task is then dropped without running).
  Status Schedule(Task task);
  // Later Schedule calls return Unavailable; tasks already queued still run. Idempotent.
  void Close();

  size_t pending() const;
  // Whether the calling thread is running one of this queue's tasks right now.
  bool InQueue() const;

  // Tasks one drain runs before it re-schedules itself.
  static constexpr int kBatch = 16;

 private:
  SerialQueue(Executor& executor, ErrorHandler on_error);
  void Drain();
  void RunTask(Task& task);

  Executor& executor_;
  const ErrorHandler on_error_;
  mutable std::mutex mu_;  // leaf lock: guards the fields below
  std::deque<Task> queue_;
  bool running_ = false;
  bool closed_ = false;
};

}  // namespace ao
