#include "aocore/wasm/asyncify.h"

namespace ao::wasm {

wasmtime::TrapResult<uint64_t> Asyncify::Suspend(wasmtime::Store::Context cx, const Guest& guest,
                                                 uint64_t value) {
  if (state_ == State::kRewinding) {
    state_ = State::kNormal;
    if (auto r = guest.Call(cx, "asyncify_stop_rewind", {}); !r) return r;
    if (auto r = guest.Call(cx, "free", {data_}); !r) return r;
    data_ = 0;
    return value_;
  }
  if (state_ == State::kUnwinding) return wasmtime::TrapError(wasmtime::Trap("asyncify: import called while unwinding"));
  value_ = value;
  // Header {stack start, stack end, rewind id}: pointers are 8 bytes in wasm64, 4 in wasm32.
  const uint64_t header = 3 * guest.pointer_size();
  auto d = guest.Call(cx, "malloc", {header + kStackSize});
  if (!d) return d;
  const uint64_t data = d.ok();
  if (data == 0) return wasmtime::TrapError(wasmtime::Trap("asyncify: malloc of the unwind buffer failed"));
  if (!guest.WritePointer(cx, data, data + header) ||
      !guest.WritePointer(cx, data + guest.pointer_size(), data + header + kStackSize) ||
      !guest.WriteU32(cx, data + 2 * guest.pointer_size(), 0)) {  // rewind id of export "handle"
    return wasmtime::TrapError(wasmtime::Trap("asyncify: unwind buffer outside memory"));
  }
  data_ = data;
  state_ = State::kUnwinding;
  if (auto r = guest.Call(cx, "asyncify_start_unwind", {data}); !r) return r;
  return uint64_t{0};
}

wasmtime::TrapResult<uint64_t> Asyncify::StartRewind(wasmtime::Store::Context cx, const Guest& guest) {
  if (auto r = guest.Call(cx, "asyncify_stop_unwind", {}); !r) return r;
  state_ = State::kRewinding;
  return guest.Call(cx, "asyncify_start_rewind", {data_});
}

}  // namespace ao::wasm
