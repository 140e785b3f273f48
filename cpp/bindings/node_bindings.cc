// aocore.Node: the node bindings. Every call that may block (wallet generation, store I/O,
// resolution, waiting) releases the GIL; the class releases the GIL before its C++ destructor
// runs, because closing waits for operations that may need the GIL (Python devices).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/crypto/wallet.h"
#include "aocore/node/node.h"
#include "convert.h"
#include "errors.h"

namespace ao::py_bindings {
namespace py = pybind11;

namespace {

std::unique_ptr<Node> OpenNode(py::object store, py::object wallet, py::dict options) {
  Message option_msg;
  for (auto item : options) {
    std::string key = py::str(item.first);
    option_msg.Set(key, ValueFromPy(item.second, key));
  }
  NodeOptions parsed = Unwrap(NodeOptions::Parse(option_msg));
  if (!store.is_none()) {
    parsed.store_path = py::str(py::module_::import("os").attr("fspath")(store));
  }
  std::optional<Wallet> w;
  if (!wallet.is_none()) w.emplace(wallet.cast<const Wallet&>());
  Result<std::unique_ptr<Node>> node = [&] {
    py::gil_scoped_release release;
    return Node::Open(std::move(parsed), std::move(w));
  }();
  return Unwrap(std::move(node));
}

}  // namespace

void InitNode(py::module_& m) {
  py::classh<Node>(m, "_Node", py::release_gil_before_calling_cpp_dtor(),
                   "The native node; use aocore.Node. Safe to use from several threads.")
      .def(py::init(&OpenNode), py::arg("store"), py::arg("wallet"), py::arg("options"))
      .def("close", [](Node& n) { Check(n.Close()); }, py::call_guard<py::gil_scoped_release>(),
           "Stops the node: waits for operations in flight, then closes the store. Idempotent.")
      .def_property_readonly("closed", &Node::closed, "True once close() was called.")
      .def_property_readonly("address", &Node::address, "The node wallet's address (43-char base64url).")
      .def_property_readonly("store_path", [](const Node& n) -> py::object {
        if (n.options().store_path.empty()) return py::none();
        return py::str(n.options().store_path);
      })
      .def(
          "write",
          [](Node& n, py::object message) {
            Message msg = MessageFromPy(message);
            Result<std::string> id = [&] {
              py::gil_scoped_release release;
              return n.Write(msg);
            }();
            return Unwrap(std::move(id));
          },
          py::arg("message"), "Stores `message` in the content cache; returns its ID.")
      .def(
          "read",
          [](Node& n, const std::string& path) {
            Result<Value> value = [&] {
              py::gil_scoped_release release;
              return n.Read(path);
            }();
            return ValueToPy(Unwrap(std::move(value)));
          },
          py::arg("id"), "Reads a stored message by ID (or a path into one, '<id>/a/b'). NotFoundError if absent.");
}

}  // namespace ao::py_bindings
