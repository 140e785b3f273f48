#include "aocore/node/node_options.h"

#include <gtest/gtest.h>

#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao {
namespace {

TEST(NodeOptions, DefaultsFollowTheReference) {
  Result<NodeOptions> o = NodeOptions::Parse(Message{});
  ASSERT_OK(o);
  EXPECT_EQ(o->scheduling_mode, SchedulingMode::kLocalConfirmation);
  EXPECT_EQ(o->process_cache_frequency, 1);
  EXPECT_TRUE(o->process_workers);
  EXPECT_EQ(o->hashpath, HashpathMode::kUpdate);
  EXPECT_GE(o->threads, 2);
}

TEST(NodeOptions, ParsesKnownOptions) {
  Result<NodeOptions> o = NodeOptions::Parse(Message{{"scheduling_mode", "aggressive"},
                                                     {"process_cache_frequency", 5},
                                                     {"process_workers", false},
                                                     {"hashpath", "ignore"},
                                                     {"threads", 3}});
  ASSERT_OK(o);
  EXPECT_EQ(o->scheduling_mode, SchedulingMode::kAggressive);
  EXPECT_EQ(o->process_cache_frequency, 5);
  EXPECT_FALSE(o->process_workers);
  EXPECT_EQ(o->hashpath, HashpathMode::kIgnore);
  EXPECT_EQ(o->threads, 3);
}

TEST(NodeOptions, UnknownOptionOrBadValueIsAnErrorNamingIt) {
  Result<NodeOptions> unknown = NodeOptions::Parse(Message{{"schedulng_mode", "aggressive"}});
  ASSERT_TRUE(unknown.status().IsInvalidArgument());
  EXPECT_NE(unknown.status().message().find("schedulng_mode"), std::string::npos);
  Result<NodeOptions> bad = NodeOptions::Parse(Message{{"process_cache_frequency", 0}});
  ASSERT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("process_cache_frequency"), std::string::npos);
  EXPECT_TRUE(NodeOptions::Parse(Message{{"scheduling_mode", "fast"}}).status().IsInvalidArgument());
  EXPECT_TRUE(NodeOptions::Parse(Message{{"process_workers", 1}}).status().IsInvalidArgument());
  EXPECT_TRUE(NodeOptions::Parse(Message{{"default_execution_device", "genesis"}}).status().IsInvalidArgument());
  EXPECT_EQ(NodeOptions::Parse(Message{{"default_execution_device", "genesis-wasm@1.0"}})->default_execution_device,
            "genesis-wasm@1.0");
}

TEST(NodeOptions, PeersMapAddressesToHttpUrls) {
  const std::string address(43, 'a');
  Result<NodeOptions> o = NodeOptions::Parse(Message{{"peers", Value(Message{{address, "http://127.0.0.1:9"}})},
                                                     {"scheduler_follow_redirects", Value(false)}});
  ASSERT_OK(o);
  ASSERT_EQ(o->peers.size(), 1u);
  EXPECT_EQ(o->peers.at(address), "http://127.0.0.1:9");
  EXPECT_FALSE(o->scheduler_follow_redirects);
  EXPECT_TRUE(NodeOptions::Parse(Message{}).value().scheduler_follow_redirects);
  for (const Value& bad : {Value("http://127.0.0.1:9"), Value(Message{{"short", "http://127.0.0.1:9"}}),
                           Value(Message{{address, "https://127.0.0.1:9"}}), Value(Message{{address, Value(int64_t{9})}})}) {
    Result<NodeOptions> r = NodeOptions::Parse(Message{{"peers", bad}});
    ASSERT_TRUE(r.status().IsInvalidArgument()) << bad.DebugString();
    EXPECT_NE(r.status().message().find("peers"), std::string::npos);
  }
}

TEST(NodeOptions, PeersWithoutATransportCannotOpenANode) {
  NodeOptions options = NodeOptions::Parse(Message{{"peers", Value(Message{{std::string(43, 'a'), "http://h:1"}})}}).value();
  EXPECT_TRUE(Node::Open(options).status().IsInvalidArgument());
}

}  // namespace
}  // namespace ao
