// Engine-level helpers on aocore.Node (the reference's hb_ao:set/keys/remove/resolve_many/get
// with {as, ...}, hb_ao_device:is_exported/info, and the hb_private get/set helpers; bound into
// _Node by InitNode through BindEngineMethods), plus aocore.As, the {as, Device, Target} form of
// a resolve_many sequence, and aocore.normalize_key. They are thin wrappers
// over the node's Resolver (cpp/aocore/ao/resolver.h); each call holds a Node::Operation (so a
// closed node raises ClosedError) and releases the GIL around the resolver.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/ao/resolver.h"
#include "aocore/message/key.h"
#include "aocore/node/node.h"
#include "convert.h"
#include "errors.h"
#include "node_class.h"
#include "resolve_common.h"

namespace ao::py_bindings {
namespace py = pybind11;

namespace {

// aocore.As(device, target): the reference's {as, Device, Target}.
struct PyAs {
  py::object device;
  py::object target;
};

Value AsTargetFromPy(py::handle target) {
  if (py::isinstance<py::dict>(target)) return Value(MessageFromPy(target, "as target"));
  return ValueFromPy(target, "as target");
}

ResolveStep StepFromPy(py::handle item) {
  if (py::isinstance<PyAs>(item)) {
    const PyAs& as = item.cast<const PyAs&>();
    return ResolveStep::As(ValueFromPy(as.device, "as device"), AsTargetFromPy(as.target));
  }
  if (py::isinstance<py::dict>(item)) return ResolveStep::Of(Value(MessageFromPy(item, "step")));
  return ResolveStep::Of(ValueFromPy(item, "step"));
}

// Runs `fn` (a resolver call) inside a node operation with the GIL released.
template <typename Fn>
auto InNode(Node& node, Fn&& fn) -> decltype(fn()) {
  py::gil_scoped_release release;
  Result<Node::Operation> op = node.Enter();
  if (!op.ok()) return op.status();
  return fn();
}

template <typename T>
T UnwrapResolve(Result<T> r) {
  if (!r.ok()) ThrowResolveStatus(r.status());
  return std::move(r).value();
}

// A path with a leading `priv` segment removed (hb_private:remove_private_specifier).
Value PrivatePath(py::handle path) {
  Value p = RequestValueFromPy(path);
  Result<std::optional<std::vector<std::string>>> parts = Resolver::PathParts(p);
  if (!parts.ok()) ThrowStatus(parts.status());
  if (!parts->has_value()) ThrowInvalidMessage("a private path must not be empty");
  std::vector<std::string> segments = std::move(**parts);
  if (!segments.empty() && segments.front() == "priv") segments.erase(segments.begin());
  if (segments.empty()) ThrowInvalidMessage("a private path needs a key after 'priv'");
  Value::List list;
  for (std::string& s : segments) list.emplace_back(std::move(s));
  return Value(std::move(list));
}

py::object KeyNormalize(py::handle key) {
  if (py::isinstance<py::str>(key) || py::isinstance<py::bytes>(key)) {
    std::string s = py::isinstance<py::str>(key) ? std::string(py::str(key)) : std::string(py::reinterpret_borrow<py::bytes>(key));
    return py::str(Unwrap(NormalizeKey(s)));
  }
  if (py::isinstance<Atom>(key)) return py::str(Unwrap(NormalizeKey(key.cast<Atom>().name)));
  if (PyLong_Check(key.ptr()) && !PyBool_Check(key.ptr())) return py::str(py::str(key));
  if (py::isinstance<py::list>(key) || py::isinstance<py::tuple>(key)) {
    std::string joined;
    bool first = true;
    for (py::handle part : key) {
      if (!first) joined += "/";
      first = false;
      joined += std::string(py::str(KeyNormalize(part)));
    }
    return py::str(joined);
  }
  ThrowInvalidMessage("cannot normalise a key of type '" + std::string(py::str(py::type::of(key).attr("__name__"))) +
                      "' (str, bytes, Atom, int or a list of them)");
}

}  // namespace

void InitEngine(py::module_& m) {
  py::class_<PyAs>(m, "As",
                   "The reference's {as, Device, Target} form, for Node.resolve_many: `target` (a dict, a\n"
                   "path, or a stored message ID) with its device swapped to `device` (e.g. 'message@1.0').")
      .def(py::init([](py::object device, py::object target) { return PyAs{device, target}; }), py::arg("device"),
           py::arg("target"))
      .def_readonly("device", &PyAs::device)
      .def_readonly("target", &PyAs::target)
      .def("__repr__", [](const PyAs& a) {
        return "As(" + std::string(py::repr(a.device)) + ", " + std::string(py::repr(a.target)) + ")";
      });

  m.def("normalize_key", &KeyNormalize, py::arg("key"),
        "The reference's key normalisation (hb_ao:normalize_key): a str is lower-cased unless it is\n"
        "ID-shaped (32, 42 or 43 bytes); an Atom gives its name, an int its decimal text, a list the\n"
        "normalised parts joined by '/'. Anything else raises InvalidMessageError.");

}

void BindEngineMethods(NodeClass& node) {
  node.def(
      "set",
      [](Node& n, py::object base, py::object key, py::object value, py::kwargs kw) {
        Value b = BaseValueFromPy(n, base);
        ResolveOptions opts = ResolveOptionsFromPy(n, kw);
        if (IsMissing(value)) {
          if (!py::isinstance<py::dict>(key)) {
            throw py::type_error("set(base, key, value) needs a value, or a dict of keys to set");
          }
          Message values = MessageFromPy(key, "values");
          auto out = InNode(n, [&]() -> Result<Value> { return n.resolver().Set(b, values, opts); });
          return ValueToPy(UnwrapResolve(std::move(out)));
        }
        Value k = RequestValueFromPy(key);
        Value v = ValueFromPy(value, "value");
        auto out = InNode(n, [&]() -> Result<Value> { return n.resolver().Set(b, k, std::move(v), opts); });
        return ValueToPy(UnwrapResolve(std::move(out)));
      },
      py::arg("base"), py::arg("key"), py::arg("value") = Missing(),
      "hb_ao:set. set(base, key, value) deep-sets `value` along the path `key` ('a/b/c' or a list),\n"
      "each level through its own device's `set`; set(base, {k: v, ...}) applies every key ('/' in a\n"
      "key creates nested messages). Returns the new message; raises when a level's set fails.");

  node.def(
      "keys",
      [](Node& n, py::object base, bool remove_core, py::kwargs kw) {
        Value b = BaseValueFromPy(n, base);
        ResolveOptions opts = ResolveOptionsFromPy(n, kw);
        auto out = InNode(n, [&]() -> Result<std::vector<std::string>> {
          return n.resolver().Keys(b, opts, remove_core);
        });
        return UnwrapResolve(std::move(out));
      },
      py::arg("base"), py::arg("remove_core") = false,
      "hb_ao:keys: the keys base's device lists, normalised and sorted; remove_core=True also drops\n"
      "path, hashpath and priv.");

  node.def(
      "remove",
      [](Node& n, py::object base, const std::string& key, py::kwargs kw) {
        Value b = BaseValueFromPy(n, base);
        ResolveOptions opts = ResolveOptionsFromPy(n, kw);
        auto out = InNode(n, [&]() -> Result<Value> { return n.resolver().Remove(b, key, opts); });
        return ValueToPy(UnwrapResolve(std::move(out)));
      },
      py::arg("base"), py::arg("key"), "hb_ao:remove: base without `key` (exact match, as message@1.0 does).");

  auto many_result = [](Node& n, py::iterable steps, py::dict kw) {
    std::vector<ResolveStep> parsed;
    for (py::handle s : steps) parsed.push_back(StepFromPy(s));
    ResolveOptions opts = ResolveOptionsFromPy(n, kw);
    py::gil_scoped_release release;
    return n.ResolveMany(parsed, opts);
  };
  auto many = [many_result](Node& n, py::iterable steps, py::dict kw) {
    return UnwrapResolve(many_result(n, steps, kw));
  };
  node.def(
      "resolve_many",
      [many](Node& n, py::iterable steps, py::kwargs kw) {
        ResolveResult r = many(n, steps, kw);
        if (!r.ok()) ThrowResolveFailure(r.status, DescribeResult(r), ValueToPy(r.value));
        return ValueToPy(r.value);
      },
      py::arg("steps"),
      "hb_ao:resolve_many: applies a sequence [base, request, request, ...] (dicts, paths, stored\n"
      "IDs or aocore.As forms) step by step and returns the value of the final `ok` result; any\n"
      "other status raises ResolveError, as resolve does.");
  node.def(
      "call_many",
      [many_result](Node& n, py::iterable steps, py::kwargs kw) { return CallTuple(many_result(n, steps, kw)); },
      py::arg("steps"), "Like resolve_many, but returns (status, value) for every status.");

  node.def(
      "get_as",
      [](Node& n, py::object device, py::object base, py::object key, py::object default_value, py::kwargs kw) {
        Value d = ValueFromPy(device, "device");
        Value b = BaseValueFromPy(n, base);
        Value k = RequestValueFromPy(key);
        ResolveOptions opts = ResolveOptionsFromPy(n, kw);
        auto out = InNode(n, [&]() -> Result<Value> { return n.resolver().GetAs(d, b, k, opts); });
        if (!out.ok() && out.status().IsNotFound() && !IsMissing(default_value)) return default_value;
        return ValueToPy(UnwrapResolve(std::move(out)));
      },
      py::arg("device"), py::arg("base"), py::arg("key"), py::arg("default") = Missing(),
      "hb_ao:get(key, {as, device, base}): base's device swapped to `device` first, then get.");

  node.def(
      "info",
      [](Node& n, py::object base) {
        Message b = MessageFromPy(base, "base");
        ResolveOptions opts = n.DefaultResolveOptions();
        auto out = InNode(n, [&]() -> Result<std::shared_ptr<const DeviceInfo>> { return n.resolver().Info(b, opts); });
        std::shared_ptr<const DeviceInfo> info = UnwrapResolve(std::move(out));
        py::dict d;
        d["exports"] = info->exports ? py::cast(*info->exports) : py::none();
        d["excludes"] = py::cast(info->excludes);
        d["handler"] = info->has_handler;
        d["default"] = info->has_default;
        return d;
      },
      py::arg("base"),
      "The info of base's device (hb_ao:info): {exports: list or None, excludes: list, handler: bool,\n"
      "default: bool}.");

  node.def(
      "is_exported",
      [](Node& n, py::object base, const std::string& key) {
        Message b = MessageFromPy(base, "base");
        ResolveOptions opts = n.DefaultResolveOptions();
        auto out = InNode(n, [&]() -> Result<std::shared_ptr<const DeviceInfo>> { return n.resolver().Info(b, opts); });
        return UnwrapResolve(std::move(out))->IsExported(key);
      },
      py::arg("base"), py::arg("key"),
      "hb_ao_device:is_exported: whether base's device exports `key` (`info` always; excluded keys\n"
      "never; otherwise in `exports` when the device lists them).");

  node.def(
      "private_get",
      [](Node& n, py::object base, py::object path, py::object default_value) {
        Message b = MessageFromPy(base, "base");
        Value p = PrivatePath(path);
        ResolveOptions opts = n.DefaultResolveOptions().Internal();
        auto out = InNode(n, [&]() -> Result<Value> { return n.resolver().Get(Value(PrivateOf(b)), p, opts); });
        if (!out.ok() && out.status().IsNotFound() && !IsMissing(default_value)) return default_value;
        return ValueToPy(UnwrapResolve(std::move(out)));
      },
      py::arg("base"), py::arg("path"), py::arg("default") = Missing(),
      "hb_private:get: resolves `path` (a leading 'priv' segment stripped) inside base['priv'] with\n"
      "hashpath ignore; `default` (else NotFoundError) when it is not there.");

  node.def(
      "private_set",
      [](Node& n, py::object base, py::object path, py::object value) {
        Message b = MessageFromPy(base, "base");
        Value p = PrivatePath(path);
        Value v = ValueFromPy(value, "value");
        ResolveOptions opts = n.DefaultResolveOptions().Internal();
        auto out = InNode(n, [&]() -> Result<Value> {
          return n.resolver().Set(Value(PrivateOf(b)), p, std::move(v), opts);
        });
        Value priv = UnwrapResolve(std::move(out));
        b.Set("priv", std::move(priv));
        return MessageToPy(b);
      },
      py::arg("base"), py::arg("path"), py::arg("value"),
      "hb_private:set: deep-sets `value` at `path` (a leading 'priv' segment stripped) inside\n"
      "base['priv']; returns the new message.");
}

}  // namespace ao::py_bindings
