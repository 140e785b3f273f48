// aocore.Node: the node bindings (the one binding of _Node: the methods of the engine, HTTP and
// messaging files are added here through node_class.h). Every call that may block (wallet generation, store I/O,
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
#include "node_class.h"
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

std::unique_ptr<Node> OpenNode(py::object store, py::object wallet, py::dict options, py::object uploader,
                               py::object devices) {
  Message option_msg;
  for (auto item : options) {
    std::string key = py::str(item.first);
    option_msg.Set(key, ValueFromPy(item.second, key));
  }
  NodeOptions parsed = Unwrap(NodeOptions::Parse(option_msg));
  parsed.peer_transport = MakeHttpPeerClient();  // peers are reached over HTTP
  if (!store.is_none()) {
    // An empty path would be an in-memory node: refused, so a typo never loses data silently.
    parsed.store_path = PathFromPy(store, "store");
  }
  std::optional<Wallet> w;
  if (!wallet.is_none()) {
    if (!py::isinstance<Wallet>(wallet)) {
      ThrowInvalidMessage("wallet must be an aocore.Wallet (or None: the store's, or a new one), not " +
                          std::string(py::repr(wallet)));
    }
    w.emplace(wallet.cast<const Wallet&>());
  }
  if (!uploader.is_none()) {
    if (!PyCallable_Check(uploader.ptr())) {
      ThrowInvalidMessage("uploader must be a callable taking the assignment, not " + std::string(py::repr(uploader)));
    }
    parsed.uploader = MakeUploader(uploader);
  }
  if (!devices.is_none()) {
    if (!py::isinstance<py::dict>(devices)) {
      ThrowInvalidMessage("devices must be a dict {'name@version': device object}, not " + std::string(py::repr(devices)));
    }
    for (auto item : py::reinterpret_borrow<py::dict>(devices)) {
      if (!py::isinstance<py::str>(item.first)) {
        ThrowInvalidMessage("devices: a device name must be a str 'name@version', not " + std::string(py::repr(item.first)));
      }
      std::string name = py::str(item.first);
      parsed.devices.emplace_back(name, PyDevice::Create(name, py::reinterpret_borrow<py::object>(item.second)));
    }
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

namespace {

// InvalidMessageError naming the option, what it accepts and what it got.
[[noreturn]] void BadOption(const std::string& name, const std::string& accepted, py::handle got) {
  ThrowInvalidMessage("option '" + name + "' must be " + accepted + ", not " + std::string(py::repr(got)));
}

// The resolver's strategies: "throw" (a device failure is the call's error), "return" (it is
// an error result), "stop" (also stack@1.0 stops at the failing device with an error result).
constexpr const char* kErrorStrategies[] = {"throw", "return", "stop"};
// result_cache.cc's directives (case-insensitive), in a str (comma-separated) or a list of str.
constexpr const char* kCacheDirectives[] = {"store", "cache", "no-store", "no-cache", "only-if-cached", "always"};

bool IsOneOf(std::string text, const auto& accepted, bool fold_case) {
  if (fold_case) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  size_t b = text.find_first_not_of(" \t"), e = text.find_last_not_of(" \t");
  text = b == std::string::npos ? "" : text.substr(b, e - b + 1);
  for (const char* a : accepted) {
    if (text == a) return true;
  }
  return false;
}

Value CacheControlFromPy(py::handle value) {
  const std::string accepted =
      "'store', 'cache', 'no-store', 'no-cache', 'only-if-cached', 'always' (a str, comma-separated, or a list)";
  std::vector<std::string> directives;
  if (py::isinstance<py::str>(value)) {
    std::string text = py::str(value);
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = std::min(text.find(',', start), text.size());
      directives.push_back(text.substr(start, comma - start));
      start = comma + 1;
    }
  } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    for (py::handle item : value) {
      if (!py::isinstance<py::str>(item)) BadOption("cache_control", accepted, value);
      directives.push_back(py::str(item));
    }
  } else {
    BadOption("cache_control", accepted, value);
  }
  Value::List out;
  for (const std::string& d : directives) {
    if (!IsOneOf(d, kCacheDirectives, /*fold_case=*/true)) BadOption("cache_control", accepted, value);
    out.emplace_back(d);
  }
  return Value(std::move(out));
}

}  // namespace

ResolveOptions ResolveOptionsFromPy(const Node& node, py::dict kwargs) {
  ResolveOptions opts = node.DefaultResolveOptions();
  auto user = std::make_shared<Message>(*opts.user);
  for (auto item : kwargs) {
    std::string key = py::str(item.first);
    py::handle value = item.second;
    if (key == "hashpath") {
      if (!py::isinstance<py::str>(value)) BadOption(key, "'update', 'reset' or 'ignore'", value);
      opts.hashpath = Unwrap(ParseHashpathMode(std::string(py::str(value))));
    } else if (key == "error_strategy") {
      if (!py::isinstance<py::str>(value) || !IsOneOf(py::str(value), kErrorStrategies, false)) {
        BadOption(key, "'throw', 'return' or 'stop'", value);
      }
      opts.error_strategy = py::str(value);
    } else if (key == "force_message") {
      if (!PyBool_Check(value.ptr())) BadOption(key, "True or False", value);
      opts.force_message = value.cast<bool>();
    } else if (key == "cache_control") {
      opts.cache_control = CacheControlFromPy(value);
    } else if (key == "on") {
      if (!value.is_none() && !py::isinstance<py::dict>(value)) BadOption(key, "a dict of hooks or None", value);
      opts.on = value.is_none() ? nullptr : std::make_shared<const Message>(MessageFromPy(value, "on"));
    } else if (key == "max_stack_passes") {
      if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr()) || value.cast<py::int_>() < py::int_(1)) {
        BadOption(key, "an int >= 1", value);
      }
      opts.max_stack_passes = value.cast<int64_t>();
    } else {
      user->Set(key, ValueFromPy(value, key));
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

std::string PathOf(py::handle request) {
  if (py::isinstance<py::str>(request)) return py::str(request);
  if (py::isinstance<py::dict>(request)) {
    py::dict d = py::reinterpret_borrow<py::dict>(request);
    if (d.contains("path") && py::isinstance<py::str>(d["path"])) return py::str(d["path"]);
  }
  return "";
}

py::object Missing() { return py::module_::import("aocore._core").attr("_MISSING"); }
bool IsMissing(py::handle obj) { return obj.is(Missing()); }

void InitNode(py::module_& m) {
  NodeClass node(m, "_Node", py::release_gil_before_calling_cpp_dtor(),
                 "The native node; use aocore.Node. Safe to use from several threads.");
  node.def(py::init(&OpenNode), py::arg("store"), py::arg("wallet"), py::arg("options"),
           py::arg("uploader") = py::none(), py::arg("devices") = py::none())
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
      .def_property_readonly(
          "store_path",
          [](const Node& n) -> py::object {
            if (n.options().store_path.empty()) return py::none();
            return PathToPy(n.options().store_path);
          },
          "The LevelDB directory (a str, os.fsdecode of the path given), or None in memory.")
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
            if (!r.ok()) ThrowResolveFailure(r.status, DescribeResult(r), ValueToPy(r.value), PathOf(request));
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
            ThrowResolveFailure(r.status, DescribeResult(r), ValueToPy(r.value), PathOf(key));
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
          "Registers a Python device under 'name@version' (see docs/python-api.md, 'Python devices').")
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
  BindEngineMethods(node);
  BindHttpMethods(node);
  BindMessagingMethods(node);
}

}  // namespace ao::py_bindings
