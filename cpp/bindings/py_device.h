// PyDevice: a device implemented by a Python object (docs/python-api.md, "Python devices"). Key `my-key`
// calls method `my_key` (the module-device key mapping); a method takes (self), (self, base),
// (self, base, request) or (self, base, request, opts) and is called with as many arguments as
// it accepts. It returns a value (status ok) or a tuple (status, value). An optional info()
// returns a dict with `exports`, `excludes`, `default` (a method name) or `handler` (a method
// name taking the key first). A Python exception inside a device becomes an `error` result
// {error: "device_call", type, message, traceback}: it never escapes onto a C++ thread.
// An execution device needs only `compute`: an object with `compute` and without `init` answers
// `init` with the base unchanged (the process definition is the initial state), and without
// `snapshot` answers it with an empty map (the stored state itself is the restore point).
//
// The object's methods and arities are read once at registration, so HasKey needs no GIL.
// Call takes the GIL only for the duration of the Python call (and the conversions around it).
//
// Thread-safety: safe for concurrent use from any thread; the GIL serialises the Python parts.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <pybind11/pybind11.h>

#include "aocore/ao/device.h"

namespace ao::py_bindings {

namespace py = pybind11;

class PyDevice final : public Device {
 public:
  // REQUIRES: the GIL is held. Raises (Python) on a malformed info().
  static std::shared_ptr<PyDevice> Create(std::string name, py::object object);
  ~PyDevice() override;

  std::string_view name() const override { return name_; }
  Result<std::shared_ptr<const DeviceInfo>> Info(const Message& base, const ResolveOptions& opts) const override;
  bool HasKey(std::string_view key) const override;
  Result<ResolveResult> Call(const DeviceCall& call) const override;

  // The Python object (borrowed; REQUIRES the GIL to use it).
  py::handle object() const { return object_; }

  // The exception a Python device raised whose error result carries `traceback` (the formatted
  // traceback), for chaining as the __cause__ of the error the caller gets; None when it is no
  // longer kept (the last 32 are, across devices and threads, with their frames' locals
  // cleared). REQUIRES: the GIL is held.
  static py::object RaisedException(const std::string& traceback);

 private:
  struct Method {
    PyObject* fn;  // owned reference to the bound method
    int arity;     // positional parameters, self excluded; -1: *args
  };
  PyDevice(std::string name, py::object object) : name_(std::move(name)), object_(object.release().ptr()) {}
  Result<ResolveResult> Invoke(const Method& method, const DeviceCall& call, bool with_key) const;

  const std::string name_;
  PyObject* object_;  // owned reference; released under the GIL
  std::map<std::string, Method, std::less<>> methods_;
  std::shared_ptr<const DeviceInfo> info_ = std::make_shared<DeviceInfo>();
  std::optional<Method> handler_;
  std::optional<Method> default_;
  bool default_init_ = false;      // compute without init: init returns the base
  bool default_snapshot_ = false;  // compute without snapshot: snapshot returns {}
};

}  // namespace ao::py_bindings
