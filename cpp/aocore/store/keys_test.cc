#include "aocore/store/keys.h"

#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

TEST(StorePaths, JoinDropsEmptySegmentsAndStraySlashes) {
  EXPECT_EQ(JoinPath({"a", "", "/b/"}), "a/b");
  EXPECT_EQ(JoinPath({"/a//b/", "c"}), "a/b/c");
  EXPECT_EQ(JoinPath({}), "");
  EXPECT_EQ(SplitPath("//a///b/"), (std::vector<std::string>{"a", "b"}));
}

TEST(StorePaths, NormalizeRejectsDotSegments) {
  EXPECT_EQ(*NormalizePath("/x//y/"), "x/y");
  EXPECT_TRUE(NormalizePath("a/../b").status().IsInvalidArgument());
  EXPECT_TRUE(NormalizePath("./a").status().IsInvalidArgument());
  EXPECT_EQ(*NormalizePath("a/.b/..c"), "a/.b/..c");  // only exact "." and ".." are special
}

TEST(StorePaths, ParentAndBaseName) {
  EXPECT_EQ(ParentPath("a/b/c"), "a/b");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(ParentPath("a"), "");
  EXPECT_EQ(BaseName("a"), "a");
}

TEST(SlotEncoding, RoundTripsAndHasFixedWidth) {
  for (uint64_t slot : {uint64_t{0}, uint64_t{1}, uint64_t{9}, uint64_t{10}, uint64_t{123456789},
                        UINT64_MAX}) {
    std::string name = EncodeSlot(slot);
    EXPECT_EQ(name.size(), kSlotWidth);
    ASSERT_OK(DecodeSlot(name));
    EXPECT_EQ(*DecodeSlot(name), slot);
  }
  EXPECT_EQ(EncodeSlot(7), "00000000000000000007");
}

TEST(SlotEncoding, DecodeRejectsAnythingElse) {
  EXPECT_TRUE(DecodeSlot("7").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeSlot("0000000000000000000x").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeSlot("99999999999999999999").status().IsInvalidArgument());  // > UINT64_MAX
  EXPECT_TRUE(DecodeSlot("-0000000000000000001").status().IsInvalidArgument());
  EXPECT_TRUE(DecodeSlot("").status().IsInvalidArgument());
}

TEST(SlotEncoding, BytewiseOrderEqualsNumericOrder) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> slots = {0, 1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, UINT64_MAX - 1,
                                 UINT64_MAX};
  for (int i = 0; i < 2000; ++i) slots.push_back(rng() >> (rng() % 64));
  std::vector<std::string> names;
  for (uint64_t s : slots) names.push_back(EncodeSlot(s));
  std::sort(slots.begin(), slots.end());
  std::sort(names.begin(), names.end());  // std::string compares bytewise (char_traits)
  ASSERT_EQ(names.size(), slots.size());
  for (size_t i = 0; i < slots.size(); ++i) EXPECT_EQ(*DecodeSlot(names[i]), slots[i]);
}

TEST(SlotEncoding, LatestSlotIsTheNumericMaximumAndIgnoresOtherNames) {
  MemoryStore store;
  EXPECT_EQ(*LatestSlot(store, AssignmentsGroup("P")), std::nullopt);  // no group yet
  for (uint64_t slot : {3, 10, 9, 100, 2}) {
    ASSERT_OK(store.Write(AssignmentPath("P", slot), "x"));
  }
  ASSERT_OK(store.Write(AssignmentsGroup("P") + "/latest", "100"));
  EXPECT_EQ(*LatestSlot(store, AssignmentsGroup("P")), std::optional<uint64_t>(100));
  EXPECT_EQ(*LatestSlot(store, AssignmentsGroup("Q")), std::nullopt);
}

TEST(StoreLayout, ReferencePathsUseEncodedSlots) {
  EXPECT_EQ(AssignmentPath("pid", 5), "assignments/pid/00000000000000000005");
  EXPECT_EQ(ComputedSlotPath("pid", 5), "computed/pid/slot/00000000000000000005");
  EXPECT_EQ(ComputedIdPath("pid", "mid"), "computed/pid/mid");
  EXPECT_EQ(DataPath("h"), "data/h");
}

}  // namespace
}  // namespace ao
