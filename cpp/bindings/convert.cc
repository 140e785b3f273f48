#include "convert.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "aocore/message/key.h"
#include "errors.h"
#include "py_device.h"

namespace ao::py_bindings {
namespace {

// The core's limit (message.h), so what Python builds is what every other input may hold; it
// also stops runaway recursion on self-referencing containers. `depth` counts containers: each
// message or list level adds one.
constexpr int kMaxDepth = static_cast<int>(kMaxNesting);

std::string PathFor(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "/" + key;
}

// The exporter of a shared binary's memoryview: it owns a reference to the core's buffer.
struct SharedBinary {
  std::shared_ptr<const Bytes> bytes;
};

// The core buffer behind `view` when it is a whole, unsliced view of a SharedBinary.
std::shared_ptr<const Bytes> SharedBufferOf(py::handle view) {
  PyObject* base = PyMemoryView_GET_BASE(view.ptr());
  if (base == nullptr || !py::isinstance<SharedBinary>(base)) return nullptr;
  const std::shared_ptr<const Bytes>& bytes = py::handle(base).cast<const SharedBinary&>().bytes;
  const Py_buffer* buf = PyMemoryView_GET_BUFFER(view.ptr());
  if (buf->buf != bytes->data() || buf->len != static_cast<Py_ssize_t>(bytes->size()) ||
      !PyBuffer_IsContiguous(buf, 'C')) {
    return nullptr;
  }
  return bytes;
}

std::string TypeName(py::handle obj) { return py::str(py::type::of(obj).attr("__name__")); }

Value ConvertValue(py::handle obj, const std::string& path, int depth, const HandedOut* memo);

// Top-level keys are normalised (the reference normalises them at every resolution step);
// nested keys keep their spelling, because the reference's ID encoding distinguishes, e.g.,
// a nested {"Priv": 1} (a field) from {"priv": 1} (an empty message).
Message ConvertDict(py::handle obj, const std::string& path, int depth, bool normalize, const HandedOut* memo) {
  // This message is at level depth + 1 (NestingDepth counts a message of scalars as 1).
  if (depth >= kMaxDepth) ThrowInvalidMessage("key '" + path + "': message nested too deeply (or self-referencing)");
  py::dict dict = py::reinterpret_borrow<py::dict>(obj);
  std::vector<std::pair<std::string, py::handle>> entries;
  entries.reserve(dict.size());
  for (auto item : dict) {
    if (!py::isinstance<py::str>(item.first)) {
      ThrowInvalidMessage("key " + std::string(py::repr(item.first)) + (path.empty() ? "" : " in '" + path + "'") +
                          ": keys must be str, not " + TypeName(item.first));
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(item.first.ptr(), &size);
    if (!data) {
      PyErr_Clear();
      ThrowInvalidMessage("key " + std::string(py::repr(item.first)) + ": not encodable as UTF-8");
    }
    entries.emplace_back(std::string(data, size), item.second);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Message out;
  for (auto& [key, value] : entries) {
    Result<std::string> nk = NormalizeKey(key);  // also validates UTF-8
    if (!nk.ok()) ThrowInvalidMessage("key '" + PathFor(path, key) + "': " + nk.status().message());
    std::string stored = normalize ? std::move(nk).value() : key;
    std::string child = PathFor(path, stored);
    out.Set(std::move(stored), ConvertValue(value, child, depth + 1, memo));
  }
  return out;
}

Value ConvertValue(py::handle obj, const std::string& path, int depth, const HandedOut* memo) {
  if (obj.is_none()) return Value::Null();
  if (PyBool_Check(obj.ptr())) return Value(obj.ptr() == Py_True);
  if (PyLong_Check(obj.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow != 0) ThrowInvalidMessage("key '" + path + "': integer does not fit in 64 bits");
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    return Value(static_cast<int64_t>(v));
  }
  if (PyFloat_Check(obj.ptr())) return Value(PyFloat_AsDouble(obj.ptr()));
  if (memo != nullptr && (PyUnicode_CheckExact(obj.ptr()) || PyBytes_CheckExact(obj.ptr()))) {
    if (const Value* handed = memo->Find(obj)) return *handed;
  }
  if (PyUnicode_Check(obj.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
    if (!data) {
      PyErr_Clear();
      ThrowInvalidMessage("key '" + path + "': str value is not encodable as UTF-8");
    }
    return Value(Bytes(data, size));
  }
  if (PyBytes_Check(obj.ptr())) return Value(Bytes(PyBytes_AS_STRING(obj.ptr()), PyBytes_GET_SIZE(obj.ptr())));
  if (PyMemoryView_Check(obj.ptr())) {
    if (std::shared_ptr<const Bytes> shared = SharedBufferOf(obj)) return Value(std::move(shared));
  }
  if (PyByteArray_Check(obj.ptr()) || PyMemoryView_Check(obj.ptr())) {
    py::bytes copy(py::reinterpret_steal<py::object>(PyBytes_FromObject(obj.ptr())));
    return Value(Bytes(copy));
  }
  if (py::isinstance<Atom>(obj)) return Value(obj.cast<Atom>());
  if (PyList_Check(obj.ptr())) {
    if (depth >= kMaxDepth) ThrowInvalidMessage("key '" + path + "': list nested too deeply (or self-referencing)");
    Value::List list;
    Py_ssize_t n = PyList_GET_SIZE(obj.ptr());
    list.reserve(n);
    for (Py_ssize_t i = 0; i < n; ++i) {
      list.push_back(
          ConvertValue(PyList_GET_ITEM(obj.ptr(), i), PathFor(path, std::to_string(i + 1)), depth + 1, memo));
    }
    return Value(std::move(list));
  }
  if (PyDict_Check(obj.ptr())) return Value(ConvertDict(obj, path, depth, /*normalize=*/false, memo));
  ThrowInvalidMessage("key '" + path + "': unsupported value type '" + TypeName(obj) + "'");
}

}  // namespace

Message MessageFromPy(py::handle obj, const char* what) {
  if (!PyDict_Check(obj.ptr())) {
    ThrowInvalidMessage(std::string(what) + " must be a dict, not " + TypeName(obj));
  }
  return ConvertDict(obj, "", 0, /*normalize=*/true, nullptr);
}

Value ValueFromPy(py::handle obj, const std::string& key_path, const HandedOut* memo) {
  return ConvertValue(obj, key_path, 0, memo);
}

py::object ValueToPy(const Value& value, const ToPy& how) {
  switch (value.kind()) {
    case Value::Kind::kAtom: {
      const std::string& name = value.atom().name;
      if (name == "true") return py::bool_(true);
      if (name == "false") return py::bool_(false);
      if (name == "null") return py::none();
      return py::cast(value.atom());
    }
    case Value::Kind::kInteger: return py::int_(value.integer());
    case Value::Kind::kFloat: return py::float_(value.floating());
    case Value::Kind::kBinary: {
      const Bytes& b = value.binary();
      if (how.share_large_binaries && b.size() >= kSharedBinaryMin) {
        return py::memoryview(py::cast(SharedBinary{value.binary_ptr()}));
      }
      PyObject* s = PyUnicode_DecodeUTF8(b.data(), static_cast<Py_ssize_t>(b.size()), "strict");
      py::object out;
      if (s) {
        out = py::reinterpret_steal<py::object>(s);
      } else {
        PyErr_Clear();
        out = py::bytes(b);
      }
      if (how.memo != nullptr && b.size() > Value::kInlineBinaryMax) how.memo->Note(out, value);
      return out;
    }
    case Value::Kind::kList: {
      py::list out(value.list().size());
      for (size_t i = 0; i < value.list().size(); ++i) out[i] = ValueToPy(value.list()[i], how);
      return out;
    }
    case Value::Kind::kMessage: return MessageToPy(value.message(), how);
    case Value::Kind::kDevice: {
      // A Python device comes back as its object; a native device as its name.
      if (auto* py_dev = dynamic_cast<const PyDevice*>(value.device().get())) {
        return py::reinterpret_borrow<py::object>(py_dev->object());
      }
      return py::str(std::string(value.device()->name()));
    }
  }
  return py::none();
}

py::dict MessageToPy(const Message& message, const ToPy& how) {
  py::dict out;
  for (const auto& [k, v] : message) {
    PyObject* key = PyUnicode_DecodeUTF8(k.data(), static_cast<Py_ssize_t>(k.size()), "surrogateescape");
    if (!key) throw py::error_already_set();
    out[py::reinterpret_steal<py::object>(key)] = ValueToPy(v, how);
  }
  return out;
}

std::string PathFromPy(py::handle path, const char* what) {
  py::object os = py::module_::import("os");
  py::object fspath;
  try {
    fspath = os.attr("fspath")(path);
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) throw;
    ThrowInvalidMessage(std::string(what) + " must be a path (str, bytes or os.PathLike), not '" +
                        std::string(py::str(py::type::of(path).attr("__name__"))) + "'");
  }
  std::string encoded = py::bytes(os.attr("fsencode")(fspath));
  if (encoded.empty()) ThrowInvalidMessage(std::string(what) + " must not be an empty path");
  if (encoded.find('\0') != std::string::npos) {
    ThrowInvalidMessage(std::string(what) + " must not contain a NUL byte: " + std::string(py::repr(fspath)));
  }
  return encoded;
}

py::str PathToPy(const std::string& path) {
  return py::module_::import("os").attr("fsdecode")(py::bytes(path));
}

void InitConvert(py::module_& m) {
  py::class_<SharedBinary>(m, "SharedBinary", py::buffer_protocol(),
                           "A read-only buffer over a binary the core holds: what a Python device's\n"
                           "memoryview of a large value (docs/python-api.md) looks at.")
      .def_buffer([](const SharedBinary& s) {
        return py::buffer_info(const_cast<char*>(s.bytes->data()), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(s.bytes->size())}, {1}, /*readonly=*/true);
      })
      .def("__len__", [](const SharedBinary& s) { return s.bytes->size(); });
  m.attr("SHARED_BINARY_MIN") = kSharedBinaryMin;
  py::class_<Atom>(m, "Atom", "A symbol value (the reference's atoms), e.g. Atom('unset').\n\n"
                              "true/false/null are Python True/False/None; every other atom is an Atom.")
      .def(py::init([](std::string name) { return Atom{std::move(name)}; }), py::arg("name"))
      .def_property_readonly("name", [](const Atom& a) { return a.name; })
      .def("__repr__", [](const Atom& a) { return "Atom(" + std::string(py::repr(py::str(a.name))) + ")"; })
      .def("__eq__", [](const Atom& a, py::object other) {
        return py::isinstance<Atom>(other) && other.cast<Atom>() == a;
      })
      .def("__hash__", [](const Atom& a) { return py::hash(py::str("aocore.Atom:" + a.name)); });
}

}  // namespace ao::py_bindings
