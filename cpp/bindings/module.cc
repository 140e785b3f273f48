// PYBIND11_MODULE(_core): the aocore extension. Each init function binds one concept and its
// classes; every class is bound by exactly one of them (_Node by InitNode, which takes the methods
// of other files through node_class.h), so no init adds to another's classes.
#include <pybind11/pybind11.h>

#include "convert.h"
#include "errors.h"

namespace ao::py_bindings {
void InitAns104(pybind11::module_& m);
void InitEngine(pybind11::module_& m);
void InitHttp(pybind11::module_& m);
void InitLogging(pybind11::module_& m);
void InitMessage(pybind11::module_& m);
void InitMessaging(pybind11::module_& m);
void InitNode(pybind11::module_& m);
void InitWallet(pybind11::module_& m);
void InitWasm(pybind11::module_& m);
}  // namespace ao::py_bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "aocore native core: AO-Core messages, devices, processes and schedulers in C++.";
  m.attr("__version__") = AOCORE_VERSION;
  // Sentinel for "no default given" in Node.get.
  m.attr("_MISSING") = pybind11::module_::import("builtins").attr("object")();
  ao::py_bindings::InitErrors(m);
  ao::py_bindings::InitConvert(m);
  ao::py_bindings::InitLogging(m);
  ao::py_bindings::InitMessage(m);
  ao::py_bindings::InitWallet(m);
  ao::py_bindings::InitAns104(m);  // aocore.ans104
  ao::py_bindings::InitEngine(m);
  ao::py_bindings::InitHttp(m);
  ao::py_bindings::InitMessaging(m);
  // After the classes its methods return (_Monitor, _HttpServer), so their docstrings name them.
  ao::py_bindings::InitNode(m);
  ao::py_bindings::InitWasm(m);
}
