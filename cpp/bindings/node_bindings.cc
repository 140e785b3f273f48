// aocore.Node: the node bindings. Every call that may block (wallet generation, store I/O,
// resolution, waiting) releases the GIL; the class releases the GIL before its C++ destructor
// runs, because closing waits for operations that may need the GIL (Python devices).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/http/peer_client.h"
#include "aocore/crypto/wallet.h"
#include "aocore/node/inspect.h"
#include "aocore/node/node.h"
#include "convert.h"
#include "errors.h"
#include "py_device.h"
#include "resolve_common.h"

namespace ao::py_bindings {
namespace py = pybind11;

namespace {

// A Python callable held by C++ code that may run and be destroyed on any thread: every use
// and the final release take the GIL (no py::object outlives the interpreter unsafely).
struct GilHeld {
  py::object object;
  explicit GilHeld(py::object o) : object(std::move(o)) {}
  ~GilHeld() {
    if (!Py_IsInitialized()) {
      object.release();  // the interpreter is gone: leak rather than touch freed state
      return;
    }
    py::gil_scoped_acquire gil;
    object = py::object();
  }
};

// The remote_confirmation uploader: calls `uploader(assignment)`; a falsy return or an
// exception is a refusal, reported to the scheduler's caller as an error reply.
std::function<std::future<Status>(const Message&)> MakeUploader(py::object uploader) {
  auto held = std::make_shared<GilHeld>(std::move(uploader));
  return [held](const Message& assignment) {
    std::promise<Status> done;
    Status status;
    if (!Py_IsInitialized()) {
      status = Status::Unavailable("the Python interpreter has shut down");
    } else {
      py::gil_scoped_acquire gil;
      try {
        py::object accepted = held->object(MessageToPy(assignment));
        if (!accepted.is_none() && !PyObject_IsTrue(accepted.ptr())) {
          status = Status::Unavailable("the uploader refused the assignment");
        }
      } catch (py::error_already_set& e) {
        status = Status::Unavailable(std::string("the uploader failed: ") + e.what());
      }
    }
    done.set_value(status);
    return done.get_future();
  };
}

std::unique_ptr<Node> OpenNode(py::object store, py::object wallet, py::dict options, py::object uploader) {
  Message option_msg;
  for (auto item : options) {
    std::string key = py::str(item.first);
    option_msg.Set(key, ValueFromPy(item.second, key));
  }
  NodeOptions parsed = Unwrap(NodeOptions::Parse(option_msg));
  parsed.peer_transport = MakeHttpPeerClient();  // peers are reached over HTTP
  if (!store.is_none()) {
    parsed.store_path = py::str(py::module_::import("os").attr("fspath")(store));
  }
  std::optional<Wallet> w;
  if (!wallet.is_none()) w.emplace(wallet.cast<const Wallet&>());
  if (!uploader.is_none()) {
    if (!PyCallable_Check(uploader.ptr())) throw py::type_error("uploader must be callable");
    parsed.uploader = MakeUploader(uploader);
  }
  Result<std::unique_ptr<Node>> node = [&] {
    py::gil_scoped_release release;
    return Node::Open(std::move(parsed), std::move(w));
  }();
  return Unwrap(std::move(node));
}

Result<ResolveResult> ResolveFromPy(Node& node, py::object base, py::object request, py::dict kwargs) {
  Value b = BaseValueFromPy(node, base);
  Value r = RequestValueFromPy(request);
  ResolveOptions opts = ResolveOptionsFromPy(node, kwargs);
  py::gil_scoped_release release;
  return node.Resolve(b, r, opts);
}

ResolveResult RunResolve(Node& node, py::object base, py::object request, py::dict kwargs) {
  Result<ResolveResult> result = ResolveFromPy(node, base, request, kwargs);
  if (!result.ok()) ThrowResolveStatus(result.status());
  return std::move(result).value();
}

}  // namespace

py::tuple CallTuple(Result<ResolveResult> result) {
  if (!result.ok()) {
    if (result.status().IsClosed()) ThrowResolveStatus(result.status());
    Message error{{"error", Value(std::string(result.status().CodeName()))},
                  {"message", Value(result.status().message())}};
    return py::make_tuple(std::string(kStatusError), ValueToPy(Value(std::move(error))));
  }
  return py::make_tuple(result->status, ValueToPy(result->value));
}

Value RequestValueFromPy(py::handle request) {
  if (py::isinstance<py::str>(request) || py::isinstance<py::list>(request)) return ValueFromPy(request, "path");
  return Value(MessageFromPy(request, "request"));
}

Value BaseValueFromPy(Node& node, py::handle base) {
  if (py::isinstance<py::str>(base)) {
    std::string id = py::str(base);
    Result<Value> loaded = [&] {
      py::gil_scoped_release release;
      return node.Read(id);
    }();
    if (!loaded.ok() && loaded.status().IsNotFound()) {
      ThrowStatus(Status::NotFound("no stored message with ID '" + id + "'"));
    }
    return Unwrap(std::move(loaded));
  }
  if (py::isinstance<py::list>(base)) return ValueFromPy(base, "base");
  return Value(MessageFromPy(base, "base"));
}

ResolveOptions ResolveOptionsFromPy(const Node& node, py::dict kwargs) {
  ResolveOptions opts = node.DefaultResolveOptions();
  auto user = std::make_shared<Message>(*opts.user);
  for (auto item : kwargs) {
    std::string key = py::str(item.first);
    if (key == "hashpath") {
      opts.hashpath = Unwrap(ParseHashpathMode(std::string(py::str(item.second))));
    } else if (key == "error_strategy") {
      opts.error_strategy = py::str(item.second);
    } else if (key == "force_message") {
      opts.force_message = item.second.cast<bool>();
    } else if (key == "cache_control") {
      opts.cache_control = ValueFromPy(item.second, key);
    } else if (key == "on") {
      opts.on = item.second.is_none() ? nullptr : std::make_shared<const Message>(MessageFromPy(item.second, "on"));
    } else if (key == "max_stack_passes") {
      int64_t n = item.second.cast<int64_t>();
      if (n < 1) ThrowInvalidMessage("option 'max_stack_passes' must be >= 1");
      opts.max_stack_passes = n;
    } else {
      user->Set(key, ValueFromPy(item.second, key));
    }
  }
  opts.user = std::move(user);
  return opts;
}

std::string DescribeResult(const ResolveResult& r) {
  if (r.IsNotFound()) return "not_found";
  if (r.value.is_message()) {
    const Message& m = r.value.message();
    for (const char* key : {"message", "body", "reason"}) {
      if (const Bytes* b = m.FindBinary(key)) {
        std::string text = *b;
        if (const Bytes* type = m.FindBinary("type")) text = *type + ": " + text;
        return text;
      }
    }
  }
  if (r.value.is_binary()) return r.value.binary();
  return r.status + ": " + r.value.DebugString();
}

py::object Missing() { return py::module_::import("aocore._core").attr("_MISSING"); }
bool IsMissing(py::handle obj) { return obj.is(Missing()); }

void InitNode(py::module_& m) {
  py::classh<Node>(m, "_Node", py::release_gil_before_calling_cpp_dtor(),
                   "The native node; use aocore.Node. Safe to use from several threads.")
      .def(py::init(&OpenNode), py::arg("store"), py::arg("wallet"), py::arg("options"),
           py::arg("uploader") = py::none())
      .def(
          "close",
          [](Node& n) {
            // The GIL is released only around Close(): raising its error needs the GIL (a
            // call_guard here made close() from inside a device raise without it: a crash).
            Status s = [&] {
              py::gil_scoped_release release;
              return n.Close();
            }();
            Check(s);
          },
           "Stops the node: waits for operations in flight, then closes the store. Idempotent.")
      .def_property_readonly("closed", &Node::closed, "True once close() was called.")
      .def_property_readonly("address", &Node::address, "The node wallet's address (43-char base64url).")
      .def_property_readonly("wallet", [](const Node& n) { return n.wallet(); },
                             "The node wallet (an aocore.Wallet): signs assignments and spawned processes.")
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
          py::arg("id"), "Reads a stored message by ID (or a path into one, '<id>/a/b'). NotFoundError if absent.")
      .def(
          "resolve",
          [](Node& n, py::object base, py::object request, py::kwargs opts) {
            ResolveResult r = RunResolve(n, base, request, opts);
            if (!r.ok()) ThrowResolveFailure(r.status, DescribeResult(r), ValueToPy(r.value));
            return ValueToPy(r.value);
          },
          py::arg("base"), py::arg("request"),
          "Resolves `request` (a path str like 'a/b', or a dict with 'path') on `base` (a dict, a list,\n"
          "or a stored message's ID) and returns the value of the `ok` result. Any other status raises\n"
          "ResolveError (NotFoundError for a missing key, DeviceError for a failing device).\n"
          "Keyword options: hashpath ('update'/'reset'/'ignore'), error_strategy, force_message,\n"
          "cache_control; any other keyword is a user option the devices see.")
      .def(
          "call",
          [](Node& n, py::object base, py::object request, py::kwargs opts) {
            return CallTuple(ResolveFromPy(n, base, request, opts));
          },
          py::arg("base"), py::arg("request"),
          "Like resolve, but returns (status, value) for every status instead of raising.")
      .def(
          "get",
          [](Node& n, py::object base, py::object key, py::object default_value) {
            ResolveResult r = RunResolve(n, base, key, py::dict());
            if (r.ok()) return ValueToPy(r.value);
            if (r.status == "error" && !default_value.is(py::module_::import("aocore._core").attr("_MISSING"))) {
              return default_value;
            }
            ThrowResolveFailure(r.status, DescribeResult(r), ValueToPy(r.value));
          },
          py::arg("base"), py::arg("key"), py::arg("default") = py::module_::import("aocore._core").attr("_MISSING"),
          "The value of `key` (a path) on `base`, or `default` when it resolves to an error\n"
          "(NotFoundError when no default is given).")
      .def(
          "register_device",
          [](Node& n, const std::string& name, py::object device) {
            std::shared_ptr<PyDevice> dev = PyDevice::Create(name, device);
            Check(n.RegisterDevice(name, std::move(dev)));
          },
          py::arg("name"), py::arg("device"),
          "Registers a Python device under 'name@version' (see API.md 'Python devices').")
      .def(
          "inspect_processes",
          [](Node& n) {
            Result<std::vector<ProcessSummary>> summaries = [&] {
              py::gil_scoped_release release;
              return SummarizeProcesses(n);
            }();
            py::list out;
            auto opt = [](const std::optional<uint64_t>& v) -> py::object {
              return v ? py::object(py::int_(*v)) : py::object(py::none());
            };
            for (const ProcessSummary& s : Unwrap(std::move(summaries))) {
              py::dict d;
              d["process"] = s.process_id;
              d["slot"] = opt(s.assigned_slot);
              d["computed"] = opt(s.computed_slot);
              d["snapshot"] = opt(s.snapshot_slot);
              out.append(d);
            }
            return out;
          },
          "Every process with assignments in this node's store: {process, slot (latest assigned),\n"
          "computed (latest computed slot), snapshot (latest restore point)}; None where absent.")
      .def("devices", &Node::DeviceNames, "The names of the devices this node can load, sorted.")
      .def(
          "metrics",
          [](Node& n) {
            WorkerRegistryMetrics w;
            int64_t resolves = 0;
            int64_t live_schedulers = 0, schedulers_evicted = 0;
            Status s = [&] {
              py::gil_scoped_release release;
              Result<Node::Operation> op = n.Enter();
              if (!op.ok()) return op.status();
              w = n.workers().metrics();
              resolves = n.resolves();
              live_schedulers = static_cast<int64_t>(n.schedulers().size());
              schedulers_evicted = n.schedulers().evicted();
              return Status::OK();
            }();
            Check(s);
            py::dict d;
            d["resolves"] = resolves;
            d["live_workers"] = w.live_workers;
            d["workers_started"] = w.workers_started;
            d["workers_retired_idle"] = w.workers_retired_idle;
            d["workers_evicted"] = w.workers_evicted;
            d["slots_computed"] = w.slots_computed;
            d["cache_hits"] = w.cache_hits;
            d["live_hits"] = w.live_hits;
            d["loads"] = w.loads;
            d["snapshots"] = w.snapshots;
            d["failures"] = w.failures;
            d["live_schedulers"] = live_schedulers;
            d["schedulers_evicted"] = schedulers_evicted;
            return d;
          },
          "Counters since the node opened: resolves (calls into the node), live_workers,\n"
          "workers_started, workers_retired_idle, workers_evicted, slots_computed (slots applied by the\n"
          "execution device, also on replays), cache_hits (answered from the process cache), live_hits\n"
          "(answered with a worker's live state), loads (restores from a snapshot or boots), snapshots\n"
          "(restore points written when a worker retires or stops), failures, live_schedulers\n"
          "(processes with a scheduler in memory) and schedulers_evicted (idle schedulers dropped\n"
          "beyond max_schedulers, recovered from the store on next use).");
}

}  // namespace ao::py_bindings
