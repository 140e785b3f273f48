#include "aocore/wasm/emscripten_host.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "aocore/wasm/heap_growth.h"
#include "aocore/wasm/js_date.h"
#include "aocore/wasm/js_strftime.h"
#include "aocore/wasm/utf8.h"

namespace ao::wasm {
namespace {

// emscripten's errno values (not Linux's).
constexpr int32_t kEbadf = 8, kEnoent = 44, kEnosys = 52, kEspipe = 70;

using Cx = wasmtime::Store::Context;
using HostResult = wasmtime::Result<uint64_t, wasmtime::Trap>;
// An import's body: integer arguments in, an integer (or the counter's value for f64) out.
using Body = std::function<HostResult(Cx, const std::vector<uint64_t>&)>;

struct ImportSpec {
  const char* module;
  const char* name;
  // Signature letters ('i' i32, 'I' i64, 'F' f64, 'P' pointer: i64 in wasm64, i32 in wasm32);
  // sig32 overrides for wasm32 where the glue splits an i64 into two i32 halves.
  const char* sig;
  const char* sig32 = nullptr;
};

constexpr ImportSpec kImports[] = {
    {"env", "invoke_vjj", "III->", nullptr},
    {"env", "invoke_vii", nullptr, "iii->"},
    {"env", "_emscripten_throw_longjmp", "->"},
    {"env", "_emscripten_memcpy_js", "PPP->"},
    {"env", "emscripten_resize_heap", "P->i"},
    {"env", "emscripten_date_now", "->F"},
    {"env", "_emscripten_get_now_is_monotonic", "->i"},
    {"env", "__asyncjs__weavedrive_open", "PP->i"},
    {"env", "__asyncjs__weavedrive_read", "iPP->i"},
    {"env", "__asyncjs__weavedrive_close", "i->i"},
    {"env", "strftime", "PPPP->P"},
    {"env", "_gmtime_js", "IP->", "iii->"},
    {"env", "_localtime_js", "IP->", "iii->"},
    {"env", "_mktime_js", "P->I", "i->i"},
    {"env", "_tzset_js", "PPPP->"},
    {"env", "exit", "i->"},
    {"env", "_abort_js", "->"},
    {"env", "_emscripten_system", "P->i"},
    {"env", "__syscall_openat", "iPiP->i"},
    {"env", "__syscall_unlinkat", "iPi->i"},
    {"env", "__syscall_rmdir", "P->i"},
    {"env", "__syscall_renameat", "iPiP->i"},
    {"env", "__syscall_readlinkat", "iPPP->i"},
    {"env", "__syscall_dup3", "iii->i"},
    {"env", "__syscall_fcntl64", "iiP->i"},
    {"env", "__syscall_ioctl", "iiP->i"},
    {"wasi_snapshot_preview1", "fd_write", "iPPP->i"},
    {"wasi_snapshot_preview1", "fd_read", "iPPP->i"},
    {"wasi_snapshot_preview1", "fd_close", "i->i"},
    {"wasi_snapshot_preview1", "fd_seek", "iIiP->i", "iiiii->i"},
    {"wasi_snapshot_preview1", "environ_sizes_get", "PP->i"},
    {"wasi_snapshot_preview1", "environ_get", "PP->i"},
};

std::optional<Signature> ExpectedSignature(const ImportSpec& spec, bool is_64) {
  const char* sig = (!is_64 && spec.sig32) ? spec.sig32 : spec.sig;
  if (!is_64 && !spec.sig32 && std::strcmp(spec.name, "invoke_vjj") == 0) return std::nullopt;
  if (!sig) return std::nullopt;
  std::string text(sig);
  for (char& c : text) {
    if (c == 'P') c = is_64 ? 'I' : 'i';
  }
  const size_t arrow = text.find("->");
  return Signature{text.substr(0, arrow), text.substr(arrow + 2)};
}

const ImportSpec* FindSpec(std::string_view module, std::string_view name) {
  for (const ImportSpec& spec : kImports) {
    if (module == spec.module && name == spec.name) return &spec;
  }
  return nullptr;
}

wasmtime::ValType TypeOf(char letter) {
  switch (letter) {
    case 'I': return wasmtime::ValType::i64();
    case 'F': return wasmtime::ValType::f64();
    case 'f': return wasmtime::ValType::f32();
    default: return wasmtime::ValType::i32();
  }
}

wasmtime::FuncType ToFuncType(const Signature& sig) {
  std::vector<wasmtime::ValType> params, results;
  for (char c : sig.params) params.push_back(TypeOf(c));
  for (char c : sig.results) results.push_back(TypeOf(c));
  return wasmtime::FuncType::from_iters(params, results);
}

// %TypedArray%.prototype.copyWithin(target, start, end) on `size` bytes: each argument counted
// from the end when negative, NaN as 0, all clamped to the array; the bytes copied as memmove
// copies them (ECMA-262 23.2.3.6).
void CopyWithin(uint8_t* bytes, uint64_t size, double target, double start, double end) {
  const double length = static_cast<double>(size);
  auto index = [length](double v) {
    v = std::isnan(v) ? 0 : std::trunc(v);
    return v < 0 ? std::max(length + v, 0.0) : std::min(v, length);
  };
  const double to = index(target), from = index(start), final = index(end);
  const double count = std::min(final - from, length - to);
  if (count > 0) {
    std::memmove(bytes + static_cast<uint64_t>(to), bytes + static_cast<uint64_t>(from), static_cast<uint64_t>(count));
  }
}

uint64_t ArgBits(const wasmtime::Val& v) {
  switch (v.kind()) {
    case wasmtime::ValKind::I64: return static_cast<uint64_t>(v.i64());
    case wasmtime::ValKind::I32: return static_cast<uint32_t>(v.i32());
    default: return 0;
  }
}

wasmtime::Val ResultVal(char letter, uint64_t bits) {
  switch (letter) {
    case 'I': return wasmtime::Val(static_cast<int64_t>(bits));
    case 'F': return wasmtime::Val(static_cast<double>(static_cast<int64_t>(bits)));
    default: return wasmtime::Val(static_cast<int32_t>(bits));
  }
}

// Sign-extends the 32-bit value an i32 parameter carries (file descriptors, flags).
int32_t I32(uint64_t bits) { return static_cast<int32_t>(static_cast<uint32_t>(bits)); }

// WeaveDrive paths that need a data source (Arweave data, transaction and block headers).
bool NeedsWeaveDriveData(std::string_view path) {
  return path.starts_with("/data/") || path.starts_with("/tx/") || path.starts_with("/block/");
}

}  // namespace

EmscriptenHost::EmscriptenHost(bool is_64, int64_t clock) : guest_(is_64), clock_(clock) {}

Status EmscriptenHost::CheckImports(const ModuleInterface& interface, bool is_64) {
  for (const ModuleItem& item : interface.imports) {
    const std::string what = item.module + "." + item.name;
    if (!item.is_function) {
      return Status::InvalidArgument("unsupported import " + what +
                                     ": AO modules import only functions (their memory is exported)");
    }
    const ImportSpec* spec = FindSpec(item.module, item.name);
    std::optional<Signature> expected;
    if (spec) expected = ExpectedSignature(*spec, is_64);
    if (!expected) {
      return Status::InvalidArgument("unsupported import " + what + " " + DescribeSignature(item.signature) +
                                     ": aocore provides the imports of the AOS 2 modules (docs/aos.md)");
    }
    if (*expected != item.signature) {
      return Status::InvalidArgument("import " + what + " has signature " + DescribeSignature(item.signature) +
                                     ", expected " + DescribeSignature(*expected) + " for this format");
    }
  }
  return Status::OK();
}

wasmtime::Trap EmscriptenHost::Fail(HostFault::Kind kind, std::string message) {
  if (!fault_) fault_ = HostFault{kind, message};
  return wasmtime::Trap(message);
}

wasmtime::Trap EmscriptenHost::Propagate(const wasmtime::TrapError& error) {
  if (!fault_) {
    HostFault::Kind kind = HostFault::Kind::kTrap;
    if (const auto* trap = std::get_if<wasmtime::Trap>(&error.data)) {
      if (auto code = trap->code(); code && (*code == WASMTIME_TRAP_CODE_OUT_OF_FUEL ||
                                             *code == WASMTIME_TRAP_CODE_INTERRUPT)) {
        kind = HostFault::Kind::kComputeLimit;
      }
    }
    fault_ = HostFault{kind, error.message()};
  }
  return wasmtime::Trap(fault_->message);
}

bool EmscriptenHost::ResizeHeap(Cx cx, uint64_t requested) {
  const uint64_t old_size = guest_.memory_size(cx);
  const uint64_t heap_max = guest_.is_64() ? kHeapMax64 : kHeapMax32;
  for (int cut = 1; cut <= 4; cut *= 2) {
    auto target = HeapGrowthTarget(old_size, requested, cut, heap_max);
    if (!target) return false;
    if (*target <= old_size) return true;
    const uint64_t pages = (*target - old_size + kWasmPageSize - 1) / kWasmPageSize;
    if (guest_.memory().grow(cx, pages)) return true;
  }
  return false;
}

bool EmscriptenHost::GrowTo(Cx cx, uint64_t bytes) {
  return guest_.memory_size(cx) >= bytes || ResizeHeap(cx, bytes);
}

Status EmscriptenHost::DefineImports(wasmtime::Linker& linker, const ModuleInterface& interface) {
  const bool is_64 = guest_.is_64();
  auto oob = [] { return wasmtime::Trap("memory access out of bounds in a host import"); };
  auto invoke = [this](const char* dyncall) -> Body {
    return [this, dyncall](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
      // The glue's invoke_*: sp = stackSave(); try { dynCall } catch (longjmp) { stackRestore(sp);
      // setThrew(1, 0) }. A longjmp is the only trap that is caught.
      auto sp = guest_.Call(cx, "emscripten_stack_get_current", {});
      if (!sp) return Propagate(sp.err());
      auto r = guest_.Call(cx, dyncall, {a[0], a[1], a[2]});
      if (r) return uint64_t{0};
      if (!longjmp_pending_ || fault_) return Propagate(r.err());
      longjmp_pending_ = false;
      if (auto s = guest_.Call(cx, "_emscripten_stack_restore", {sp.ok()}); !s) return Propagate(s.err());
      if (auto s = guest_.Call(cx, "setThrew", {1, 0}); !s) return Propagate(s.err());
      return uint64_t{0};
    };
  };
  auto errno_stub = [](int32_t value) -> Body {
    return [value](Cx, const std::vector<uint64_t>&) -> HostResult { return static_cast<uint64_t>(value); };
  };
  auto write_tm = [this, is_64, oob](Cx cx, double seconds, uint64_t tm, bool local) -> HostResult {
    // The glue fills the struct from a JS Date in the host's time zone; aocore's host is UTC, like
    // a CU container. JsGmtime/JsLocaltime give its fields, zeros for a date JS cannot hold.
    const JsTm t = local ? JsLocaltime(seconds) : JsGmtime(seconds);
    const int32_t fields[8] = {t.sec, t.min, t.hour, t.mday, t.mon, t.year, t.wday, t.yday};
    if (!guest_.Write(cx, tm, fields, sizeof fields)) return oob();
    if (local) {
      // The wasm64 glue stores the zone offset as BigInt(-offset), which throws for the NaN
      // offset of an invalid date; the wasm32 glue stores 0.
      if (is_64 && !JsDateIsValid(seconds)) {
        return Fail(HostFault::Kind::kTrap,
                    "RangeError: The number NaN cannot be converted to a BigInt because it is not an integer");
      }
      // tm_isdst at 32; tm_gmtoff (a long) at 40 in wasm64, 36 in wasm32.
      if (!guest_.WriteU32(cx, tm + 32, 0) || !guest_.WritePointer(cx, tm + (is_64 ? 40 : 36), 0)) return oob();
    }
    return uint64_t{0};
  };
  auto time_arg = [is_64](const std::vector<uint64_t>& a) {
    // wasm32 passes the time as two i32 halves (no BigInt integration in that glue).
    return js::BigIntToI53Checked(is_64 ? static_cast<int64_t>(a[0])
                                        : static_cast<int64_t>((a[0] & 0xFFFFFFFFu) | (a[1] << 32)));
  };
  auto async_call = [this](Cx cx, uint64_t value) -> HostResult {
    auto r = asyncify_.Suspend(cx, guest_, value);
    if (!r) return Propagate(r.err());
    return r.ok();
  };

  std::unordered_map<std::string, Body> bodies = {
      {"invoke_vjj", invoke("dynCall_vjj")},
      {"invoke_vii", invoke("dynCall_vii")},
      {"_emscripten_throw_longjmp",
       [this](Cx, const std::vector<uint64_t>&) -> HostResult {
         longjmp_pending_ = true;  // JS `throw Infinity`, caught by the nearest invoke_*
         return wasmtime::Trap("longjmp");
       }},
      {"_emscripten_memcpy_js",
       [this, is_64](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         // HEAPU8.copyWithin(dest, src, src + num): out-of-range bytes are not copied, no trap.
         // wasm32 reads the arguments unsigned and wraps src + num at 2^32; wasm64 reads them
         // as signed BigInts, NaN beyond 2^53.
         double dest, src, end;
         if (is_64) {
           dest = js::BigIntToI53Checked(static_cast<int64_t>(a[0]));
           src = js::BigIntToI53Checked(static_cast<int64_t>(a[1]));
           end = src + js::BigIntToI53Checked(static_cast<int64_t>(a[2]));
         } else {
           dest = static_cast<double>(a[0] & 0xFFFFFFFFu), src = static_cast<double>(a[1] & 0xFFFFFFFFu);
           end = static_cast<double>((a[1] + a[2]) & 0xFFFFFFFFu);
         }
         auto memory = guest_.memory().data(cx);
         CopyWithin(memory.data(), memory.size(), dest, src, end);
         return uint64_t{0};
       }},
      {"emscripten_resize_heap",
       [this](Cx cx, const std::vector<uint64_t>& a) -> HostResult { return ResizeHeap(cx, a[0]) ? 1u : 0u; }},
      {"emscripten_date_now",
       [this](Cx, const std::vector<uint64_t>&) -> HostResult { return static_cast<uint64_t>(clock_++); }},
      {"_emscripten_get_now_is_monotonic", errno_stub(1)},
      {"__asyncjs__weavedrive_open",
       [this, async_call](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         // Only a fresh call looks at the path; the rewind re-entry just collects the value.
         auto path = guest_.CString(cx, a[0]);
         if (!path) return wasmtime::Trap("weavedrive_open: path outside memory");
         if (NeedsWeaveDriveData(*path)) {
           return Fail(HostFault::Kind::kUnsupported,
                       "WeaveDrive read of " + std::string(*path) + ": aocore has no WeaveDrive data source");
         }
         return async_call(cx, 0);  // ao-loader without the WeaveDrive extension: not found
       }},
      {"__asyncjs__weavedrive_read",
       [this](Cx, const std::vector<uint64_t>&) -> HostResult {
         return Fail(HostFault::Kind::kUnsupported, "WeaveDrive read: aocore has no WeaveDrive data source");
       }},
      {"__asyncjs__weavedrive_close",
       [this](Cx, const std::vector<uint64_t>&) -> HostResult {
         return Fail(HostFault::Kind::kUnsupported, "WeaveDrive close: aocore has no WeaveDrive data source");
       }},
      {"strftime",
       [this, is_64, oob](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         const uint64_t s = a[0], maxsize = a[1], fmt = a[2], tmp = a[3];
         JsTm tm;
         int32_t fields[8];
         const uint8_t* p = guest_.At(cx, tmp, 32);
         if (!p) return oob();
         std::memcpy(fields, p, sizeof fields);
         tm.sec = fields[0], tm.min = fields[1], tm.hour = fields[2], tm.mday = fields[3];
         tm.mon = fields[4], tm.year = fields[5], tm.wday = fields[6], tm.yday = fields[7];
         std::optional<int64_t> gmtoff = guest_.ReadI64(cx, tmp + 40);
         if (!is_64) {
           auto g32 = guest_.ReadI32(cx, tmp + 36);
           gmtoff = g32 ? std::optional<int64_t>(*g32) : std::nullopt;
         }
         auto zone_ptr = guest_.ReadPointer(cx, tmp + (is_64 ? 48 : 40));
         auto format = guest_.CString(cx, fmt);
         if (!gmtoff || !zone_ptr || !format) return oob();
         tm.gmtoff = *gmtoff;
         if (*zone_ptr) {
           auto zone = guest_.CString(cx, *zone_ptr);
           if (!zone) return oob();
           tm.zone = ReplaceInvalidUtf8(*zone);
         }
         const Result<std::string> expanded = JsStrftime(ReplaceInvalidUtf8(*format), tm);
         if (!expanded.ok()) return Fail(HostFault::Kind::kTrap, expanded.status().message());  // the glue throws
         const std::string& out = *expanded;
         if (out.size() + 1 > maxsize) return uint64_t{0};
         if (!guest_.Write(cx, s, out.c_str(), out.size() + 1)) return oob();
         return static_cast<uint64_t>(out.size());
       }},
      {"_gmtime_js",
       [write_tm, time_arg, is_64](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         return write_tm(cx, time_arg(a), is_64 ? a[1] : a[2], false);
       }},
      {"_localtime_js",
       [write_tm, time_arg, is_64](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         return write_tm(cx, time_arg(a), is_64 ? a[1] : a[2], true);
       }},
      {"_mktime_js",
       [this](Cx, const std::vector<uint64_t>&) -> HostResult {
         // AOS replaces os.time, so its modules never reach mktime; not ported (docs/aos.md).
         return Fail(HostFault::Kind::kUnsupported, "mktime is not supported by aocore's AO host");
       }},
      {"_tzset_js",
       [this, oob](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         if (!guest_.WritePointer(cx, a[0], 0) || !guest_.WriteU32(cx, a[1], 0) ||
             !guest_.Write(cx, a[2], "UTC", 4) || !guest_.Write(cx, a[3], "UTC", 4)) {
           return oob();
         }
         return uint64_t{0};
       }},
      {"exit",
       [this](Cx, const std::vector<uint64_t>& a) -> HostResult {
         return Fail(HostFault::Kind::kExit, "the module called exit(" + std::to_string(I32(a[0])) + ")");
       }},
      {"_abort_js",
       [this](Cx, const std::vector<uint64_t>&) -> HostResult {
         return Fail(HostFault::Kind::kTrap, "the module called abort()");
       }},
      {"_emscripten_system",
       [](Cx, const std::vector<uint64_t>& a) -> HostResult {
         return static_cast<uint64_t>(static_cast<int64_t>(a[0] ? -kEnosys : 0));
       }},
      // emscripten's JS MEMFS holds no files for AOS: opens and path operations find nothing.
      {"__syscall_openat", errno_stub(-kEnoent)},
      {"__syscall_unlinkat", errno_stub(-kEnoent)},
      {"__syscall_rmdir", errno_stub(-kEnoent)},
      {"__syscall_renameat", errno_stub(-kEnoent)},
      {"__syscall_readlinkat", errno_stub(-kEnoent)},
      {"__syscall_dup3", errno_stub(-kEbadf)},
      {"__syscall_fcntl64",
       [](Cx, const std::vector<uint64_t>& a) -> HostResult {
         return static_cast<uint64_t>(static_cast<int64_t>(I32(a[0]) <= 2 && I32(a[0]) >= 0 ? 0 : -kEbadf));
       }},
      {"__syscall_ioctl",
       [](Cx, const std::vector<uint64_t>& a) -> HostResult {
         return static_cast<uint64_t>(static_cast<int64_t>(I32(a[0]) <= 2 && I32(a[0]) >= 0 ? 0 : -kEbadf));
       }},
      {"fd_write",
       [this, oob](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         // stdout/stderr go to the CU's console, not into the result: counted and dropped.
         const uint64_t ps = guest_.pointer_size();
         uint64_t total = 0;
         for (uint64_t i = 0; i < a[2]; ++i) {
           auto len = guest_.ReadPointer(cx, a[1] + i * 2 * ps + ps);
           if (!len) return oob();
           total += *len;
         }
         stdout_bytes_ += total;
         if (!guest_.WritePointer(cx, a[3], total)) return oob();
         return uint64_t{0};
       }},
      {"fd_read",
       [this, oob](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         if (!guest_.WritePointer(cx, a[3], 0)) return oob();
         return uint64_t{0};
       }},
      {"fd_close", errno_stub(0)},
      {"fd_seek", errno_stub(kEspipe)},
      {"environ_sizes_get",
       [this, oob](Cx cx, const std::vector<uint64_t>& a) -> HostResult {
         // ao-loader patches getEnvStrings() to return [].
         if (!guest_.WritePointer(cx, a[0], 0) || !guest_.WritePointer(cx, a[1], 0)) return oob();
         return uint64_t{0};
       }},
      {"environ_get", errno_stub(0)},
  };

  for (const ModuleItem& item : interface.imports) {
    const ImportSpec* spec = FindSpec(item.module, item.name);
    auto expected = spec ? ExpectedSignature(*spec, is_64) : std::nullopt;
    auto body = bodies.find(item.name);
    if (!expected || body == bodies.end()) {
      return Status::InvalidArgument("unsupported import " + item.module + "." + item.name);
    }
    const std::string results = expected->results;
    auto callback = [fn = body->second, results](wasmtime::Caller caller, wasmtime::Span<const wasmtime::Val> args,
                                                 wasmtime::Span<wasmtime::Val> out)
        -> wasmtime::Result<std::monostate, wasmtime::Trap> {
      std::vector<uint64_t> bits;
      bits.reserve(args.size());
      for (const wasmtime::Val& v : args) bits.push_back(ArgBits(v));
      auto r = fn(caller.context(), bits);
      if (!r) return r.err();
      if (!results.empty()) out[0] = ResultVal(results[0], r.ok());
      return std::monostate();
    };
    auto defined = linker.func_new(item.module, item.name, ToFuncType(*expected), std::move(callback));
    if (!defined) return Status::Internal("defining import " + item.name + ": " + defined.err().message());
  }
  return Status::OK();
}

wasmtime::TrapResult<uint64_t> EmscriptenHost::Start(Cx cx, wasmtime::Instance& instance) {
  guest_.Bind(cx, instance);
  if (auto r = guest_.Call(cx, "emscripten_stack_init", {}); !r) return r;
  auto end = guest_.Call(cx, "emscripten_stack_get_end", {});
  if (!end) return end;
  // writeStackCookie(): these words land in linear memory, hence in every snapshot.
  uint64_t max = end.ok();
  if (max == 0) max += 4;
  if (!guest_.WriteU32(cx, max, 0x02135467u) || !guest_.WriteU32(cx, max + 4, 0x89BACDFEu) ||
      !guest_.WriteU32(cx, 0, 0x63736d65u)) {
    return wasmtime::TrapError(wasmtime::Trap("stack cookie outside memory"));
  }
  return guest_.Call(cx, "__wasm_call_ctors", {});
}

wasmtime::TrapResult<std::string> EmscriptenHost::CallHandle(Cx cx, std::string_view msg, std::string_view env) {
  fault_.reset();
  longjmp_pending_ = false;
  asyncify_.Reset();
  auto sp = guest_.Call(cx, "emscripten_stack_get_current", {});
  if (!sp) return sp.err();
  uint64_t ptrs[2];
  const std::string_view args[2] = {msg, env};
  for (int i = 0; i < 2; ++i) {
    auto p = guest_.Call(cx, "_emscripten_stack_alloc", {args[i].size() + 1});
    if (!p) return p.err();
    ptrs[i] = p.ok();
    uint8_t* dst = guest_.At(cx, ptrs[i], args[i].size() + 1);
    if (!dst) return wasmtime::TrapError(wasmtime::Trap("message does not fit on the wasm stack"));
    std::memcpy(dst, args[i].data(), args[i].size());
    dst[args[i].size()] = 0;
  }
  auto ret = guest_.Call(cx, "handle", {ptrs[0], ptrs[1]});
  while (ret && asyncify_.unwinding()) {
    if (auto r = asyncify_.StartRewind(cx, guest_); !r) return r.err();
    ret = guest_.Call(cx, "handle", {ptrs[0], ptrs[1]});
  }
  if (!ret) return ret.err();
  auto text = guest_.CString(cx, ret.ok());
  if (!text) return wasmtime::TrapError(wasmtime::Trap("handle returned a pointer outside memory"));
  std::string out = ReplaceInvalidUtf8(*text);
  if (auto r = guest_.Call(cx, "_emscripten_stack_restore", {sp.ok()}); !r) return r.err();
  return out;
}

}  // namespace ao::wasm
