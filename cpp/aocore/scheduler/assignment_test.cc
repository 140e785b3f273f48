// The assignment message's exact fields and types.
#include "aocore/scheduler/assignment.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

AssignmentFields SampleFields() {
  AssignmentFields f;
  f.process_id = std::string(43, 'P');
  f.slot = 7;
  f.timestamp_ms = 1700000000123;
  f.block = BlockInfo{1500000, 1699999999, std::string(43, 'B')};
  f.hash_chain = std::string(43, 'H');
  f.body = Message{{"type", "Message"}, {"data", "hello"}};
  return f;
}

TEST(Assignment, HasExactlyTheReferenceFieldsAndTypes) {
  Message a = BuildAssignment(SampleFields());
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"block-hash", "block-height", "block-timestamp", "body",
                                         "data-protocol", "epoch", "hash-chain", "path",
                                         "process", "slot", "timestamp", "variant"}));
  EXPECT_EQ(*a.Find("data-protocol"), Value("ao"));
  EXPECT_EQ(*a.Find("variant"), Value("ao.N.1"));
  EXPECT_EQ(*a.Find("epoch"), Value("0"));  // a string, as the reference
  EXPECT_TRUE(a.Find("epoch")->is_binary());
  EXPECT_EQ(*a.Find("slot"), Value(int64_t{7}));
  EXPECT_EQ(*a.Find("timestamp"), Value(int64_t{1700000000123}));
  EXPECT_EQ(*a.Find("block-height"), Value(int64_t{1500000}));
  EXPECT_EQ(*a.Find("block-timestamp"), Value(int64_t{1699999999}));
  EXPECT_EQ(*a.Find("block-hash"), Value(std::string(43, 'B')));
  EXPECT_EQ(*a.Find("hash-chain"), Value(std::string(43, 'H')));
  EXPECT_EQ(*a.Find("process"), Value(std::string(43, 'P')));
  EXPECT_EQ(*a.Find("path"), Value("compute"));
  ASSERT_NE(a.FindMessage("body"), nullptr);
  EXPECT_EQ(*a.FindMessage("body"), SampleFields().body);
}

TEST(Assignment, DefaultBlockInfoIsTheDebugTuple) {
  BlockInfo block;
  EXPECT_EQ(block.height, 0);
  EXPECT_EQ(block.timestamp, 0);
  EXPECT_EQ(block.hash, std::string(43, 'A'));
}

TEST(Assignment, PathIsTheBodysPathSplitIntoSegments) {
  EXPECT_EQ(AssignmentPathFor(Message{{"path", "/a/b//c"}}),
            Value(Value::List{Value("a"), Value("b"), Value("c")}));
  EXPECT_EQ(AssignmentPathFor(Message{{"path", "schedule"}}), Value(Value::List{Value("schedule")}));
  EXPECT_EQ(AssignmentPathFor(Message{{"path", "/"}}), Value("compute"));
  EXPECT_EQ(AssignmentPathFor(Message{{"path", int64_t{3}}}), Value("compute"));
  EXPECT_EQ(AssignmentPathFor(Message{}), Value("compute"));
}

TEST(Assignment, ParseRoundTripsAndChecksTypes) {
  Message a = BuildAssignment(SampleFields());
  Result<ParsedAssignment> p = ParseAssignment(a);
  ASSERT_OK(p);
  EXPECT_EQ(p->slot, 7);
  EXPECT_EQ(p->process_id, std::string(43, 'P'));
  EXPECT_EQ(p->block.height, 1500000);
  EXPECT_EQ(p->hash_chain, std::string(43, 'H'));

  Message bad = a;
  bad.Set("epoch", Value(int64_t{0}));
  EXPECT_TRUE(ParseAssignment(bad).status().IsInvalidArgument());
  bad = a;
  bad.Set("slot", Value("7"));
  Status s = ParseAssignment(bad).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("slot"), std::string::npos);
  bad = a;
  bad.Erase("body");
  EXPECT_TRUE(ParseAssignment(bad).status().IsInvalidArgument());
  bad = a;
  bad.Set("slot", Value(int64_t{-1}));
  EXPECT_TRUE(ParseAssignment(bad).status().IsInvalidArgument());
}

}  // namespace
}  // namespace ao
