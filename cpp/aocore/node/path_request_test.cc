#include "aocore/node/path_request.h"

#include <gtest/gtest.h>

#include "aocore/message/commitment.h"
#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao {
namespace {

const std::string kId = "e5ohB7TgMYRoc0BLllkmAqkqLy1SrliEkOPJlNPXBQ8";

const Message& StepMessage(const ResolveStep& step) {
  EXPECT_TRUE(step.value.is_message());
  return step.value.message();
}

TEST(PathRequest, KeysBecomeStepsOnAnEmptyBaseWithGlobalKeysInEach) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/a/b/c", Message{{"test-key", "v"}});
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 4u);  // {} base + a, b, c
  EXPECT_EQ(StepMessage((*steps)[0]), (Message{{"test-key", "v"}}));
  EXPECT_EQ(StepMessage((*steps)[1]), (Message{{"path", "a"}, {"test-key", "v"}}));
  EXPECT_EQ(StepMessage((*steps)[3]), (Message{{"path", "c"}, {"test-key", "v"}}));
}

TEST(PathRequest, FirstIdSegmentIsTheBaseAndGetsNoGlobalKeys) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/" + kId + "/slot?x=1");
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  ASSERT_TRUE((*steps)[0].value.is_binary());
  EXPECT_EQ((*steps)[0].value.binary(), kId);
  EXPECT_EQ(StepMessage((*steps)[1]), (Message{{"path", "slot"}, {"x", "1"}}));
}

TEST(PathRequest, QueryIsPercentAndFormDecodedTypedAndWinsOverParams) {
  Result<std::vector<ResolveStep>> steps =
      ParsePathRequest("/k?a=x%2Fy+z&n+integer=42&f+float=1.5&flag&at+atom=ok", Message{{"a", "param"}, {"p", "2"}});
  ASSERT_OK(steps);
  const Message& m = StepMessage(steps->back());
  EXPECT_EQ(m.FindBinary("a")->c_str(), std::string("x/y z"));
  EXPECT_EQ(m.Find("n")->integer(), 42);
  EXPECT_DOUBLE_EQ(m.Find("f")->floating(), 1.5);
  EXPECT_TRUE(m.Find("flag")->is_true());
  EXPECT_TRUE(m.Find("at")->IsAtom("ok"));
  EXPECT_EQ(*m.FindBinary("p"), "2");
}

TEST(PathRequest, BareDeviceSegmentSwapsTheBaseDevice) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/~meta@1.0/info");
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].kind, ResolveStep::Kind::kAs);
  EXPECT_EQ((*steps)[0].device.binary(), "meta@1.0");
  EXPECT_FALSE(StepMessage((*steps)[0]).Contains("path"));
  EXPECT_EQ(*StepMessage((*steps)[1]).FindBinary("path"), "info");
}

TEST(PathRequest, DeviceAfterAKeySwapsTheDeviceForThatStep) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/" + kId + "/now~process@1.0&k=v");
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[1].kind, ResolveStep::Kind::kAs);
  EXPECT_EQ((*steps)[1].device.binary(), "process@1.0");
  EXPECT_EQ(StepMessage((*steps)[1]), (Message{{"k", "v"}, {"path", "now"}}));
}

TEST(PathRequest, InlineKeysApplyToTheirSegmentOnly) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/a/b&k1=v1/c&k2=v2/d=4/e+integer=5");
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 6u);
  EXPECT_EQ(StepMessage((*steps)[2]), (Message{{"k1", "v1"}, {"path", "b"}}));
  EXPECT_EQ(StepMessage((*steps)[3]), (Message{{"k2", "v2"}, {"path", "c"}}));
  EXPECT_EQ(StepMessage((*steps)[4]), (Message{{"d", "4"}, {"path", "d"}}));
  EXPECT_EQ(StepMessage((*steps)[5]), (Message{{"e", 5}, {"path", "e"}}));
}

TEST(PathRequest, QuotedInlineValuesKeepTheirSlashes) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/~profile@1.0/eval=%22~meta@1.0/info%22");
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ(*StepMessage((*steps)[1]).FindBinary("eval"), "~meta@1.0/info");
}

TEST(PathRequest, AKeyGivenAPathArgumentTakesTheIntegerSegmentAfterIt) {
  const std::vector<PathArgument> arguments{{"run", "times"}};
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/" + kId + "/run/3", {}, arguments);
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ(StepMessage((*steps)[1]), (Message{{"path", "run"}, {"times", 3}}));
  // Only an integer segment, and only after that key.
  steps = ParsePathRequest("/" + kId + "/run/x/walk/3", {}, arguments);
  ASSERT_OK(steps);
  EXPECT_EQ(steps->size(), 5u);
  // The parser knows no device's keys: without arguments every segment is a step of its own.
  steps = ParsePathRequest("/" + kId + "/compute/3");
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ(StepMessage((*steps)[2]), (Message{{"path", "3"}}));
}

