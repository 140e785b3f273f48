// Conversion between Python objects and message values (docs/python-api.md, "Values"):
//   str, bytes (also bytearray/memoryview) -> binary; a binary comes back as str when it is
//   valid UTF-8, else bytes. int (64-bit) -> integer; float -> float; bool/None -> the atoms
//   true/false/null; aocore.Atom -> any other atom; list -> list; dict -> nested message.
// Keys must be str. Top-level keys are normalised (lower-case unless ID-shaped; when two keys
// collapse to one, the key that sorts last in original spelling wins), as the reference does at
// every resolution step; nested keys keep their spelling, which the ID encoding depends on.
// Anything else raises aocore.InvalidMessageError naming the key path and the type.
// Everything is copied (no Python object is referenced by the result and vice versa), except
// large binaries handed to Python devices: with ToPy::share_large_binaries, a binary of
// kSharedBinaryMin bytes or more becomes a read-only memoryview over the core's own buffer
// (aocore.SharedBinary, which holds a reference to it: the view stays valid however long
// Python keeps it; writing to it raises TypeError), and such a view given back (unchanged, as
// the device found it) is the same buffer again, without a copy either way.
//
// Thread-safety: call with the GIL held.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>

#include <pybind11/pybind11.h>

#include "aocore/message/message.h"

namespace ao::py_bindings {

namespace py = pybind11;

// Converts a dict to a Message; raises InvalidMessageError. `what` names the argument in errors.
Message MessageFromPy(py::handle obj, const char* what = "message");

// Binaries of this size or more are shared with a Python device rather than copied (a
// WebAssembly memory, a large payload): below it a str/bytes copy is cheaper than the view.
inline constexpr size_t kSharedBinaryMin = 64 * 1024;

// The str/bytes objects made from shared binaries (longer than Value::kInlineBinaryMax) during
// one device call, each with the Value it came from. A Python device that hands such an object
// back (str and bytes are immutable, so the same object has the same bytes) gets that Value
// again, sharing the core's buffer: a state the device passes through keeps its binaries
// without a copy, and the process cache sees them unchanged. The objects are referenced while
// the memo lives, so no other object can take one's address meanwhile.
// Thread-safety: one call's; use with the GIL held.
class HandedOut {
 public:
  void Note(py::handle obj, const Value& value) {
    map_.emplace(obj.ptr(), std::make_pair(py::reinterpret_borrow<py::object>(obj), value));
  }
  const Value* Find(py::handle obj) const {
    auto it = map_.find(obj.ptr());
    return it == map_.end() ? nullptr : &it->second.second;
  }

 private:
  std::unordered_map<PyObject*, std::pair<py::object, Value>> map_;
};

struct ToPy {
  bool share_large_binaries = false;  // see above; for the arguments of Python devices
  HandedOut* memo = nullptr;          // notes the str/bytes made from shared binaries
};

// `memo`: str/bytes a device was handed come back as the Value they were made from.
Value ValueFromPy(py::handle obj, const std::string& key_path, const HandedOut* memo = nullptr);

py::object ValueToPy(const Value& value, const ToPy& how = {});

// A file-system path argument, as the OS takes it: str, bytes or os.PathLike (os.fsencode, so
// undecodable names round-trip). Anything else, an empty path or a NUL byte raises
// InvalidMessageError naming `what`, before anything touches the file system.
std::string PathFromPy(py::handle path, const char* what);
// The str form of a path PathFromPy returned (os.fsdecode).
py::str PathToPy(const std::string& path);
py::dict MessageToPy(const Message& message, const ToPy& how = {});

// Registers aocore.Atom and aocore.SharedBinary.
void InitConvert(py::module_& m);

}  // namespace ao::py_bindings
