#include "aocore/actor/thread_pool_executor.h"

#include <algorithm>
#include <exception>

#include "aocore/common/logging.h"

namespace ao {
namespace {
thread_local const ThreadPoolExecutor* t_pool = nullptr;
}  // namespace

ThreadPoolExecutor::ThreadPoolExecutor(size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  Stop();
  Join();
}

Status ThreadPoolExecutor::Schedule(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Unavailable("the thread pool is stopped");
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return Status::OK();
}

void ThreadPoolExecutor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

void ThreadPoolExecutor::Join() {
  if (InPool()) return;
  std::lock_guard join_lock(join_mu_);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

size_t ThreadPoolExecutor::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

bool ThreadPoolExecutor::InPool() const { return t_pool == this; }

void ThreadPoolExecutor::Loop() {
  t_pool = this;
  while (true) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      Logger("actor")->error("pool_task_threw what={}", e.what());
    } catch (...) {
      Logger("actor")->error("pool_task_threw what=<unknown>");
    }
  }
}

}  // namespace ao
