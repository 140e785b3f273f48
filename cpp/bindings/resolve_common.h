// Shared by the node and engine bindings: how Python arguments of a resolution become core
// values (base, request, options) and how a non-ok result is described in an exception.
//
// Thread-safety: call with the GIL held (BaseFromPy releases it around a store read).
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include "aocore/ao/resolve_options.h"
#include "aocore/node/node.h"

namespace ao::py_bindings {

namespace py = pybind11;

// Request: a path str, a list of path segments, or a dict with a "path".
Value RequestValueFromPy(py::handle request);
// Base: a dict, a list (a numbered message), or the ID of a stored message (NotFoundError if
// absent).
Value BaseValueFromPy(Node& node, py::handle base);
// The node's default options with the caller's keyword overrides: hashpath, error_strategy,
// force_message, cache_control, on (hooks: {"step": <message>}), max_stack_passes; any other
// key is a user option, visible to devices (as in the reference).
ResolveOptions ResolveOptionsFromPy(const Node& node, py::dict kwargs);
// A one-line description of a non-ok result, for the exception message.
std::string DescribeResult(const ResolveResult& r);
// node.call / call_many: (status, value) for every status. A resolution that fails with an
// error Status (a device failure under error_strategy "throw", an unknown device, a timeout, a
// depth limit) is the ("error", {"error": <status code>, "message": text}) result; only a
// closed node raises (ClosedError), since there is no resolution to report on.
py::tuple CallTuple(Result<ResolveResult> result);
// The path of a request as the caller wrote it (a str, or a dict's str `path`); "" otherwise.
std::string PathOf(py::handle request);
// True when `obj` is the "no default given" sentinel (aocore._core._MISSING).
bool IsMissing(py::handle obj);
py::object Missing();

}  // namespace ao::py_bindings
