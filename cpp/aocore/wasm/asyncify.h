// Asyncify: how ao-loader's glue runs the module's `__asyncjs__*` (WeaveDrive) imports. Even when
// the answer is immediate, the JS unwinds the wasm stack into a freshly malloc'ed 40 MiB buffer,
// and rewinds it by re-entering the export; that malloc is what grows AOS's memory from 68 to
// 105 MiB at boot, so a byte-compatible host must do the same dance.
//
//   import called (normal):   value kept, d = malloc(header + 40 MiB), header written,
//                             asyncify_start_unwind(d), return 0 (the wasm unwinds)
//   host sees Unwinding():    asyncify_stop_unwind, asyncify_start_rewind(d), call export again
//   import called (rewinding): asyncify_stop_rewind, free(d), return the kept value
//
// Thread-safety: not thread-safe; owned by one instance.
#pragma once

#include <cstdint>

#include <wasmtime.hh>

#include "aocore/wasm/guest.h"

namespace ao::wasm {

class Asyncify {
 public:
  // The JS glue's Asyncify.StackSize.
  static constexpr uint64_t kStackSize = 41943040;

  // Called from an async import with the value it resolves to.
  wasmtime::TrapResult<uint64_t> Suspend(wasmtime::Store::Context cx, const Guest& guest, uint64_t value);
  // True after an import started an unwind: the export returned early and must be re-entered.
  bool unwinding() const { return state_ == State::kUnwinding; }
  // Stops the unwind and starts the rewind; the caller then calls the export again.
  wasmtime::TrapResult<uint64_t> StartRewind(wasmtime::Store::Context cx, const Guest& guest);
  void Reset() { state_ = State::kNormal; }

 private:
  enum class State { kNormal, kUnwinding, kRewinding };
  State state_ = State::kNormal;
  uint64_t data_ = 0;
  uint64_t value_ = 0;
};

}  // namespace ao::wasm
