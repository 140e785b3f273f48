#include "aocore/wasm/heap_growth.h"

#include <algorithm>

namespace ao::wasm {

std::optional<uint64_t> HeapGrowthTarget(uint64_t old_size, uint64_t requested, int cut,
                                         uint64_t heap_max) {
  if (requested > heap_max) return std::nullopt;
  // The JS computes in doubles: overGrownHeapSize = oldSize * (1 + 0.2 / cutDown), then
  // Math.min(overGrown, requestedSize + 100663296), Math.max(requestedSize, that), alignMemory.
  double over = static_cast<double>(old_size) * (1 + 0.2 / cut);
  over = std::min(over, static_cast<double>(requested) + 100663296.0);
  auto want = static_cast<uint64_t>(std::max(static_cast<double>(requested), over));
  want += (kWasmPageSize - want % kWasmPageSize) % kWasmPageSize;
  return std::min(want, heap_max);
}

}  // namespace ao::wasm
