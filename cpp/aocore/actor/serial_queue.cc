#include "aocore/actor/serial_queue.h"

#include <exception>
#include <string>

#include "aocore/common/logging.h"

namespace ao {
namespace {
thread_local const SerialQueue* t_current = nullptr;
}  // namespace

std::shared_ptr<SerialQueue> SerialQueue::Create(Executor& executor, ErrorHandler on_error) {
  return std::shared_ptr<SerialQueue>(new SerialQueue(executor, std::move(on_error)));
}

SerialQueue::SerialQueue(Executor& executor, ErrorHandler on_error)
    : executor_(executor), on_error_(std::move(on_error)) {}

Status SerialQueue::Schedule(Task task) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Unavailable("the serial queue is closed");
    queue_.push_back(std::move(task));
    if (running_) return Status::OK();
    running_ = true;
  }
  Status s = executor_.Schedule([self = shared_from_this()] { self->Drain(); });
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    // Not running => only our task was queued.
    queue_.clear();
    running_ = false;
  }
  return s;
}

void SerialQueue::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

size_t SerialQueue::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

bool SerialQueue::InQueue() const { return t_current == this; }

void SerialQueue::RunTask(Task& task) {
  const SerialQueue* previous = t_current;
  t_current = this;
  Status failure;
  try {
    task();
  } catch (const std::exception& e) {
    failure = Status::Internal(std::string("a serial-queue task threw: ") + e.what());
  } catch (...) {
    failure = Status::Internal("a serial-queue task threw a non-standard exception");
  }
  t_current = previous;
  if (!failure.ok()) {
    if (on_error_) {
      on_error_(failure);
    } else {
      Logger("actor")->error("serial_task_failed status={}", failure.ToString());
    }
  }
}

void SerialQueue::Drain() {
  while (true) {
    for (int i = 0; i < kBatch; ++i) {
      Task task;
      {
        std::lock_guard lock(mu_);
        if (queue_.empty()) {
          running_ = false;
          return;
        }
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      RunTask(task);
    }
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        running_ = false;
        return;
      }
    }
    // Yield the thread to other strands; if the executor refuses (stopping), keep draining here.
    if (executor_.Schedule([self = shared_from_this()] { self->Drain(); }).ok()) return;
  }
}

}  // namespace ao
