#include "aocore/wasm/heap_growth.h"

#include <gtest/gtest.h>

namespace ao::wasm {
namespace {

TEST(HeapGrowthTargetTest, AosBootGrowthMatchesAoLoader) {
  // aos2_0_6 boots at 1088 pages and ao-loader grows it once, to 1679 pages (110,034,944 bytes),
  // for the 40 MiB Asyncify buffer: the request itself wins over the 20% overgrowth here.
  const uint64_t old_size = 1088 * kWasmPageSize;
  const uint64_t requested = 110034944 - 12345;
  EXPECT_EQ(HeapGrowthTarget(old_size, requested, 1, kHeapMax64), 110034944u);
}

TEST(HeapGrowthTargetTest, SmallRequestOvergrowsByTwentyPercentThenLess) {
  const uint64_t old_size = 100 * kWasmPageSize;
  EXPECT_EQ(HeapGrowthTarget(old_size, old_size + 1, 1, kHeapMax64), 120 * kWasmPageSize);
  EXPECT_EQ(HeapGrowthTarget(old_size, old_size + 1, 2, kHeapMax64), 110 * kWasmPageSize);
  EXPECT_EQ(HeapGrowthTarget(old_size, old_size + 1, 4, kHeapMax64), 105 * kWasmPageSize);
}

TEST(HeapGrowthTargetTest, OvergrowthIsCappedAt96MiBPastTheRequest) {
  const uint64_t old_size = 4096ull * 1024 * 1024;  // 4 GiB: 20% would be 819 MiB
  const uint64_t requested = old_size + 1;
  const uint64_t expected = ((requested + 100663296 + kWasmPageSize - 1) / kWasmPageSize) * kWasmPageSize;
  EXPECT_EQ(HeapGrowthTarget(old_size, requested, 1, kHeapMax64), expected);
}

TEST(HeapGrowthTargetTest, RequestsBeyondTheHeapMaximumFailAndTargetsAreCapped) {
  EXPECT_EQ(HeapGrowthTarget(kWasmPageSize, kHeapMax32 + 1, 1, kHeapMax32), std::nullopt);
  EXPECT_EQ(HeapGrowthTarget(kHeapMax32 - kWasmPageSize, kHeapMax32, 1, kHeapMax32), kHeapMax32);
}

}  // namespace
}  // namespace ao::wasm
