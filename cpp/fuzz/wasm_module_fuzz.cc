// libFuzzer target: the WebAssembly module interface parser (wasm/module_interface.h), which
// reads a module's bytes (outside input: a Module message) before Wasmtime compiles them. Any
// input must give an interface or a typed error, in time linear in its size.
//
// Properties checked on every accepted input, beyond "no crash, no sanitizer report":
//   * each signature is made of the value-type letters the parser writes;
//   * the memory is reported only when an export named "memory" exists;
//   * parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aocore/wasm/module_interface.h"

namespace {

bool Letters(const std::string& s) { return s.find_first_not_of("iIfFx") == std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view wasm(reinterpret_cast<const char*>(data), size);
  auto parsed = ao::wasm::ParseModuleInterface(wasm);
  if (!parsed.ok()) {
    if (!parsed.status().IsInvalidArgument()) std::abort();
    return 0;
  }
  for (const auto* items : {&parsed->imports, &parsed->exports}) {
    for (const ao::wasm::ModuleItem& item : *items) {
      if (!Letters(item.signature.params) || !Letters(item.signature.results)) std::abort();
      (void)ao::wasm::DescribeSignature(item.signature);
    }
  }
  if (parsed->memory && !parsed->FindExport("memory")) std::abort();
  auto again = ao::wasm::ParseModuleInterface(wasm);
  if (!again.ok() || again->imports.size() != parsed->imports.size() ||
      again->exports.size() != parsed->exports.size()) {
    std::abort();
  }
  return 0;
}
