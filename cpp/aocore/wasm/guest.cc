#include "aocore/wasm/guest.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace ao::wasm {
namespace {
constexpr size_t kMaxRawArgs = 8;
}  // namespace

void Guest::Bind(wasmtime::Store::Context cx, wasmtime::Instance& instance) {
  for (size_t i = 0;; ++i) {
    auto item = instance.get(cx, i);
    if (!item) break;
    auto& [name, ext] = *item;
    if (auto* func = std::get_if<wasmtime::Func>(&ext)) {
      Export e{*func, {}};
      wasmtime::FuncType type = func->type(cx);
      e.raw = true;
      for (const auto& param : type->params()) {
        const bool is_64 = param == wasmtime::ValType::i64();
        e.param_is_64.push_back(is_64);
        e.raw = e.raw && (is_64 || param == wasmtime::ValType::i32());
      }
      size_t results = 0;
      for (const auto& result : type->results()) {
        ++results;
        const bool is_64 = result == wasmtime::ValType::i64();
        e.out = is_64 ? Export::Out::kI64 : Export::Out::kI32;
        e.raw = e.raw && (is_64 || result == wasmtime::ValType::i32());
      }
      e.raw = e.raw && results <= 1 && e.param_is_64.size() <= kMaxRawArgs;
      exports_.emplace(std::string(name), std::move(e));
    }
    if (auto* mem = std::get_if<wasmtime::Memory>(&ext); mem && name == "memory") memory_ = *mem;
  }
}

uint8_t* Guest::At(wasmtime::Store::Context cx, uint64_t addr, uint64_t len) const {
  auto span = memory_->data(cx);
  if (addr > span.size() || len > span.size() - addr) return nullptr;
  return span.data() + addr;
}

bool Guest::Write(wasmtime::Store::Context cx, uint64_t addr, const void* data, uint64_t len) const {
  uint8_t* p = At(cx, addr, len);
  if (!p) return false;
  std::memcpy(p, data, len);
  return true;
}

bool Guest::WritePointer(wasmtime::Store::Context cx, uint64_t addr, uint64_t v) const {
  return is_64_ ? WriteU64(cx, addr, v) : WriteU32(cx, addr, static_cast<uint32_t>(v));
}

std::optional<uint64_t> Guest::ReadPointer(wasmtime::Store::Context cx, uint64_t addr) const {
  if (is_64_) return ReadScalar<uint64_t>(cx, addr);
  std::optional<uint32_t> v = ReadScalar<uint32_t>(cx, addr);
  return v ? std::optional<uint64_t>(*v) : std::nullopt;
}

std::optional<int32_t> Guest::ReadI32(wasmtime::Store::Context cx, uint64_t addr) const {
  return ReadScalar<int32_t>(cx, addr);
}

std::optional<int64_t> Guest::ReadI64(wasmtime::Store::Context cx, uint64_t addr) const {
  return ReadScalar<int64_t>(cx, addr);
}

std::optional<std::string_view> Guest::CString(wasmtime::Store::Context cx, uint64_t addr) const {
  auto span = memory_->data(cx);
  if (addr >= span.size()) return std::nullopt;
  const auto* start = reinterpret_cast<const char*>(span.data() + addr);
  const void* nul = std::memchr(start, 0, span.size() - addr);
  if (!nul) return std::nullopt;
  return std::string_view(start, static_cast<const char*>(nul) - start);
}

wasmtime::TrapResult<uint64_t> Guest::Call(wasmtime::Store::Context cx, std::string_view name,
                                           std::initializer_list<uint64_t> args) const {
  auto it = exports_.find(name);
  if (it == exports_.end()) return wasmtime::TrapError(wasmtime::Trap("the module does not export " + std::string(name)));
  const Export& e = it->second;
  if (e.param_is_64.size() != args.size()) {
    return wasmtime::TrapError(wasmtime::Trap("export " + std::string(name) + " takes " +
                                              std::to_string(e.param_is_64.size()) + " arguments"));
  }
  if (e.raw) {
    // The hot path (the setjmp trampolines call two exports per invoke_*): no allocation.
    wasmtime_val_raw_t raw[kMaxRawArgs] = {};
    size_t i = 0;
    for (uint64_t arg : args) {
      if (e.param_is_64[i]) {
        raw[i].i64 = static_cast<int64_t>(arg);
      } else {
        raw[i].i32 = static_cast<int32_t>(arg);
      }
      ++i;
    }
    wasm_trap_t* trap = nullptr;
    wasmtime_error_t* error = wasmtime_func_call_unchecked(cx.capi(), &e.func.capi(), raw,
                                                           std::max<size_t>(args.size(), 1), &trap);
    if (error != nullptr) return wasmtime::TrapError(wasmtime::Error(error));
    if (trap != nullptr) return wasmtime::TrapError(wasmtime::Trap(trap));
    switch (e.out) {
      case Export::Out::kI64: return static_cast<uint64_t>(raw[0].i64);
      case Export::Out::kI32: return static_cast<uint64_t>(static_cast<uint32_t>(raw[0].i32));
      case Export::Out::kNone: return uint64_t{0};
    }
  }
  std::vector<wasmtime::Val> vals;
  vals.reserve(args.size());
  auto arg = args.begin();
  for (bool is_64 : e.param_is_64) {
    if (is_64) {
      vals.emplace_back(static_cast<int64_t>(*arg));
    } else {
      vals.emplace_back(static_cast<int32_t>(*arg));
    }
    ++arg;
  }
  auto result = e.func.call(cx, vals);
  if (!result) return result.err();
  std::vector<wasmtime::Val> out = result.ok();
  if (out.empty()) return uint64_t{0};
  if (out[0].kind() == wasmtime::ValKind::I64) return static_cast<uint64_t>(out[0].i64());
  if (out[0].kind() == wasmtime::ValKind::I32) return static_cast<uint64_t>(static_cast<uint32_t>(out[0].i32()));
  return uint64_t{0};
}

}  // namespace ao::wasm
