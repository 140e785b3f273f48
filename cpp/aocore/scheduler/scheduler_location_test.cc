// Locating a process's scheduler without a node: a scheduler registry over an in-memory store and
// a content cache. Here by address (the definition found in the base or the content cache),
// elsewhere by hint, and the error of each dead end; hint and scheduler-list parsing.
#include "aocore/scheduler/scheduler_location.h"

#include <gtest/gtest.h>

#include "aocore/cache/content_cache.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

constexpr char kAddress[] = "this-node-address";
constexpr char kOther[] = "another-node-address";

class SchedulerLocationTest : public ::testing::Test {
 protected:
  SchedulerLocationTest() : content_(store_), schedulers_(scheduler_testing::TestEnvironment(&store_)) {}

  SchedulerLocator Locator() { return SchedulerLocator{&schedulers_, &content_, nullptr, kAddress, true}; }
  static Message Process(std::string_view scheduler) {
    return Message{{"type", "Process"}, {"scheduler", Value(std::string(scheduler))}, {"seed", "1"}};
  }
  static std::string Id(const Message& m) { return *MessageId(m, IdMode::kAll); }

  MemoryStore store_;
  ContentCache content_;
  SchedulerRegistry schedulers_;
};

TEST(SchedulerHint, IsTheDecodedHintOfAQueryWithOneQuestionMark) {
  EXPECT_EQ(SchedulerHint("pid?hint=http%3A%2F%2Fx.y"), "http://x.y");
  EXPECT_EQ(SchedulerHint("pid?a=1&hint=a+b"), "a b");  // a query value: `+` is a space
  EXPECT_EQ(SchedulerHint("pid?hint"), "");
  EXPECT_EQ(SchedulerHint("pid?hint=%zz"), "%zz");  // malformed: as written
  EXPECT_FALSE(SchedulerHint("pid").has_value());
  EXPECT_FALSE(SchedulerHint("pid?a=1").has_value());
  EXPECT_FALSE(SchedulerHint("pid?x?hint=y").has_value());
}

TEST(ParseSchedulers, TakesAListOrACommaSeparatedQuotedText) {
  EXPECT_EQ(ParseSchedulers(Value(Value::List{Value("a"), Value(int64_t{1}), Value("b")})),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ParseSchedulers(Value(R"("a", "b",c)")), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ParseSchedulers(Value(int64_t{3})).empty());
}

TEST_F(SchedulerLocationTest, AProcessNamingThisNodeIsHere) {
  const Message process = Process(kAddress);
  SchedulerLocation where = LocateScheduler(Locator(), Id(process), process, nullptr, true, false);
  ASSERT_TRUE(std::holds_alternative<SchedulerHere>(where));
  EXPECT_EQ(std::get<SchedulerHere>(where).pid, Id(process));
}

TEST_F(SchedulerLocationTest, TheDefinitionIsFoundInTheContentCache) {
  const Message process = Process(kAddress);
  ASSERT_OK(content_.Write(process));
  SchedulerLocation where = LocateScheduler(Locator(), Id(process), Message{}, nullptr, true, false);
  ASSERT_TRUE(std::holds_alternative<SchedulerHere>(where));
}

TEST_F(SchedulerLocationTest, AHintIsARedirectOnlyWhenHintsAreFollowed) {
  const Message process = Process(kAddress);
  const std::string raw = Id(process) + "?hint=http%3A%2F%2Fpeer.example";
  SchedulerLocation where = LocateScheduler(Locator(), raw, process, nullptr, true, false);
  ASSERT_TRUE(std::holds_alternative<SchedulerElsewhere>(where));
  const Message& redirect = std::get<SchedulerElsewhere>(where).redirect;
  EXPECT_EQ(redirect.Find("status")->integer(), 307);
  EXPECT_EQ(*redirect.FindBinary("location"), "http://peer.example");
  // Not followed, the hint is part of the text, which is then no process ID.
  where = LocateScheduler(Locator(), raw, process, nullptr, false, false);
  ASSERT_TRUE(std::holds_alternative<SchedulerLocationError>(where));
  EXPECT_EQ(std::get<SchedulerLocationError>(where).status, 400);
}

TEST_F(SchedulerLocationTest, EachDeadEndIsAnErrorWithItsStatusAndReason) {
  auto error = [](const SchedulerLocation& where) {
    EXPECT_TRUE(std::holds_alternative<SchedulerLocationError>(where)) << where.index();
    return std::holds_alternative<SchedulerLocationError>(where) ? std::get<SchedulerLocationError>(where)
                                                                 : SchedulerLocationError{};
  };
  // Not an ID.
  EXPECT_EQ(error(LocateScheduler(Locator(), "not an id", Message{}, nullptr, true, false)).status, 400);
  // An ID nobody defined.
  const Message unknown = Process(kAddress);
  SchedulerLocationError e = error(LocateScheduler(Locator(), Id(unknown), Message{}, nullptr, true, false));
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.reason, "process_not_available");
  // A definition without a scheduler.
  const Message no_scheduler{{"type", "Process"}, {"seed", "2"}};
  EXPECT_EQ(error(LocateScheduler(Locator(), Id(no_scheduler), no_scheduler, nullptr, true, false)).status, 400);
  // Another node's process, and no way to reach it.
  const Message other = Process(kOther);
  e = error(LocateScheduler(Locator(), Id(other), other, nullptr, true, false));
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(e.reason, "unknown_peer");
}

}  // namespace
}  // namespace ao
