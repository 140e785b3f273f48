// Schedule formats: the internal bundle and application/aos-2 JSON.
#include "aocore/scheduler/formats.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::RandomId;
using scheduler_testing::TestEnvironment;
using scheduler_testing::TestSign;
using scheduler_testing::TestSignerAddress;

// The reference's test 33: a process with 11 scheduled messages {inner: test, target: PID},
// read as one page.
struct Fixture {
  MemoryStore store;
  SchedulerRegistry registry{TestEnvironment(&store)};
  std::string pid = RandomId();
  std::string sender = RandomId();
  std::vector<Message> sent;

  SchedulePage Page() {
    for (int i = 0; i < 11; ++i) {
      Message m{{"inner", "test"}, {"target", Value(pid)}, {"type", "Message"},
                {"n", Value(int64_t{i})}};
      if (i == 3) m.Set("from-process", Value(std::string(43, 'F')));
      Result<Message> signed_m = TestSign(m, sender);
      EXPECT_OK(signed_m);
      sent.push_back(*signed_m);
      EXPECT_OK(registry.Schedule(pid, *signed_m));
    }
    Result<SchedulePage> page = registry.Assignments(pid, 0, 10);
    EXPECT_OK(page);
    return *page;
  }
};

TEST(ScheduleFormats, BundleHasTheReferenceFields) {
  Fixture f;
  SchedulePage page = f.Page();
  Result<Message> bundle = ScheduleToBundle(page);
  ASSERT_OK(bundle);
  EXPECT_EQ(*bundle->Find("type"), Value("schedule"));
  EXPECT_EQ(*bundle->Find("process"), Value(f.pid));
  EXPECT_EQ(*bundle->Find("continues"), Value(false));  // an atom
  EXPECT_TRUE(bundle->Find("continues")->is_atom());
  EXPECT_EQ(*bundle->Find("timestamp"), Value(int64_t{0}));
  EXPECT_EQ(*bundle->Find("block-height"), Value(int64_t{0}));
  EXPECT_EQ(*bundle->Find("block-hash"), Value(std::string(43, 'A')));
  const Message* assignments = bundle->FindMessage("assignments");
  ASSERT_NE(assignments, nullptr);
  ASSERT_EQ(assignments->size(), 11u);
  for (int i = 0; i <= 10; ++i) {
    const Message* a = assignments->FindMessage(std::to_string(i));
    ASSERT_NE(a, nullptr) << i;
    EXPECT_EQ(*a, page.assignments[i]);
  }
}

