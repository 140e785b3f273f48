#include "aocore/message/deep_hash.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"

namespace ao {
namespace {

TEST(DeepHash, BlobIsTaggedWithItsLength) {
  // blob(b) = H(H("blob" ++ len) ++ H(b)), written out with the plain hash.
  const std::string b = "hello";
  EXPECT_EQ(DeepHashBlob(b), Sha384(Sha384("blob5") + Sha384(b)));
  EXPECT_EQ(DeepHashBlob("").size(), 48u);
  EXPECT_NE(DeepHashBlob("a"), DeepHashBlob("b"));
}

TEST(DeepHash, ListFoldsFromItsTaggedLength) {
  const Bytes a = DeepHashBlob("a");
  const Bytes b = DeepHashBlob("b");
  Bytes acc = Sha384("list2");
  acc = Sha384(acc + a);
  acc = Sha384(acc + b);
  EXPECT_EQ(DeepHashList({a, b}), acc);
  EXPECT_EQ(DeepHashList({}), Sha384("list0"));
  EXPECT_EQ(DeepHashBlobs({"a", "b"}), acc);
  // Order matters, and a nested list differs from the flat one.
  EXPECT_NE(DeepHashBlobs({"b", "a"}), acc);
  EXPECT_NE(DeepHashList({DeepHashList({a}), b}), acc);
}

TEST(DeepHash, LengthIsDecimalAscii) {
  const std::string b(12, 'x');
  EXPECT_EQ(DeepHashBlob(b), Sha384(Sha384("blob12") + Sha384(b)));
}

}  // namespace
}  // namespace ao
