// The node over HTTP: node.resolve_path (the path-request parser the server uses) and
// node._serve (bound into _Node by InitNode through BindHttpMethods), aocore._core._HttpServer
// (a running server with stop()/url/port, a context manager), and the JSON codec of docs/http.md (aocore._core.json_encode / json_decode). Every call that may
// block (resolving, binding, stopping and joining the server threads) releases the GIL; the
// server threads run without it (Python devices take it themselves).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/http/json_codec.h"
#include "aocore/http/server.h"
#include "aocore/node/node.h"
#include "aocore/node/path_request.h"
#include "convert.h"
#include "errors.h"
#include "node_class.h"
#include "resolve_common.h"

namespace ao::py_bindings {
namespace py = pybind11;

namespace {

py::object ResolvePathPy(Node& node, const std::string& path, py::kwargs params) {
  Message request;
  for (auto item : params) {
    std::string key = py::str(item.first);
    request.Set(key, ValueFromPy(item.second, key));
  }
  Result<ResolveResult> result = [&] {
    py::gil_scoped_release release;
    return ResolvePath(node, path, request, node.DefaultResolveOptions());
  }();
  if (!result.ok()) ThrowResolveStatus(result.status());
  const ResolveResult& r = *result;
  if (!r.ok()) ThrowResolveFailure(r.status, DescribeResult(r), ValueToPy(r.value), path);
  return ValueToPy(r.value);
}

std::unique_ptr<HttpServer> ServePy(Node& node, const std::string& host, int port, py::kwargs limits) {
  HttpServerOptions options;
  options.host = host;
  options.port = port;
  for (auto item : limits) {
    std::string key = py::str(item.first);
    if (key == "max_body_bytes") {
      options.max_body_bytes = item.second.cast<size_t>();
    } else if (key == "read_timeout_ms") {
      options.read_timeout_ms = item.second.cast<int64_t>();
    } else if (key == "write_timeout_ms") {
      options.write_timeout_ms = item.second.cast<int64_t>();
    } else if (key == "keep_alive_timeout_ms") {
      options.keep_alive_timeout_ms = item.second.cast<int64_t>();
    } else if (key == "keep_alive_max_count") {
      options.keep_alive_max_count = item.second.cast<int>();
    } else if (key == "threads") {
      options.threads = item.second.cast<int>();
    } else if (key == "max_queued") {
      options.max_queued = item.second.cast<int>();
    } else if (key == "max_connections") {
      options.max_connections = item.second.cast<int>();
    } else {
      ThrowStatus(Status::InvalidArgument("unknown server option '" + key + "'"));
    }
  }
  Result<std::unique_ptr<HttpServer>> server = [&] {
    py::gil_scoped_release release;
    return HttpServer::Start(node, std::move(options));
  }();
  return Unwrap(std::move(server));
}

}  // namespace

void InitHttp(py::module_& m) {
  py::classh<HttpServer>(m, "_HttpServer", py::release_gil_before_calling_cpp_dtor(),
                         "A running HTTP server over a node (see Node.serve). Stop it with stop() or `with`.")
      .def("stop", &HttpServer::Stop, py::call_guard<py::gil_scoped_release>(),
           "Stops accepting, finishes the requests in flight and joins the server threads. Idempotent.")
      .def_property_readonly("running", &HttpServer::running)
      .def_property_readonly("host", &HttpServer::host)
      .def_property_readonly("port", &HttpServer::port, "The bound port (the chosen one when port=0 was asked).")
      .def_property_readonly("url", &HttpServer::url, "'http://host:port'.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__", [](HttpServer& s, py::args) { s.Stop(); }, py::call_guard<py::gil_scoped_release>())
      .def("__repr__", [](const HttpServer& s) {
        return std::string("<aocore.HttpServer ") + s.url() + (s.running() ? " running>" : " stopped>");
      });

  m.def(
      "json_encode", [](py::object value) { return EncodeJson(ValueFromPy(value, "value")); }, py::arg("value"),
      "The JSON text of a value in the HTTP server's tagged encoding (docs/http.md).");
  m.def(
      "json_decode",
      [](const std::string& text) { return ValueToPy(Unwrap(DecodeJson(text))); }, py::arg("text"),
      "The value a JSON text in the HTTP server's tagged encoding (docs/http.md) stands for.");
}

void BindHttpMethods(NodeClass& node) {
  node.def("resolve_path", &ResolvePathPy, py::arg("path"),
           "Resolves a path request as the HTTP server takes it: '/<id>/compute?slot=3',\n"
           "'/~meta@1.0/info', ... The first segment is a stored message or process ID (or\n"
           "~name@version for a bare device), each further segment a key; query parameters and\n"
           "**params are request keys; ~name@version after a key swaps its device. Returns the value\n"
           "of the ok result; raises like resolve (NotFoundError for an unknown ID).");
  node.def("_serve", &ServePy, py::arg("host"), py::arg("port"), py::keep_alive<0, 1>(),
           "Starts an HTTP server over this node (use Node.serve).");
}

}  // namespace ao::py_bindings
