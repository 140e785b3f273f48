// Module functions over messages: normalisation and conversion checks. IDs, HashPaths and
// commitments are added here as their core layers land.
#include <pybind11/pybind11.h>

#include "aocore/message/key.h"
#include "convert.h"
#include "errors.h"

namespace ao::py_bindings {
namespace py = pybind11;

void InitMessage(py::module_& m) {
  m.def("normalize_key", [](const std::string& key) { return Unwrap(NormalizeKey(key)); }, py::arg("key"),
        "The reference's key normalisation: lower-case unless the key is ID-shaped (32, 42 or 43 bytes).");
  m.def("message", [](py::object obj) { return MessageToPy(MessageFromPy(obj)); }, py::arg("message"),
        "Converts `message` to the message model and back: normalised keys, values as aocore sees them.\n"
        "Raises InvalidMessageError naming the key for unsupported values.");
}

}  // namespace ao::py_bindings
