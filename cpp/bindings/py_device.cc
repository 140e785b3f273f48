#include "py_device.h"

#include <deque>
#include <mutex>
#include <vector>
#include <utility>

#include "aocore/ao/resolver.h"
#include "aocore/message/key.h"
#include "convert.h"
#include "errors.h"

namespace ao::py_bindings {
namespace {

// Positional parameter count of a bound method; -1 for *args.
int ArityOf(py::handle fn) {
  py::object inspect = py::module_::import("inspect");
  py::object sig = inspect.attr("signature")(fn);
  int count = 0;
  for (py::handle p : sig.attr("parameters").attr("values")()) {
    py::object kind = p.attr("kind");
    if (kind.is(p.attr("VAR_POSITIONAL"))) return -1;
    if (kind.is(p.attr("POSITIONAL_ONLY")) || kind.is(p.attr("POSITIONAL_OR_KEYWORD"))) ++count;
  }
  return count;
}

std::vector<std::string> KeyList(py::handle value, const char* what) {
  std::vector<std::string> out;
  if (value.is_none()) return out;
  if (!py::isinstance<py::list>(value) && !py::isinstance<py::tuple>(value)) {
    throw py::type_error(std::string("device info '") + what + "' must be a list of str");
  }
  for (py::handle k : value) out.push_back(Unwrap(NormalizeKey(std::string(py::str(k)))));
  return out;
}

// The exceptions devices raised lately, by formatted traceback (the error result carries the
// text, not the object: it may be raised on a worker thread and read by the caller's). Guarded
// by the GIL; never destroyed, so no Python object is released after the interpreter is gone.
constexpr size_t kKeptExceptions = 32;
std::deque<std::pair<std::string, py::object>>& RaisedExceptions() {
  static auto* kept = new std::deque<std::pair<std::string, py::object>>();
  return *kept;
}

void KeepRaised(const std::string& traceback, py::object exception) {
  auto& kept = RaisedExceptions();
  kept.emplace_back(traceback, std::move(exception));
  while (kept.size() > kKeptExceptions) kept.pop_front();
}

// The Python thread state of a native (node pool) thread, kept for the thread's life. Without
// it every call from a thread Python does not know creates a thread state and deletes it after
// (pybind11's gil_scoped_acquire), and a new state's first frame allocates and zeroes a fresh
// data-stack chunk: ~40 us per call, more than the device itself (profile of B11, issue 15).
// The state is made once (PyGILState_Ensure) and its GIL released at once (PyEval_SaveThread),
// so its gilstate counter stays at 1 and later acquisitions reuse it. When the thread ends, its
// state is not deleted there: the thread may be ending inside a join that holds the GIL (a Node
// closed or collected from Python), so taking the GIL would deadlock. It goes to a list that
// the next Python device call drains under the GIL (or the interpreter frees it at exit).
class ThreadStatePin {
 public:
  // REQUIRES: the GIL is not held by this thread.
  static void Ensure() { thread_local ThreadStatePin pin; }

  // Deletes the states of ended threads. REQUIRES: the GIL is held.
  static void DeleteEnded() {
    std::vector<PyThreadState*> ended;
    {
      std::lock_guard lock(EndedMutex());
      ended.swap(Ended());
    }
    for (PyThreadState* state : ended) {
      PyThreadState_Clear(state);
      PyThreadState_Delete(state);
    }
  }

  ThreadStatePin(const ThreadStatePin&) = delete;
  ThreadStatePin& operator=(const ThreadStatePin&) = delete;

 private:
  ThreadStatePin() {
    if (PyGILState_GetThisThreadState() != nullptr) return;  // a Python thread: it has its own
    PyGILState_Ensure();
    state_ = PyEval_SaveThread();
  }
  ~ThreadStatePin() {
    if (state_ == nullptr) return;
    std::lock_guard lock(EndedMutex());
    Ended().push_back(state_);
  }

