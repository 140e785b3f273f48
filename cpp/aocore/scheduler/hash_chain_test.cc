// The hash-chain rule and its canonical form across a restart.
#include "aocore/scheduler/hash_chain.h"

#include <string>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

// The placeholder IDs of the spec's worked example.
const std::string kM0 = [] {
  std::string s;
  for (int i = 0; i < 21; ++i) s += "M0";
  return s + "M";
}();
const std::string kM1 = [] {
  std::string s;
  for (int i = 0; i < 21; ++i) s += "M1";
  return s + "M";
}();
constexpr char kHc0[] = "S6p7tSpfJiVFY8cRNrUEl17CgX67LgqK6k5adUBy4L8";
constexpr char kHc1[] = "f6B5SUDLitszrITBo8BAZiPtUjs-VfzlhtS1dsSPb-s";
// What the reference computes for slot 1 when it restarted after slot 0 (its bug).
constexpr char kHc1ReferenceAfterRestart[] = "770rz8WMsX-CB278a4wasfTYByY94Pog_ohqREPQ8rc";

TEST(HashChain, FirstLinkHashesOnlyTheMessageIdText) {
  ASSERT_EQ(kM0.size(), 43u);
  HashChain initial;
  EXPECT_TRUE(initial.initial());
  EXPECT_EQ(initial.Text(), "");
  Result<HashChain> hc0 = initial.Next(kM0);
  ASSERT_OK(hc0);
  EXPECT_EQ(hc0->Text(), kHc0);
  EXPECT_EQ(hc0->raw().size(), 32u);
}

TEST(HashChain, LaterLinksHashTheRawPreviousDigest) {
  Result<HashChain> hc1 = HashChain().Next(kM0)->Next(kM1);
  ASSERT_OK(hc1);
  EXPECT_EQ(hc1->Text(), kHc1);
}

TEST(HashChain, ChainRecoveredFromStoredTextContinuesByteIdentically) {
  // A restart after slot 0 recovers the stored text; the next link must equal the
  // uninterrupted chain, not the reference's 43+43-byte variant.
  Result<HashChain> recovered = HashChain::FromStored(kHc0);
  ASSERT_OK(recovered);
  EXPECT_EQ(*recovered, *HashChain().Next(kM0));
  Result<HashChain> hc1 = recovered->Next(kM1);
  ASSERT_OK(hc1);
  EXPECT_EQ(hc1->Text(), kHc1);
  EXPECT_NE(hc1->Text(), kHc1ReferenceAfterRestart);
}

TEST(HashChain, EmptyStoredTextIsTheInitialState) {
  Result<HashChain> chain = HashChain::FromStored("");
  ASSERT_OK(chain);
  EXPECT_TRUE(chain->initial());
}

TEST(HashChain, DamagedStoredTextIsCorruption) {
  EXPECT_TRUE(HashChain::FromStored("short").status().IsCorruption());
  EXPECT_TRUE(HashChain::FromStored(std::string(43, '*')).status().IsCorruption());
  EXPECT_TRUE(HashChain::FromStored(std::string(kHc0) + "A").status().IsCorruption());
}

TEST(HashChain, InputMustBeAnIdText) {
  EXPECT_TRUE(HashChain().Next("").status().IsInvalidArgument());
  EXPECT_TRUE(HashChain().Next(std::string(32, 'x')).status().IsInvalidArgument());
  EXPECT_TRUE(HashChain().Next(std::string(42, 'A') + "=").status().IsInvalidArgument());
}

TEST(HashChain, VerifyFindsTheFirstTamperedLink) {
  std::vector<ChainLink> links = {{kM0, kHc0}, {kM1, kHc1}};
  EXPECT_OK(VerifyHashChain(HashChain(), links));
  links[1].message_id = kM0;
  Status s = VerifyHashChain(HashChain(), links);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("link 1"), std::string::npos) << s.ToString();
  // Verification can start from a recovered state.
  EXPECT_OK(VerifyHashChain(*HashChain::FromStored(kHc0), {{kM1, kHc1}}));
}

}  // namespace
}  // namespace ao
