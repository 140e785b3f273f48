// Module functions over messages: key normalisation, IDs and HashPaths.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/message/hashpath.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "convert.h"
#include "errors.h"

namespace ao::py_bindings {
namespace py = pybind11;

// A request given as a path string becomes {path: request}, as in resolve.
Message RequestFromPy(py::handle request) {
  if (py::isinstance<py::str>(request)) {
    Message m;
    m.Set("path", ValueFromPy(request, "path"));
    return m;
  }
  return MessageFromPy(request, "request");
}

void InitMessage(py::module_& m) {
  m.def("message", [](py::object obj) { return MessageToPy(MessageFromPy(obj)); }, py::arg("message"),
        "Converts `message` to the message model and back: normalised keys, values as aocore sees them.\n"
        "Raises InvalidMessageError naming the key for unsupported values.");
  m.def(
      "id",
      [](py::object message, const std::string& mode) {
        Message msg = MessageFromPy(message);
        IdMode id_mode = Unwrap(ParseIdMode(mode));
        Result<std::string> id = [&] {
          py::gil_scoped_release release;
          return MessageId(msg, id_mode);
        }();
        return Unwrap(std::move(id));
      },
      py::arg("message"), py::arg("mode") = "uncommitted",
      "The message's ID: 43-char base64url, byte-compatible with the reference.\n\n"
      "mode 'none': the content ID ignoring commitments; 'all': over the signers' commitments\n"
      "(the process-ID rule); 'uncommitted' (default): what resolving key 'id' returns. For an\n"
      "unsigned message all three are equal. Raises InvalidMessageError for messages the\n"
      "reference cannot encode.");
  m.def(
      "hashpath",
      [](py::object base, py::object request) {
        Message b = MessageFromPy(base, "base");
        Message r = RequestFromPy(request);
        Result<std::string> hp = [&] {
          py::gil_scoped_release release;
          return NextHashpath(b, r);
        }();
        return Unwrap(std::move(hp));
      },
      py::arg("base"), py::arg("request"),
      "The HashPath a resolution of `request` (a dict, or a path str) on `base` gets:\n"
      "'<base HashPath or ID>/<request ref>', folded with the base's `hashpath-alg`\n"
      "('sha-256-chain' default, or 'accumulate-256').");
  m.def(
      "verify_hashpath",
      [](py::list chain) {
        std::vector<Message> messages;
        for (py::handle item : chain) messages.push_back(MessageFromPy(item));
        return Unwrap(VerifyHashpath(messages));
      },
      py::arg("chain"), "True when hashpath(M[i], M[i+1]) == HashPath(M[i+2]) along `chain` (at least 3 messages).");
}

}  // namespace ao::py_bindings
