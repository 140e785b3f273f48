// emscripten's heap-growth policy (emscripten_resize_heap in the JS glue of ao-loader): the new
// linear-memory size for a requested size. The size reached is part of the memory a CU
// snapshots, so byte-compatibility needs the same arithmetic, including its double rounding.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>

namespace ao::wasm {

inline constexpr uint64_t kWasmPageSize = 65536;
// The glue's getHeapMax(): 16 GiB for wasm64 builds, 4 GiB less one page for wasm32.
inline constexpr uint64_t kHeapMax64 = 17179869184ull;
inline constexpr uint64_t kHeapMax32 = 4294901760ull;

// The size in bytes the glue tries on attempt `cut` (1, 2 or 4) to satisfy `requested` bytes when
// memory has `old_size` bytes: overgrow by 20%/cut, at most 96 MiB past the request, rounded up
// to a page, capped at `heap_max`. nullopt when `requested` exceeds `heap_max`.
std::optional<uint64_t> HeapGrowthTarget(uint64_t old_size, uint64_t requested, int cut,
                                         uint64_t heap_max);

}  // namespace ao::wasm
