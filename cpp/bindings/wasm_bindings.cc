// AO module bindings (docs/aos.md): aocore._core._AOModule and _AOInstance, the native side of
// aocore.AOModule / AOInstance (python/aocore/aos.py adds the JSON handling).
//
// Compiling, instantiating and running a message release the GIL; the bytes are copied into
// core types first. An instance is not thread-safe: the Python wrapper serialises calls.
//
// Errors: an unsupported format or import, or an invalid module, is InvalidMessageError (a
// ValueError) with the reason; an instance that could not be restored after a trap raises
// ClosedError.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/devices/wasm_process_device.h"
#include "aocore/wasm/ao_instance.h"
#include "aocore/wasm/ao_module.h"
#include "aocore/wasm/wasm_runtime.h"
#include "errors.h"

namespace ao::py_bindings {
namespace py = pybind11;
namespace {

}  // namespace

void InitWasm(py::module_& m) {
  // genesis-wasm@1.0's lookup of modules not in a node's store: `lookup(module_id)` returns None
  // or (id, owner, [(name, value), ...], wasm bytes). Called from device threads with the GIL
  // taken; the callable is kept for the life of the interpreter (never destroyed at exit, when
  // the GIL may be gone).
  m.def("_set_aos_module_lookup", [](py::object lookup) {
    if (lookup.is_none()) {
      SetAosModuleLookup(nullptr);
      return;
    }
    auto* held = new py::object(std::move(lookup));  // intentionally leaked (see above)
    SetAosModuleLookup([held](const std::string& id) -> std::optional<AosModule> {
      py::gil_scoped_acquire gil;
      try {
        py::object r = (*held)(id);
        if (r.is_none()) return std::nullopt;
        auto t = r.cast<std::tuple<std::string, std::string, std::vector<std::pair<std::string, std::string>>, py::bytes>>();
        return AosModule{std::get<0>(t), std::get<1>(t), std::get<2>(t), std::string(std::get<3>(t))};
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable("aocore AOS module lookup");
        return std::nullopt;
      }
    });
  });
  // How this process's module compiles were satisfied (docs/aos.md "compiled-module cache").
  m.def("_wasm_compile_stats", [] {
    wasm::WasmRuntime::Stats stats = wasm::WasmRuntime::Default().stats();
    py::dict d;
    d["compiled"] = stats.compiled;
    d["loaded_from_disk"] = stats.loaded_from_disk;
    d["from_memory"] = stats.from_memory;
    return d;
  });
  py::class_<wasm::AoModule, std::shared_ptr<wasm::AoModule>>(m, "_AOModule")
      .def(py::init([](py::bytes wasm_bytes, const std::string& format, std::optional<std::string> cache_dir) {
             std::string wasm = wasm_bytes;
             std::string dir = cache_dir ? *cache_dir : wasm::WasmRuntime::DefaultCacheDir();
             Result<std::shared_ptr<wasm::AoModule>> module = [&] {
               py::gil_scoped_release release;
               return wasm::AoModule::Load(wasm, format, dir);
             }();
             if (!module.ok() && module.status().IsInvalidArgument()) ThrowInvalidMessage(module.status().message());
             return Unwrap(std::move(module));
           }),
           py::arg("wasm"), py::arg("format"), py::arg("cache_dir") = py::none())
      .def_property_readonly("format", &wasm::AoModule::format)
      .def_property_readonly("is_64", &wasm::AoModule::is_64)
      .def_property_readonly("max_memory", &wasm::AoModule::max_memory_bytes)
      .def(
          "instance",
          [](const wasm::AoModule& module, std::optional<py::bytes> memory, int64_t clock, uint64_t compute_limit_ms,
             uint64_t memory_limit) {
            wasm::InstanceOptions options;
            if (memory) options.memory = std::string(*memory);
            options.clock = clock;
            options.compute_limit_ms = compute_limit_ms;
            options.memory_limit = memory_limit;
            Result<std::unique_ptr<wasm::AoInstance>> inst = [&] {
              py::gil_scoped_release release;
              return module.Instantiate(std::move(options));
            }();
            if (!inst.ok() && inst.status().IsInvalidArgument()) ThrowInvalidMessage(inst.status().message());
            return Unwrap(std::move(inst));
          },
          py::arg("memory") = py::none(), py::arg("clock") = wasm::kFirstClockValue, py::arg("compute_limit") = 0,
          py::arg("memory_limit") = 0);

  py::class_<wasm::AoInstance>(m, "_AOInstance")
      // -> (raw result text, None) or ("", (fault kind, message)) after a trap.
      .def("handle",
           [](wasm::AoInstance& inst, const std::string& msg, const std::string& env) -> py::tuple {
             Result<wasm::HandleOutcome> out = [&] {
               py::gil_scoped_release release;
               return inst.Handle(msg, env);
             }();
             wasm::HandleOutcome outcome = Unwrap(std::move(out));
             py::object fault = py::none();
             if (outcome.trapped) {
               fault = py::make_tuple(wasm::HostFaultKindName(outcome.trapped->kind), outcome.trapped->message);
             }
             return py::make_tuple(py::str(outcome.raw), fault);
           })
      .def("memory",
           [](wasm::AoInstance& inst) {
             std::string_view view = inst.MemoryView();
             return py::bytes(view.data(), view.size());
           })
      .def_property_readonly("memory_size", [](wasm::AoInstance& inst) { return inst.MemoryView().size(); })
      .def_property_readonly("clock", &wasm::AoInstance::clock)
      .def_property_readonly("stdout_bytes", &wasm::AoInstance::stdout_bytes)
      .def("checkpoint", [](wasm::AoInstance& inst) {
        py::gil_scoped_release release;
        inst.Checkpoint();
      });
}

}  // namespace ao::py_bindings
