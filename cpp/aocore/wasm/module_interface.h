// The interface of a WebAssembly module as aocore's AO host needs it: each import and export
// with its function signature, and the exported linear memory's index type and limits. Parsed
// from the binary's type, import, function, memory and export sections, without compiling, so
// that an unsupported module is refused before the compile (tens of seconds for large ones).
//
// Thread-safety: pure functions; ModuleInterface is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"

namespace ao::wasm {

// One wasm value type, as a letter: 'i' i32, 'I' i64, 'f' f32, 'F' f64, 'x' anything else.
struct Signature {
  std::string params;
  std::string results;
  bool operator==(const Signature&) const = default;
};

struct ModuleItem {
  std::string module;  // empty for exports
  std::string name;
  bool is_function = false;
  Signature signature;  // functions only
};

struct MemoryInterface {
  bool is_64 = false;
  uint64_t min_pages = 0;
  std::optional<uint64_t> max_pages;
};

struct ModuleInterface {
  std::vector<ModuleItem> imports;
  std::vector<ModuleItem> exports;
  std::optional<MemoryInterface> memory;  // the export named "memory"

  const ModuleItem* FindExport(std::string_view name) const;
};

// InvalidArgument for bytes that are not a WebAssembly binary module or whose sections are
// truncated or malformed (the compile reports anything subtler).
Result<ModuleInterface> ParseModuleInterface(std::string_view wasm);

// "(i64,i64)->i32" style text, for error messages.
std::string DescribeSignature(const Signature& signature);

}  // namespace ao::wasm
