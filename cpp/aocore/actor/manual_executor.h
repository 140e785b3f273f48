// ManualExecutor: an Executor for deterministic tests. Schedule only queues; tasks run on the
// test's thread when it calls RunOne() / RunAll(), so interleavings are chosen by the test.
//
// Thread-safety: Schedule and pending are safe from any thread; RunOne/RunAll run tasks on the
// calling thread (call them from one thread at a time).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>

#include "aocore/actor/executor.h"

namespace ao {

class ManualExecutor final : public Executor {
 public:
  ManualExecutor() = default;
  ManualExecutor(const ManualExecutor&) = delete;
  ManualExecutor& operator=(const ManualExecutor&) = delete;

  Status Schedule(Task task) override;

  // Runs the oldest queued task; false when none was queued.
  bool RunOne();
  // Runs tasks (including ones queued meanwhile) until none is left; returns how many ran.
  size_t RunAll();
  size_t pending() const;
  // Later Schedule calls return Unavailable (queued tasks can still be run).
  void Stop();

 private:
  mutable std::mutex mu_;  // leaf lock
  std::deque<Task> queue_;
  bool stopped_ = false;
};

}  // namespace ao