TEST(ScheduleFormats, Aos2JsonHasTheLegacyShape) {
  Fixture f;
  SchedulePage page = f.Page();
  Result<Message> response = ScheduleToAos2(page);
  ASSERT_OK(response);
  EXPECT_EQ(*response->Find("content-type"), Value("application/json"));
  const nlohmann::json json = nlohmann::json::parse(*response->FindBinary("body"));

  const auto& info = json.at("page_info");
  EXPECT_EQ(info.at("process"), f.pid);
  EXPECT_TRUE(info.at("has_next_page").is_boolean());
  EXPECT_EQ(info.at("has_next_page"), false);
  EXPECT_EQ(info.at("timestamp"), "0");  // strings holding decimals
  EXPECT_EQ(info.at("block-height"), "0");
  EXPECT_EQ(info.at("block-hash"), std::string(43, 'A'));

  const auto& edges = json.at("edges");
  ASSERT_EQ(edges.size(), 11u);
  for (int i = 0; i <= 10; ++i) {
    const auto& edge = edges[i];
    EXPECT_TRUE(edge.at("cursor").is_number_integer());  // the slot as a number
    EXPECT_EQ(edge.at("cursor"), i);
    const auto& message = edge.at("node").at("message");
    const auto& assignment = edge.at("node").at("assignment");
    for (const char* field : {"Id", "Anchor", "Owner", "From", "Tags", "Target", "Data",
                              "Signature"}) {
      EXPECT_TRUE(message.contains(field)) << field;
      EXPECT_TRUE(assignment.contains(field)) << field;
    }
    EXPECT_EQ(message.at("Id"), *MessageId(f.sent[i], IdMode::kAll));
    EXPECT_EQ(message.at("Owner"), f.sender);
    EXPECT_EQ(message.at("From"), i == 3 ? std::string(43, 'F') : f.sender);
    EXPECT_EQ(message.at("Target"), f.pid);
    EXPECT_EQ(message.at("Anchor"), "");
    EXPECT_EQ(message.at("Signature"), "");
    EXPECT_EQ(assignment.at("Id"), *MessageId(page.assignments[i], IdMode::kAll));
    EXPECT_EQ(assignment.at("Owner"), TestSignerAddress());
    EXPECT_EQ(assignment.at("From"), TestSignerAddress());
    EXPECT_EQ(assignment.at("Target"), "");
    EXPECT_EQ(assignment.at("Data"), "");
  }

  // Assignment tags: Header-Case names, sorted keys, TABM values, body excluded.
  std::vector<std::string> names;
  std::map<std::string, std::string> tags;
  for (const auto& tag : edges[4].at("node").at("assignment").at("Tags")) {
    names.push_back(tag.at("name"));
    tags[tag.at("name")] = tag.at("value");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Ao-Types", "Block-Hash", "Block-Height",
                                             "Block-Timestamp", "Data-Protocol", "Epoch",
                                             "Hash-Chain", "Path", "Process", "Slot",
                                             "Timestamp", "Variant"}));
  EXPECT_EQ(tags["Ao-Types"],
            "block-height=\"integer\", block-timestamp=\"integer\", slot=\"integer\", "
            "timestamp=\"integer\"");
  EXPECT_EQ(tags["Slot"], "4");
  EXPECT_EQ(tags["Epoch"], "0");
  EXPECT_EQ(tags["Path"], "compute");
  EXPECT_EQ(tags["Process"], f.pid);
  EXPECT_EQ(tags["Variant"], "ao.N.1");
  EXPECT_EQ(tags["Data-Protocol"], "ao");
  EXPECT_EQ(tags["Hash-Chain"], *page.assignments[4].FindBinary("hash-chain"));
  EXPECT_EQ(tags["Timestamp"], std::to_string(page.assignments[4].Find("timestamp")->integer()));

  // Message tags: target/commitments excluded, integers typed.
  std::map<std::string, std::string> message_tags;
  for (const auto& tag : edges[4].at("node").at("message").at("Tags")) {
    message_tags[tag.at("name")] = tag.at("value");
  }
  EXPECT_EQ(message_tags.count("Target"), 0u);
  EXPECT_EQ(message_tags.count("Commitments"), 0u);
  EXPECT_EQ(message_tags["Type"], "Message");
  EXPECT_EQ(message_tags["Inner"], "test");
  EXPECT_EQ(message_tags["N"], "4");
  EXPECT_EQ(message_tags["Ao-Types"], "n=\"integer\"");
}

TEST(ScheduleFormats, Aos2ReportsANextPage) {
  SchedulePage page;
  page.process_id = RandomId();
  page.has_next_page = true;
  page.block = BlockInfo{12, 34, std::string(43, 'Q')};
  const nlohmann::json json = nlohmann::json::parse(*ScheduleToAos2Json(page));
  EXPECT_EQ(json.at("page_info").at("has_next_page"), true);
  EXPECT_EQ(json.at("page_info").at("timestamp"), "34");
  EXPECT_EQ(json.at("page_info").at("block-height"), "12");
  EXPECT_TRUE(json.at("edges").is_array());
  EXPECT_TRUE(json.at("edges").empty());
}

TEST(ScheduleFormats, AcceptSelectsAos2OnlyForTheExactContentType) {
  EXPECT_EQ(SelectScheduleFormat("application/aos-2"), ScheduleFormat::kAos2);
  EXPECT_EQ(SelectScheduleFormat("application%2Faos-2"), ScheduleFormat::kAos2);
  EXPECT_EQ(SelectScheduleFormat("application/http"), ScheduleFormat::kBundle);
  EXPECT_EQ(SelectScheduleFormat(""), ScheduleFormat::kBundle);
  EXPECT_EQ(SelectScheduleFormat("application/aos-2; q=1"), ScheduleFormat::kBundle);
}

TEST(ScheduleFormats, HeaderCaseCapitalisesEveryWord) {
  EXPECT_EQ(HeaderCase("block-height"), "Block-Height");
  EXPECT_EQ(HeaderCase("ao-types"), "Ao-Types");
  EXPECT_EQ(HeaderCase("x"), "X");
  EXPECT_EQ(HeaderCase("a--b"), "A--B");
  EXPECT_EQ(HeaderCase("1st-key"), "1st-Key");
}

}  // namespace
}  // namespace ao
