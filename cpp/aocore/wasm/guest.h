// Guest: the host's handle on one instantiated emscripten module: its linear memory (with
// bounds-checked access in the module's pointer width) and the exports the host calls
// (stack, malloc/free, Asyncify, the setjmp trampolines, handle).
//
// Thread-safety: not thread-safe; used only by the thread that runs the owning instance.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <wasmtime.hh>

#include "aocore/common/result.h"

namespace ao::wasm {

class Guest {
 public:
  explicit Guest(bool is_64) : is_64_(is_64) {}

  bool is_64() const { return is_64_; }
  size_t pointer_size() const { return is_64_ ? 8 : 4; }

  // Looks up the memory and every export (missing ones are reported by Call).
  void Bind(wasmtime::Store::Context cx, wasmtime::Instance& instance);

  const wasmtime::Memory& memory() const { return *memory_; }
  uint64_t memory_size(wasmtime::Store::Context cx) const { return memory_->data(cx).size(); }

  // Bounds-checked access; nullptr when [addr, addr+len) is outside the memory.
  uint8_t* At(wasmtime::Store::Context cx, uint64_t addr, uint64_t len) const;
  bool Write(wasmtime::Store::Context cx, uint64_t addr, const void* data, uint64_t len) const;
  bool WriteU32(wasmtime::Store::Context cx, uint64_t addr, uint32_t v) const { return Write(cx, addr, &v, 4); }
  bool WriteU64(wasmtime::Store::Context cx, uint64_t addr, uint64_t v) const { return Write(cx, addr, &v, 8); }
  // A size_t/pointer/long: 8 bytes in wasm64, 4 in wasm32.
  bool WritePointer(wasmtime::Store::Context cx, uint64_t addr, uint64_t v) const;
  std::optional<uint64_t> ReadPointer(wasmtime::Store::Context cx, uint64_t addr) const;
  std::optional<int32_t> ReadI32(wasmtime::Store::Context cx, uint64_t addr) const;
  std::optional<int64_t> ReadI64(wasmtime::Store::Context cx, uint64_t addr) const;
  // The NUL-terminated bytes at `addr` (without the NUL); nullopt if unterminated.
  std::optional<std::string_view> CString(wasmtime::Store::Context cx, uint64_t addr) const;

  // Calls export `name` with integer arguments converted to its parameter types; returns its
  // first result as an integer (0 when it has none).
  wasmtime::TrapResult<uint64_t> Call(wasmtime::Store::Context cx, std::string_view name,
                                      std::initializer_list<uint64_t> args) const;

 private:
  // The little-endian T at `addr`; nullopt when out of bounds.
  template <typename T>
  std::optional<T> ReadScalar(wasmtime::Store::Context cx, uint64_t addr) const {
    const uint8_t* p = At(cx, addr, sizeof(T));
    if (p == nullptr) return std::nullopt;
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }

  bool is_64_;
  std::optional<wasmtime::Memory> memory_;
  struct Export {
    wasmtime::Func func;
    std::vector<bool> param_is_64;  // per parameter: i64 (else i32)
    // Every parameter is an i32 or i64 and the result one of them or none: called through
    // Wasmtime's unchecked entry (raw values on the stack, no Val vectors allocated).
    bool raw = false;
    enum class Out { kNone, kI32, kI64 } out = Out::kNone;
  };
  struct NameHash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  std::unordered_map<std::string, Export, NameHash, std::equal_to<>> exports_;
};

}  // namespace ao::wasm
