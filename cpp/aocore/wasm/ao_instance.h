// AoInstance: one live instance of an AoModule, the counterpart of the `handle` function that
// ao-loader returns: Handle(msg, env) runs one message with the CU's JSON strings and returns
// the module's result string, byte for byte what ao-loader's module call returns, leaving the
// linear memory byte for byte as ao-loader's. Memory() is the image a CU checkpoints.
//
// Limits: a per-call compute limit (CPU time of the call, checked at each epoch tick of the
// runtime's ticker: Wasmtime epoch interruption) and a memory limit. A call that traps (the
// compute limit, an unsupported WeaveDrive read, abort) returns an error text instead of a
// result and puts the instance back at its checkpoint: the memory and clock it was created with,
// or those of the last Checkpoint() call. A message that returns an Error result is not rolled
// back (ao-loader keeps its memory; the CU drops it, which is the caller's choice).
//
// The checkpoint keeps only the memory's non-zero 4 KiB pages (an AOS memory of 105 MiB has
// about 2 MiB of them), and (re)starting from it writes only those pages and clears the few
// that booting dirtied: the untouched rest of a new linear memory is never faulted in. Which
// pages were ever written is asked of the kernel (resident_pages.h), so neither reads the
// never-written pages either.
//
// Thread-safety: not thread-safe; one thread at a time may use an instance.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <wasmtime.hh>

#include "aocore/common/result.h"
#include "aocore/wasm/ao_module.h"
#include "aocore/wasm/emscripten_host.h"

namespace ao::wasm {

struct HandleOutcome {
  std::string raw;                   // the module's {"ok":...,"response":...} text (valid UTF-8)
  std::optional<HostFault> trapped;  // set when the call trapped: raw is empty, state rolled back
};

class AoInstance {
 public:
  static Result<std::unique_ptr<AoInstance>> Create(std::shared_ptr<const AoModule> module,
                                                    InstanceOptions options);
  ~AoInstance();

  // Runs one message. An error Status only when the instance could not be put back after a
  // trap (it is then unusable: kClosed on later calls).
  Result<HandleOutcome> Handle(std::string_view msg, std::string_view env);

  // A copy of the linear memory, and a view of it valid until the next call (empty once the
  // instance is unusable).
  std::string Memory();
  std::string_view MemoryView();
  // The next Date.now counter value (give it to InstanceOptions::clock with Memory()).
  int64_t clock() const;
  uint64_t stdout_bytes() const;
  // Makes the current memory and clock the state a trap returns to (a scan of the memory and a
  // copy of its non-zero pages).
  void Checkpoint();
  // Puts the instance back at its checkpoint now, as after a trap (a new store; no copy of the
  // current memory is made). An error Status when it cannot (the instance is then unusable).
  Status Reset();
  // Sets the next Date.now counter value (e.g. kFirstClockValue, as a CU's new instance has).
  void SetClock(int64_t clock);
  // Bytes this instance holds: its linear memory and its checkpoint's pages.
  uint64_t ResidentBytes();

  const AoModule& module() const { return *module_; }

 private:
  AoInstance(std::shared_ptr<const AoModule> module, InstanceOptions options);
  // (Re)creates the store and instance, boots it, and loads the checkpoint memory if any.
  Status Start();

  // A memory image without its zero pages: `size` bytes, of which the 4 KiB pages at `offsets`
  // (ascending) hold `pages` (4 KiB each, in the same order) and every other page is zero.
  // Emplaced as `emplace(SparseImage{})`: clang (the fuzz build) finds no default constructor for
  // a nested struct with member initializers in std::optional<> inside the enclosing class.
  struct SparseImage {
    uint64_t size = 0;
    std::vector<uint64_t> offsets;
    std::string pages;
  };
  static void Capture(std::string_view memory, SparseImage& into);
  // Adds the non-zero pages of `bytes`, which sit at `offset` (4 KiB-aligned, after every page
  // `into` holds) in the image.
  static void CapturePages(std::string_view bytes, uint64_t offset, SparseImage& into);
  // The same for the pages of bytes[from, to) (`from` 4 KiB-aligned).
  static void CaptureRange(std::string_view bytes, uint64_t from, uint64_t to, uint64_t offset, SparseImage& into);

  std::shared_ptr<const AoModule> module_;
  InstanceOptions options_;  // .clock is the checkpoint's; .memory is moved into checkpoint_
  std::optional<SparseImage> checkpoint_;  // none: the freshly booted state
  std::unique_ptr<wasmtime::Store> store_;
  std::unique_ptr<EmscriptenHost> host_;
  std::unique_ptr<wasmtime::Linker> linker_;
  std::optional<wasmtime::Instance> instance_;
  bool broken_ = true;  // set until Start() completes, and after a failed rebuild
  // The running call's compute limit: its thread's CPU time at the start (ns), and whether the
  // epoch deadline callback stopped it.
  bool limiting_ = false;
  uint64_t call_cpu_start_ns_ = 0;
  bool limit_hit_ = false;
};

}  // namespace ao::wasm
