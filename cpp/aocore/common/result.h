// Result<T>: either a value of type T or a non-OK Status (C++20 has no std::expected).
// AO_ASSIGN_OR_RETURN / AO_RETURN_IF_ERROR propagate errors without exceptions.
//
// Thread-safety: a Result is a plain value; external synchronization is needed to share one
// mutable Result between threads.
#pragma once

#include <cassert>
#include <optional>
#include <utility>
#include <variant>

#include "aocore/common/status.h"

namespace ao {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value and from an error status, so `return value;` and `return status;`
  // both work in functions returning Result<T>.
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Status::Internal("Result constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ao

#define AO_CONCAT_INNER_(a, b) a##b
#define AO_CONCAT_(a, b) AO_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Status); returns it from the enclosing function when it is not OK.
#define AO_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::ao::Status ao_status_ = (expr);            \
    if (!ao_status_.ok()) return ao_status_;     \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its status, else moves the value into `lhs`
// (which may be a declaration such as `auto x`).
#define AO_ASSIGN_OR_RETURN(lhs, rexpr) \
  AO_ASSIGN_OR_RETURN_IMPL_(AO_CONCAT_(ao_result_, __LINE__), lhs, rexpr)
#define AO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
