// AssignmentHooks: writes that a device asks to commit in the same store batch as the assignment
// of one message, keyed by the message's ID. push@1.0 registers the delivery record of an
// outbox message before it schedules the message; scheduler@1.0, built by the node with the same
// AssignmentHooks, hands the hook to the scheduler when it schedules a message with that ID, so a
// message and the record of its delivery are one atomic write (docs/devices.md#push). A message
// scheduled through any other scheduler device finds no hook: the caller then writes its record
// itself.
//
// Thread-safety: safe from any thread (one leaf mutex; a hook runs outside it).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "aocore/message/message.h"
#include "aocore/scheduler/process_scheduler.h"

namespace ao {

class AssignmentHooks {
 public:
  AssignmentHooks() = default;
  AssignmentHooks(const AssignmentHooks&) = delete;
  AssignmentHooks& operator=(const AssignmentHooks&) = delete;

  // Keeps a hook registered while it lives.
  class Registration {
   public:
    Registration(Registration&& other) noexcept : hooks_(other.hooks_), message_id_(std::move(other.message_id_)) {
      other.hooks_ = nullptr;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

   private:
    friend class AssignmentHooks;
    Registration(AssignmentHooks* hooks, std::string message_id) : hooks_(hooks), message_id_(std::move(message_id)) {}
    AssignmentHooks* hooks_;
    std::string message_id_;
  };

  // Registers `hook` for the message whose ID (MessageId, IdMode::kAll) is `message_id`, until
  // the returned Registration is destroyed. A second registration of the same ID replaces the
  // first.
  [[nodiscard]] Registration Register(std::string message_id, AssignmentBatchHook hook);

  // The hook registered for `message` (found by its ID), or an empty function. Computes the
  // ID only while some hook is registered.
  AssignmentBatchHook Find(const Message& message) const;

 private:
  void Unregister(const std::string& message_id);

  std::atomic<size_t> size_{0};  // hooks_.size(), read without the lock
  mutable std::mutex mu_;        // leaf lock: guards hooks_
  std::map<std::string, AssignmentBatchHook, std::less<>> hooks_;
};

}  // namespace ao
