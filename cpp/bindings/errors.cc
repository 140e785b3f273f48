#include "errors.h"

#include "py_device.h"

namespace ao::py_bindings {
namespace {

// Borrowed from the module's dict, which keeps them alive for the life of the interpreter.
struct Classes {
  PyObject* error = nullptr;
  PyObject* resolve = nullptr;
  PyObject* not_found = nullptr;
  PyObject* device = nullptr;
  PyObject* invalid_message = nullptr;
  PyObject* store = nullptr;
  PyObject* timeout = nullptr;
  PyObject* closed = nullptr;
};
Classes g_classes;

PyObject* NewClass(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  std::string qualified = std::string("aocore.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  Py_DECREF(cls);  // the module holds the reference now
  return cls;
}

[[noreturn]] void Raise(PyObject* cls, const std::string& message, const std::string& status,
                        py::object details, py::object value) {
  py::object exc = py::reinterpret_borrow<py::object>(cls)(message);
  exc.attr("status") = status;
  exc.attr("details") = details;
  if (!value.is_none() || PyObject_IsSubclass(cls, g_classes.resolve) == 1) exc.attr("value") = value;
  PyErr_SetObject(cls, exc.ptr());
  throw py::error_already_set();
}

}  // namespace

void InitErrors(py::module_& m) {
  py::object builtins = py::module_::import("builtins");
  auto b = [&](const char* n) { return builtins.attr(n); };
  auto t = [](auto... xs) { return py::make_tuple(xs...); };
  g_classes.error = NewClass(m, "Error", "Base class of every aocore error (.status, .details).",
                             t(b("Exception")));
  py::object error = py::reinterpret_borrow<py::object>(g_classes.error);
  g_classes.resolve = NewClass(m, "ResolveError",
                               "A resolution ended with a non-ok status (.status, .value).", t(error));
  py::object resolve = py::reinterpret_borrow<py::object>(g_classes.resolve);
  g_classes.not_found = NewClass(m, "NotFoundError", "A key, message or process was not found.",
                                 t(resolve, b("KeyError")));
  g_classes.device = NewClass(m, "DeviceError", "A device failed or raised.", t(resolve));
  g_classes.invalid_message = NewClass(m, "InvalidMessageError",
                                       "A message or value is malformed or of an unsupported type.",
                                       t(error, b("ValueError")));
  g_classes.store = NewClass(m, "StoreError", "The store failed, is corrupt or is in use.",
                             t(error, b("OSError")));
  g_classes.timeout = NewClass(m, "TimeoutError", "A wait passed its deadline.",
                               t(error, b("TimeoutError")));
  g_classes.closed = NewClass(m, "ClosedError", "The node (or another owner) was closed.", t(error));
  // Every error has the detail attributes (None unless the error says): aocore._errors.ATTRIBUTES.
  for (const char* attr : {"process", "slot", "phase", "device", "key"}) error.attr(attr) = py::none();
}

void ThrowStatus(const Status& status) {
  PyObject* cls = g_classes.error;
  if (status.IsNotFound()) cls = g_classes.not_found;
  else if (status.IsInvalidArgument()) cls = g_classes.invalid_message;
  else if (status.IsIOError() || status.IsCorruption()) cls = g_classes.store;
  else if (status.IsDeadlineExceeded()) cls = g_classes.timeout;
  else if (status.IsClosed()) cls = g_classes.closed;
  Raise(cls, status.message(), std::string(status.CodeName()), py::none(), py::none());
}

void ThrowResolveStatus(const Status& status) {
  if (status.IsInternal()) {
    Raise(g_classes.device, status.message(), std::string(status.CodeName()), py::none(), py::none());
  }
  ThrowStatus(status);
}

void ThrowResolveFailure(const std::string& status, const std::string& message, py::object value,
                         const std::string& path) {
  PyObject* cls = g_classes.resolve;
  bool device_failure = false;
  py::object cause = py::none();
  if (!value.is_none() && py::isinstance<py::dict>(value)) {
    py::dict d = value;
    device_failure = d.contains("error") && py::str(d["error"]).cast<std::string>() == "device_call";
    if (device_failure && d.contains("traceback")) cause = PyDevice::RaisedException(py::str(d["traceback"]));
  }
  if (status == "not_found" || message == "not_found") cls = g_classes.not_found;
  else if (device_failure) cls = g_classes.device;
  // The words and attributes come from aocore._errors (Python reads better there); the raw value
  // stays as .value / .details.
  py::tuple described = py::module_::import("aocore._errors").attr("describe")(status, value, message, path);
  py::object exc = py::reinterpret_borrow<py::object>(cls)(described[0]);
  exc.attr("status") = status;
  exc.attr("details") = value;
  exc.attr("value") = value;
  for (auto item : py::reinterpret_borrow<py::dict>(described[1])) exc.attr(item.first) = item.second;
  if (!cause.is_none()) PyException_SetCause(exc.ptr(), cause.release().ptr());  // steals the reference
  PyErr_SetObject(cls, exc.ptr());
  throw py::error_already_set();
}

void ThrowInvalidMessage(const std::string& message) {
  Raise(g_classes.invalid_message, message, "InvalidArgument", py::none(), py::none());
}

}  // namespace ao::py_bindings
