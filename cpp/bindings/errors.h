// The Python exception hierarchy of aocore (docs/python-api.md, "Errors") and the one place where a core
// Status becomes a Python exception. Classes are created once at import and live in the module;
// raising looks them up there (no static py::object).
//
//   Error(Exception) .status .details
//     ResolveError(Error) .value .process .slot .phase .device .key
//                                           NotFoundError(ResolveError, KeyError)
//                                           DeviceError(ResolveError)
//     InvalidMessageError(Error, ValueError)
//     StoreError(Error, OSError)
//     TimeoutError(Error, builtins.TimeoutError)
//     ClosedError(Error)
//
// Thread-safety: call with the GIL held.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include "aocore/common/result.h"

namespace ao::py_bindings {

namespace py = pybind11;

void InitErrors(py::module_& m);

// Raises the Python exception matching `status` (REQUIRES: !status.ok()).
[[noreturn]] void ThrowStatus(const Status& status);

// Raises ResolveError for a resolution that ended with a non-ok status: NotFoundError for
// {error, not_found}, DeviceError for a device that failed ({error: "device_call", ...}).
// `value` becomes the exception's .value (and .details). The message says in words what failed
// and why (aocore._errors.describe; `message` is the value's own text, `path` the request path
// when known) and the details are attributes: .process, .slot, .phase, .device, .key (None
// when the error does not say). A Python device's own exception is the __cause__.
[[noreturn]] void ThrowResolveFailure(const std::string& status, const std::string& message,
                                      py::object value, const std::string& path = "");

// Raises the exception for a Status returned by a resolution: like ThrowStatus, except that a
// device failure (Internal) is a DeviceError.
[[noreturn]] void ThrowResolveStatus(const Status& status);

// Raises InvalidMessageError with `message`.
[[noreturn]] void ThrowInvalidMessage(const std::string& message);

template <typename T>
T Unwrap(Result<T> result) {
  if (!result.ok()) ThrowStatus(result.status());
  return std::move(result).value();
}
inline void Check(const Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

}  // namespace ao::py_bindings
