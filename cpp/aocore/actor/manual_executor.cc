#include "aocore/actor/manual_executor.h"

#include <exception>

#include "aocore/common/logging.h"

namespace ao {

Status ManualExecutor::Schedule(Task task) {
  std::lock_guard lock(mu_);
  if (stopped_) return Status::Unavailable("the manual executor is stopped");
  queue_.push_back(std::move(task));
  return Status::OK();
}

bool ManualExecutor::RunOne() {
  Task task;
  {
    std::lock_guard lock(mu_);
    if (queue_.empty()) return false;
    task = std::move(queue_.front());
    queue_.pop_front();
  }
  try {
    task();
  } catch (const std::exception& e) {
    Logger("actor")->error("manual_task_threw what={}", e.what());
  } catch (...) {
    Logger("actor")->error("manual_task_threw what=<unknown>");
  }
  return true;
}

size_t ManualExecutor::RunAll() {
  size_t n = 0;
  while (RunOne()) ++n;
  return n;
}

size_t ManualExecutor::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void ManualExecutor::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
}

}  // namespace ao