TEST(PathRequest, TheNodesPathsTakeProcessComputeSlots) {
  Result<std::unique_ptr<Node>> node = Node::Open(*NodeOptions::Parse(Message{}), ::ao::testing::SharedTestWallet());
  ASSERT_OK(node);
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("/" + kId + "/compute/3", {}, (*node)->path_arguments());
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ(StepMessage((*steps)[1]), (Message{{"path", "compute"}, {"slot", 3}}));
  steps = ParsePathRequest("/" + kId + "/compute?slot=3");
  ASSERT_OK(steps);
  EXPECT_EQ(*StepMessage((*steps)[1]).FindBinary("slot"), "3");  // as the reference: a binary
}

TEST(PathRequest, MalformedPathsAreInvalidArguments) {
  EXPECT_TRUE(ParsePathRequest("/").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/" + std::string(kMaxSegmentLength + 1, 'a')).status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a%zz").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a%4").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a?n+integer=x").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a/(b/c)").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a?2.key=v").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a?k+weird=v").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/~").status().IsInvalidArgument());
}

// docs/http.md: N-scoped keys are a 400 wherever they appear, also as a path segment (issue 18).
TEST(PathRequest, NScopedKeysAreRefusedAsSegmentsToo) {
  Status s = ParsePathRequest("/a/2.key").status();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("N-scoped"), std::string::npos) << s.ToString();
  EXPECT_TRUE(ParsePathRequest("/a/2.key~message@1.0").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a/b&2.k=1").status().IsInvalidArgument());
  EXPECT_TRUE(ParsePathRequest("/a/b.2").ok());  // a dot after a non-number is a plain key
}

TEST(PathRequest, EmptySegmentsAreDropped) {
  Result<std::vector<ResolveStep>> steps = ParsePathRequest("//a///b/");
  ASSERT_OK(steps);
  EXPECT_EQ(steps->size(), 3u);
}

TEST(ResolvePath, ReadsStoredMessagesAndResolvesKeysOnThem) {
  Result<std::unique_ptr<Node>> node = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
  ASSERT_OK(node);
  Message m{{"greeting", "hello"}, {"inner", Value(Message{{"n", 7}})}};
  Result<std::string> id = (*node)->Write(m);
  ASSERT_OK(id);
  const ResolveOptions& opts = (*node)->DefaultResolveOptions();
  Result<ResolveResult> whole = ResolvePath(**node, "/" + *id, {}, opts);
  ASSERT_OK(whole);
  EXPECT_EQ(whole->value.message(), m);
  Result<ResolveResult> nested = ResolvePath(**node, "/" + *id + "/inner/n", {}, opts);
  ASSERT_OK(nested);
  EXPECT_EQ(nested->value.integer(), 7);
  Result<ResolveResult> missing = ResolvePath(**node, "/" + kId + "/x", {}, opts);
  EXPECT_TRUE(missing.status().IsNotFound());
  Result<ResolveResult> info = ResolvePath(**node, "/~meta@1.0/info", {}, opts);
  ASSERT_OK(info);
  ASSERT_TRUE(info->ok());
  EXPECT_EQ(*info->value.message().FindBinary("address"), (*node)->address());
  EXPECT_EQ(*info->value.message().FindBinary("version"), AOCORE_VERSION);
}

TEST(ResolvePath, SchedulerFormsScheduleAndReadTheSlot) {
  Result<std::unique_ptr<Node>> node = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
  ASSERT_OK(node);
  Message process{{"type", "Process"}, {"scheduler", Value((*node)->address())}, {"device", "process@1.0"}};
  Result<Message> signed_process = Commit(process, (*node)->wallet());
  ASSERT_OK(signed_process);
  const ResolveOptions& opts = (*node)->DefaultResolveOptions();
  Result<ResolveResult> spawned = ResolvePath(**node, "/~scheduler@1.0/schedule",
                                              Message{{"method", "POST"}, {"body", Value(*signed_process)}}, opts);
  ASSERT_OK(spawned);
  ASSERT_TRUE(spawned->ok()) << spawned->DebugString();
  const std::string pid = *spawned->value.message().FindBinary("process");
  Result<ResolveResult> slot = ResolvePath(**node, "/~scheduler@1.0/slot?target=" + pid, {}, opts);
  ASSERT_OK(slot);
  ASSERT_TRUE(slot->ok()) << slot->DebugString();
  EXPECT_EQ(slot->value.message().Find("current")->integer(), 0);
}

}  // namespace
}  // namespace ao