  static std::mutex& EndedMutex() {
    static auto* mu = new std::mutex();  // leaf lock; never destroyed (thread exits run late)
    return *mu;
  }
  static std::vector<PyThreadState*>& Ended() {
    static auto* ended = new std::vector<PyThreadState*>();
    return *ended;
  }

  PyThreadState* state_ = nullptr;
};

}  // namespace

py::object PyDevice::RaisedException(const std::string& traceback) {
  auto& kept = RaisedExceptions();
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    if (it->first == traceback) return it->second;
  }
  return py::none();
}

std::shared_ptr<PyDevice> PyDevice::Create(std::string name, py::object object) {
  std::shared_ptr<PyDevice> dev(new PyDevice(std::move(name), object));
  py::list names = py::module_::import("builtins").attr("dir")(object);
  for (py::handle n : names) {
    std::string attr = py::str(n);
    if (attr.empty() || attr[0] == '_' || attr == "info") continue;
    py::object fn = object.attr(n);
    if (!PyCallable_Check(fn.ptr()) || PyType_Check(fn.ptr())) continue;
    int arity;
    try {
      arity = ArityOf(fn);
    } catch (py::error_already_set&) {
      continue;  // a builtin without a signature is not a device key
    }
    dev->methods_.emplace(attr, Method{fn.release().ptr(), arity});
  }
  if (dev->methods_.count("compute") != 0) {
    dev->default_init_ = dev->methods_.count("init") == 0;
    dev->default_snapshot_ = dev->methods_.count("snapshot") == 0;
  }
  if (py::hasattr(object, "info")) {
    py::object info = object.attr("info")();
    if (!py::isinstance<py::dict>(info)) throw py::type_error("device info() must return a dict");
    auto parsed = std::make_shared<DeviceInfo>();
    py::dict d = info;
    if (d.contains("exports")) parsed->exports = KeyList(d["exports"], "exports");
    if (d.contains("excludes")) parsed->excludes = KeyList(d["excludes"], "excludes");
    auto method_named = [&](const char* key) -> std::optional<Method> {
      if (!d.contains(key)) return std::nullopt;
      std::string method = py::str(d[key]);
      auto it = dev->methods_.find(method);
      if (it == dev->methods_.end()) {
        throw py::value_error(std::string("device info '") + key + "' names no method: '" + method + "'");
      }
      return it->second;
    };
    dev->handler_ = method_named("handler");
    dev->default_ = method_named("default");
    parsed->has_handler = dev->handler_.has_value();
    parsed->has_default = dev->default_.has_value();
    dev->info_ = parsed;
  }
  return dev;
}

PyDevice::~PyDevice() {
  if (!Py_IsInitialized()) return;  // interpreter gone: leak rather than touch freed state
  py::gil_scoped_acquire gil;
  for (auto& [name, m] : methods_) Py_XDECREF(m.fn);
  Py_XDECREF(object_);
}

Result<std::shared_ptr<const DeviceInfo>> PyDevice::Info(const Message&, const ResolveOptions&) const {
  return info_;
}

bool PyDevice::HasKey(std::string_view key) const {
  std::string name = DeviceKeyName(KeyStyle::kModule, key);
  if ((default_init_ && name == "init") || (default_snapshot_ && name == "snapshot")) return true;
  auto it = methods_.find(name);
  if (it == methods_.end()) return false;
  return it->second.arity < 0 || it->second.arity <= 3;
}

Result<ResolveResult> PyDevice::Call(const DeviceCall& call) const {
  switch (call.kind) {
    case FunctionKind::kKey: {
      std::string name = DeviceKeyName(KeyStyle::kModule, call.key);
      if (default_init_ && name == "init") return ResolveResult::Ok(Value(call.base));
      if (default_snapshot_ && name == "snapshot") return ResolveResult::Ok(Value(Message{}));
      auto it = methods_.find(name);
      if (it == methods_.end()) return ResolveResult::NotFound();
      return Invoke(it->second, call, /*with_key=*/false);
    }
    case FunctionKind::kHandler:
      if (!handler_) return ResolveResult::NotFound();
      return Invoke(*handler_, call, /*with_key=*/true);
    case FunctionKind::kDefault:
      if (!default_) return ResolveResult::NotFound();
      return Invoke(*default_, call, /*with_key=*/true);
  }
  return ResolveResult::NotFound();
}

