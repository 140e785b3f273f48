// EmscriptenHost: the host side of an AO module built by the ao dev-cli (emscripten), as
// @permaweb/ao-loader 0.0.49's glue provides it: the 31 imports (setjmp/longjmp trampolines,
// the deterministic Date.now counter, strftime/gmtime/localtime in UTC, the heap-growth policy,
// Asyncify for WeaveDrive, MEMFS/TTY stubs) and the glue's start-up (stack cookie).
// docs/aos.md and shared/spec/aos_wasm.md list what each import does and why.
//
// Thread-safety: not thread-safe; one host per instance, used by the thread running it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <wasmtime.hh>

#include "aocore/common/result.h"
#include "aocore/wasm/asyncify.h"
#include "aocore/wasm/guest.h"
#include "aocore/wasm/module_interface.h"

namespace ao::wasm {

// ao-loader replaces Date.now with a counter from 10000; its own start-up takes 4 values, so the
// module's first emscripten_date_now sees 10004 (the Lua hash seed, hence pairs() order).
inline constexpr int64_t kFirstClockValue = 10004;

// Why a call into the module stopped with a trap, for the error the caller reports.
struct HostFault {
  enum class Kind { kTrap, kComputeLimit, kUnsupported, kExit };
  Kind kind = Kind::kTrap;
  std::string message;
};

// The kind's name in error results (`compute_limit: ...`) and in the Python fault tuple.
inline const char* HostFaultKindName(HostFault::Kind kind) {
  switch (kind) {
    case HostFault::Kind::kComputeLimit: return "compute_limit";
    case HostFault::Kind::kUnsupported: return "unsupported";
    case HostFault::Kind::kExit: return "exit";
    case HostFault::Kind::kTrap: return "trap";
  }
  return "trap";
}

class EmscriptenHost {
 public:
  EmscriptenHost(bool is_64, int64_t clock);

  // InvalidArgument naming the first import this host does not provide, or whose signature is
  // not the one the glue gives it, and for modules importing a memory, table or global.
  static Status CheckImports(const ModuleInterface& interface, bool is_64);
  // Defines every import of `interface` in `linker` (REQUIRES: CheckImports passed). The
  // definitions refer to this host, which must outlive the linker's instances.
  Status DefineImports(wasmtime::Linker& linker, const ModuleInterface& interface);

  // After instantiation: binds the exports and runs the glue's start-up (emscripten_stack_init,
  // the stack cookie, __wasm_call_ctors).
  wasmtime::TrapResult<uint64_t> Start(wasmtime::Store::Context cx, wasmtime::Instance& instance);

  // ccall("handle", "string", ["string", "string"]): both strings on the wasm stack, Asyncify
  // re-entry, the result's C string read at once (it is valid only until the next call).
  wasmtime::TrapResult<std::string> CallHandle(wasmtime::Store::Context cx, std::string_view msg,
                                               std::string_view env);

  // The glue's resizeHeap(bytes) for a memory image larger than the instance.
  bool GrowTo(wasmtime::Store::Context cx, uint64_t bytes);

  Guest& guest() { return guest_; }
  int64_t clock() const { return clock_; }
  void set_clock(int64_t clock) { clock_ = clock; }
  // The first failure recorded during the last call (compute limit, unsupported import use...).
  const std::optional<HostFault>& fault() const { return fault_; }
  void ClearFault() { fault_.reset(); }
  uint64_t stdout_bytes() const { return stdout_bytes_; }

 private:
  wasmtime::Trap Fail(HostFault::Kind kind, std::string message);
  // Records a trap coming back from the module (the first one wins) and passes it on.
  wasmtime::Trap Propagate(const wasmtime::TrapError& error);
  bool ResizeHeap(wasmtime::Store::Context cx, uint64_t requested);

  Guest guest_;
  int64_t clock_;
  bool longjmp_pending_ = false;
  Asyncify asyncify_;
  std::optional<HostFault> fault_;
  uint64_t stdout_bytes_ = 0;
};

}  // namespace ao::wasm
