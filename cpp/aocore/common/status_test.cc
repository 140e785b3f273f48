#include "aocore/common/status.h"

#include <gtest/gtest.h>

#include "aocore/common/result.h"

namespace ao {
namespace {

TEST(Status, OkByDefaultAndPrintsOK) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ErrorsCarryCodeAndMessage) {
  Status s = Status::NotFound("no such key");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_FALSE(s.IsInvalidArgument());
  EXPECT_EQ(s.ToString(), "NotFound: no such key");
  EXPECT_EQ(s.WithContext("read a").ToString(), "NotFound: read a: no such key");
}

TEST(Status, CopiesCompareEqual) {
  Status a = Status::Corruption("bad");
  Status b = a;
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == Status::Corruption("other"));
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  AO_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, InvalidSignatureIsAnInvalidArgumentToldApartByItsReasonNotItsText) {
  Status s = Status::InvalidSignature("Message is not valid: bad signature");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(s.IsInvalidSignature());
  EXPECT_EQ(s.ToString(), "InvalidArgument: Message is not valid: bad signature");
  EXPECT_TRUE(s.WithContext("scheduling").IsInvalidSignature());
  EXPECT_FALSE(Status::InvalidArgument("Message is not valid: bad signature").IsInvalidSignature());
  EXPECT_FALSE(Status::OK().IsInvalidSignature());
}

TEST(Result, PropagatesErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_TRUE(Quarter(6).status().IsInvalidArgument());
  Result<int> r = Status::OK();  // an OK status without a value is a programming error
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInternal());
}

}  // namespace
}  // namespace ao