Result<ResolveResult> PyDevice::Invoke(const Method& method, const DeviceCall& call, bool with_key) const {
  if (!Py_IsInitialized()) return Status::Unavailable("the Python interpreter has shut down");
  ThreadStatePin::Ensure();
  py::gil_scoped_acquire gil;
  ThreadStatePin::DeleteEnded();
  try {
    // Only the arguments the method takes are converted (compute(self, base, req) never pays
    // for the options).
    const size_t offered = with_key ? 4 : 3;
    const size_t n = method.arity < 0 ? offered : std::min<size_t>(offered, static_cast<size_t>(method.arity));
    py::tuple args(n);
    size_t i = 0;
    if (with_key && i < n) args[i++] = py::str(std::string(call.key));
    // Large binaries (a WebAssembly memory...) as read-only views of the core's buffers.
    HandedOut memo;
    const ToPy shared{.share_large_binaries = true, .memo = &memo};
    if (i < n) args[i++] = MessageToPy(call.base, shared);
    if (i < n) args[i++] = MessageToPy(call.req, shared);
    if (i < n) {
      py::dict opts;
      opts["hashpath"] = std::string(HashpathModeName(call.opts.hashpath));
      opts["error_strategy"] = call.opts.error_strategy;
      if (call.opts.user) {
        for (const auto& [k, v] : *call.opts.user) opts[py::str(k)] = ValueToPy(v);
      }
      args[i++] = std::move(opts);
    }
    py::object out = py::reinterpret_borrow<py::object>(method.fn)(*args);
    if (py::isinstance<py::tuple>(out) && py::len(out) == 2 && py::isinstance<py::str>(out[py::int_(0)])) {
      py::tuple t = out;
      return ResolveResult::Make(std::string(py::str(t[0])), ValueFromPy(t[1], "result", &memo));
    }
    return ResolveResult::Ok(ValueFromPy(out, "result", &memo));
  } catch (py::error_already_set& e) {
    Message error;
    error.Set("error", "device_call");
    error.Set("type", std::string(py::str(e.type().attr("__name__"))));
    error.Set("message", std::string(py::str(e.value())));
    error.Set("device", name_);
    error.Set("key", std::string(call.key));
    try {
      // An exception raised by aocore's own converters has no traceback: pass None, not null.
      py::object trace = e.trace() ? py::reinterpret_borrow<py::object>(e.trace()) : py::none();
      py::object tb = py::module_::import("traceback").attr("format_exception")(e.type(), e.value(), trace);
      std::string text = py::str("").attr("join")(tb).cast<std::string>();
      error.Set("traceback", text);
      py::object exception = e.value();
      if (e.trace()) {
        PyException_SetTraceback(exception.ptr(), e.trace().ptr());
        // The frames' locals (a process state, say) are not kept alive for the chaining: the
        // traceback still prints every file, line and function.
        py::module_::import("traceback").attr("clear_frames")(trace);
      }
      KeepRaised(text, std::move(exception));
    } catch (const std::exception&) {  // the traceback is best effort
    }
    return ResolveResult::Error(Value(std::move(error)));
  } catch (const std::exception& e) {
    // A C++ error in the conversions (e.g. a pybind11 cast_error): the same error result shape.
    Message error;
    error.Set("error", "device_call");
    error.Set("type", "InternalError");
    error.Set("message", std::string(e.what()));
    error.Set("device", name_);
    error.Set("key", std::string(call.key));
    return ResolveResult::Error(Value(std::move(error)));
  }
}

}  // namespace ao::py_bindings
