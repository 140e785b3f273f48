#include "aocore/devices/assignment_hooks.h"

#include <utility>

#include "aocore/message/id.h"

namespace ao {

AssignmentHooks::Registration::~Registration() {
  if (hooks_ != nullptr) hooks_->Unregister(message_id_);
}

AssignmentHooks::Registration AssignmentHooks::Register(std::string message_id, AssignmentBatchHook hook) {
  std::lock_guard lock(mu_);
  hooks_[message_id] = std::move(hook);
  size_.store(hooks_.size(), std::memory_order_release);
  return Registration(this, std::move(message_id));
}

void AssignmentHooks::Unregister(const std::string& message_id) {
  std::lock_guard lock(mu_);
  hooks_.erase(message_id);
  size_.store(hooks_.size(), std::memory_order_release);
}

AssignmentBatchHook AssignmentHooks::Find(const Message& message) const {
  if (size_.load(std::memory_order_acquire) == 0) return {};
  Result<std::string> id = MessageId(message, IdMode::kAll);
  if (!id.ok()) return {};
  std::lock_guard lock(mu_);
  auto it = hooks_.find(*id);
  return it == hooks_.end() ? AssignmentBatchHook() : it->second;
}

}  // namespace ao
