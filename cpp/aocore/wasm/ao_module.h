// AoModule: an AO process module (an ao dev-cli/emscripten build such as AOS 2) compiled for
// aocore's Wasmtime host, the counterpart of `AoLoader(binary, {format})` in @permaweb/ao-loader.
// Loading checks the Module-Format against what the module is (memory64 or not) and that every
// import is one the host provides, so an unsupported module fails here with a clear error
// rather than trapping later. Instances (AoInstance) are made from it.
//
// Thread-safety: immutable after Load; Instantiate may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <wasmtime.hh>

#include "aocore/common/result.h"
#include "aocore/wasm/emscripten_host.h"
#include "aocore/wasm/module_interface.h"

namespace ao::wasm {

class AoInstance;

// The Module-Format values aocore runs (ao-loader's names).
inline constexpr std::string_view kFormatWasm64 = "wasm64-unknown-emscripten-draft_2024_02_15";
inline constexpr std::string_view kFormatWasm32 = "wasm32-unknown-emscripten4";

struct InstanceOptions {
  // A linear-memory image to start from (ao-loader's `buffer`, a CU checkpoint); none: boot fresh.
  std::optional<std::string> memory{};
  // The same without a copy, when `memory` is unset: an image the caller keeps alive until the
  // instance is created (it keeps only the image's non-zero pages).
  std::string_view memory_view{};
  // Or, when neither is set and `memory_pieces` is, an image of `memory_size` bytes given in
  // pieces, never assembled: memory_pieces(put) calls put(offset, bytes) for its non-zero parts,
  // at ascending offsets that are multiples of 4 KiB (a chunked binary read with
  // ContentCache::VisitBinary); every byte no piece covers is zero. An error of `put` (a piece out
  // of order or beyond the size) must be returned by memory_pieces.
  using MemoryPut = std::function<Status(uint64_t offset, std::string_view bytes)>;
  std::function<Status(const MemoryPut& put)> memory_pieces{};
  uint64_t memory_size = 0;
  // The next value of the Date.now counter (kFirstClockValue for a fresh ao-loader instance).
  int64_t clock = kFirstClockValue;
  // CPU time one handle call may use, in milliseconds (checked every kEpochTick); 0: unlimited.
  uint64_t compute_limit_ms = 0;
  // Largest linear memory in bytes (below the module's own maximum); 0: the module's maximum.
  uint64_t memory_limit = 0;
};

class AoModule : public std::enable_shared_from_this<AoModule> {
 public:
  // Compiles (or loads from the cache) `wasm` for `format`. InvalidArgument for an unsupported
  // format (e.g. the -metering ones), a format that does not match the module, an invalid module
  // or an import the host does not provide.
  static Result<std::shared_ptr<AoModule>> Load(std::string_view wasm, std::string_view format,
                                                const std::string& cache_dir);

  Result<std::unique_ptr<AoInstance>> Instantiate(InstanceOptions options) const;

  const std::string& format() const { return format_; }
  bool is_64() const { return is_64_; }
  const ModuleInterface& interface() const { return interface_; }
  const wasmtime::Module& compiled() const { return module_; }
  // The module's own maximum memory in bytes.
  uint64_t max_memory_bytes() const;

 private:
  AoModule(wasmtime::Module module, ModuleInterface interface, std::string format, bool is_64)
      : module_(std::move(module)), interface_(std::move(interface)), format_(std::move(format)), is_64_(is_64) {}

  wasmtime::Module module_;
  ModuleInterface interface_;
  std::string format_;
  bool is_64_;
};

}  // namespace ao::wasm
