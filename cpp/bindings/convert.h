// Conversion between Python objects and message values (docs/python-api.md, "Values"):
//   str, bytes (also bytearray/memoryview) -> binary; a binary comes back as str when it is
//   valid UTF-8, else bytes. int (64-bit) -> integer; float -> float; bool/None -> the atoms
//   true/false/null; aocore.Atom -> any other atom; list -> list; dict -> nested message.
// Keys must be str. Top-level keys are normalised (lower-case unless ID-shaped; when two keys
// collapse to one, the key that sorts last in original spelling wins), as the reference does at
// every resolution step; nested keys keep their spelling, which the ID encoding depends on.
// Anything else raises aocore.InvalidMessageError naming the key path and the type.
// Everything is copied: no Python object is referenced by the result and vice versa.
//
// Thread-safety: call with the GIL held.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include "aocore/message/message.h"

namespace ao::py_bindings {

namespace py = pybind11;

// Converts a dict to a Message; raises InvalidMessageError. `what` names the argument in errors.
Message MessageFromPy(py::handle obj, const char* what = "message");
Value ValueFromPy(py::handle obj, const std::string& key_path);

py::object ValueToPy(const Value& value);

// A file-system path argument, as the OS takes it: str, bytes or os.PathLike (os.fsencode, so
// undecodable names round-trip). Anything else, an empty path or a NUL byte raises
// InvalidMessageError naming `what`, before anything touches the file system.
std::string PathFromPy(py::handle path, const char* what);
// The str form of a path PathFromPy returned (os.fsdecode).
py::str PathToPy(const std::string& path);
py::dict MessageToPy(const Message& message);

// Registers aocore.Atom.
void InitConvert(py::module_& m);

}  // namespace ao::py_bindings
