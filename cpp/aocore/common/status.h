// Status: the outcome of a fallible core operation. An OK status carries nothing (a null
// pointer), so success costs no allocation; an error carries a code and a message. Codes are
// private: callers ask with predicates (IsNotFound(), ...) and never switch on raw numbers.
//
// Thread-safety: a Status is an immutable value; copies may be used from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace ao {

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  // The component (worker, scheduler) is stopped or cannot take work now.
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status DeadlineExceeded(std::string_view msg) { return Status(Code::kDeadlineExceeded, msg); }
  // A sticky failure: state became uncertain and the component refuses further work.
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  // The owning object (node, store) was closed.
  static Status Closed(std::string_view msg) { return Status(Code::kClosed, msg); }
  // The operation is valid but would conflict with existing state (e.g. a second writer).
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  // A message whose signature (a commitment) does not verify: an InvalidArgument that callers
  // can tell apart by IsInvalidSignature() instead of by its text (the reason survives
  // WithContext).
  static Status InvalidSignature(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg, Reason::kInvalidSignature);
  }

  bool ok() const { return state_ == nullptr; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }
  bool IsDeadlineExceeded() const { return code() == Code::kDeadlineExceeded; }
  bool IsAborted() const { return code() == Code::kAborted; }
  bool IsInternal() const { return code() == Code::kInternal; }
  bool IsClosed() const { return code() == Code::kClosed; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  // Also IsInvalidArgument().
  bool IsInvalidSignature() const { return state_ && state_->reason == Reason::kInvalidSignature; }

  // The message without the code prefix ("" for OK).
  const std::string& message() const;
  // The code's name, e.g. "NotFound" ("OK" for OK).
  std::string_view CodeName() const;
  // "OK", or "<CodeName>: <message>".
  std::string ToString() const;

  // A copy of this status whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  enum class Code {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kCorruption,
    kIOError,
    kUnavailable,
    kDeadlineExceeded,
    kAborted,
    kInternal,
    kClosed,
    kAlreadyExists,
  };
  // A finer reason within a code, for the few errors a caller must single out.
  enum class Reason { kNone = 0, kInvalidSignature };
  struct State {
    Code code;
    std::string message;
    Reason reason = Reason::kNone;
  };

  Status(Code code, std::string_view msg, Reason reason = Reason::kNone)
      : state_(std::make_shared<const State>(State{code, std::string(msg), reason})) {}
  Code code() const { return state_ ? state_->code : Code::kOk; }

  std::shared_ptr<const State> state_;
};

}  // namespace ao
