// Executor: runs tasks somewhere else, the seam between the actor layer and threads
// (STYLE.md rule 22). ThreadPoolExecutor runs them on a fixed pool; ManualExecutor runs them
// only when a test says so.
//
// Thread-safety: Schedule is safe from any thread, including from inside a running task.
#pragma once

#include <functional>

#include "aocore/common/status.h"

namespace ao {

class Executor {
 public:
  using Task = std::function<void()>;
  virtual ~Executor() = default;

  // Queues `task` to run once. OK when accepted; Unavailable once the executor stopped
  // accepting work (the task is then dropped without running). A task must not throw: what
  // escapes it is caught and logged by the executor.
  virtual Status Schedule(Task task) = 0;
};

}  // namespace ao
