#include "aocore/wasm/ao_module.h"

#include "aocore/wasm/ao_instance.h"
#include "aocore/wasm/heap_growth.h"
#include "aocore/wasm/wasm_runtime.h"

namespace ao::wasm {

Result<std::shared_ptr<AoModule>> AoModule::Load(std::string_view wasm, std::string_view format,
                                                 const std::string& cache_dir) {
  bool is_64;
  if (format == kFormatWasm64) {
    is_64 = true;
  } else if (format == kFormatWasm32) {
    is_64 = false;
  } else if (format.ends_with("-metering")) {
    return Status::InvalidArgument("module format " + std::string(format) +
                                   " is not supported: it needs ao-loader's wasm-metering rewrite "
                                   "(aocore runs " + std::string(kFormatWasm64) + " and " +
                                   std::string(kFormatWasm32) + ")");
  } else {
    return Status::InvalidArgument("unknown module format '" + std::string(format) + "' (aocore runs " +
                                   std::string(kFormatWasm64) + " and " + std::string(kFormatWasm32) + ")");
  }
  // Everything that can be refused is checked on the binary before the (costly) compile.
  AO_ASSIGN_OR_RETURN(ModuleInterface interface, ParseModuleInterface(wasm));
  if (!interface.memory) return Status::InvalidArgument("the module exports no memory named 'memory'");
  if (interface.memory->is_64 != is_64) {
    return Status::InvalidArgument("module format " + std::string(format) + " expects a " +
                                   (is_64 ? "64" : "32") + "-bit memory, the module has a " +
                                   (interface.memory->is_64 ? "64" : "32") + "-bit one");
  }
  AO_RETURN_IF_ERROR(EmscriptenHost::CheckImports(interface, is_64));
  for (const char* name : {"handle", "malloc", "free", "emscripten_stack_init", "emscripten_stack_get_end",
                           "emscripten_stack_get_current", "_emscripten_stack_alloc", "_emscripten_stack_restore",
                           "__wasm_call_ctors", "setThrew", "asyncify_start_unwind", "asyncify_stop_unwind",
                           "asyncify_start_rewind", "asyncify_stop_rewind"}) {
    const ModuleItem* item = interface.FindExport(name);
    if (!item || !item->is_function) {
      return Status::InvalidArgument(std::string("the module does not export the function ") + name +
                                     " that an emscripten AO module has");
    }
  }
  AO_ASSIGN_OR_RETURN(wasmtime::Module module, WasmRuntime::Default().Compile(wasm, cache_dir));
  return std::shared_ptr<AoModule>(new AoModule(std::move(module), std::move(interface), std::string(format), is_64));
}

uint64_t AoModule::max_memory_bytes() const {
  const uint64_t heap_max = is_64_ ? kHeapMax64 : kHeapMax32;
  if (!interface_.memory->max_pages) return heap_max;
  return std::min(heap_max, *interface_.memory->max_pages * kWasmPageSize);
}

Result<std::unique_ptr<AoInstance>> AoModule::Instantiate(InstanceOptions options) const {
  return AoInstance::Create(shared_from_this(), std::move(options));
}

}  // namespace ao::wasm
