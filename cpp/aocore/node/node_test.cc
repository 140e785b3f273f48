#include "aocore/node/node.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "aocore/message/id.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/kv_store.h"
#include "testing/fixture_devices.h"
#include "testing/test_util.h"

namespace ao {
namespace {

NodeOptions AtPath(const std::string& path) {
  NodeOptions o = *NodeOptions::Parse(Message{});
  o.store_path = path;
  return o;
}

TEST(Node, InMemoryWriteReadAndClose) {
  Result<std::unique_ptr<Node>> node = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
  ASSERT_OK(node);
  Message m{{"a", "1"}, {"b", Value(Message{{"c", 2}})}};
  Result<std::string> id = (*node)->Write(m);
  ASSERT_OK(id);
  EXPECT_EQ(*id, *MessageId(m));
  Result<Value> back = (*node)->Read(*id);
  ASSERT_OK(back);
  EXPECT_EQ(back->message(), m);
  EXPECT_EQ((*node)->Read(*id + "/b/c")->integer(), 2);
  EXPECT_EQ((*node)->address().size(), 43u);
  ASSERT_OK((*node)->Close());
  ASSERT_OK((*node)->Close());  // idempotent
  EXPECT_TRUE((*node)->closed());
  EXPECT_TRUE((*node)->Read(*id).status().IsClosed());
}

// docs/python-api.md: `threads` defaults to the number of cores, at least 2, however the
// options were built (issue 18: C++ NodeOptions{} gave a pool of hardware_concurrency, maybe 1).
TEST(Node, ThreadsDefaultToTheCoresAndAtLeastTwo) {
  Result<std::unique_ptr<Node>> node = Node::Open(NodeOptions{}, testing::SharedTestWallet());
  ASSERT_OK(node);
  EXPECT_EQ((*node)->options().threads, NodeOptions::DefaultThreads());
  EXPECT_GE((*node)->options().threads, 2);
  EXPECT_EQ(NodeOptions::DefaultThreads(),
            std::max<int64_t>(2, static_cast<int64_t>(std::thread::hardware_concurrency())));
  EXPECT_OK((*node)->Close());
}

TEST(Node, RegistersTheDevicesOfItsOptionsWhileOpening) {
  NodeOptions options = *NodeOptions::Parse(Message{});
  options.devices.emplace_back("flag@1.0", testing::FlagDevice());
  Result<std::unique_ptr<Node>> node = Node::Open(options, testing::SharedTestWallet());
  ASSERT_OK(node);
  std::vector<std::string> names = (*node)->DeviceNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "flag@1.0"), names.end());
  ASSERT_OK((*node)->Close());

  options.devices = {{"no-version", testing::FlagDevice()}};
  Result<std::unique_ptr<Node>> refused = Node::Open(options, testing::SharedTestWallet());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();
}

TEST(Node, CountsTheResolutionsItAccepts) {
  Result<std::unique_ptr<Node>> node = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
  ASSERT_OK(node);
  EXPECT_EQ((*node)->resolves(), 0);
  const ResolveOptions& opts = (*node)->DefaultResolveOptions();
  ASSERT_OK((*node)->Resolve(Value(Message{{"a", 1}}), Value("a"), opts));
  ASSERT_OK((*node)->ResolveMany({ResolveStep::Of(Value(Message{{"a", 1}})), ResolveStep::Of(Value("a"))}, opts));
  EXPECT_EQ((*node)->resolves(), 2);
  ASSERT_OK((*node)->Close());
  EXPECT_TRUE((*node)->Resolve(Value(Message{{"a", 1}}), Value("a"), opts).status().IsClosed());
  EXPECT_EQ((*node)->resolves(), 2);  // a refused call is not counted
}

TEST(Node, LevelDbNodeReopensWithDataAndWallet) {
  testing::TempDir dir;
  std::string id, address;
  {
    auto node = Node::Open(AtPath(dir.str()));
    ASSERT_OK(node);
    id = *(*node)->Write(Message{{"k", "v"}});
    address = (*node)->address();
    auto second = Node::Open(AtPath(dir.str()));
    ASSERT_FALSE(second.ok());
    EXPECT_TRUE(second.status().IsIOError()) << second.status().ToString();
  }
  EXPECT_EQ(std::filesystem::status(dir.path() / "wallet.json").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto node = Node::Open(AtPath(dir.str()));
  ASSERT_OK(node);
  EXPECT_EQ((*node)->address(), address);
  EXPECT_EQ((*node)->Read(id)->message().FindBinary("k")->data(), std::string("v"));
}

TEST(Node, CloseWaitsForOperationsInFlightAndRefusesSelfClose) {
  auto node = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
  ASSERT_OK(node);
  Node* n = node->get();
  std::atomic<bool> closed{false};
  std::thread closer;
  {
    Result<Node::Operation> op = n->Enter();
    ASSERT_OK(op);
    EXPECT_TRUE(n->Close().IsUnavailable());  // from inside our own operation
    closer = std::thread([&] {
      EXPECT_OK(n->Close());
      closed = true;
    });
    // The closer cannot finish while our operation is alive; new operations are refused once
    // it started closing.
    while (!n->closed()) std::this_thread::yield();
    EXPECT_FALSE(closed.load());
    EXPECT_TRUE(n->Enter().status().IsClosed());
  }
  closer.join();
  EXPECT_TRUE(closed.load());
}

TEST(Node, AScheduleIsAnsweredBeforeItsSignedWriteWhichEveryReaderThenSees) {
  // The node defers the signed write past the reply (process_scheduler.h, "Deferred signed
  // write"): the reply does not wait for it, and a read made after the reply waits for it.
  testing::TempDir dir;
  auto node = Node::Open(AtPath(dir.str()));
  ASSERT_OK(node);
  auto* store = dynamic_cast<KvStore*>(&(*node)->store());
  ASSERT_NE(store, nullptr);
  const std::string pid = scheduler_testing::RandomId();
  ASSERT_OK((*node)->schedulers().Schedule(pid, Message{{"type", "Message"}, {"i", Value(0)}}));
  ASSERT_TRUE(testing::WaitFor([&] { return store->deferred_pending() == 0; }));
  store->PauseDeferredForTesting(true);
  Result<Message> answered = (*node)->schedulers().Schedule(pid, Message{{"type", "Message"}, {"i", Value(1)}});
  ASSERT_OK(answered);
  EXPECT_EQ(store->deferred_pending(), 1u);  // answered while its signed write is queued
  const std::string id = MessageId(*answered, IdMode::kAll).value();
  Result<Value> read = Status::Internal("not read");
  std::thread reader([&] { read = (*node)->Read(id); });
  const bool reader_waited = testing::WaitFor([&] { return store->deferred_waiters() == 1; });
  store->PauseDeferredForTesting(false);
  reader.join();
  EXPECT_TRUE(reader_waited);  // the read waited for the queued write
  ASSERT_OK(read);
  ASSERT_TRUE(read->is_message());
  EXPECT_EQ(MessageId(read->message(), IdMode::kAll).value(), id);
  ASSERT_OK((*node)->Close());
}

TEST(Node, ProcessComputeContinuesFromItsSnapshotAfterReopening) {
  testing::TempDir dir;
  NodeOptions options = AtPath(dir.str());
  options.process_cache_frequency = 10;
  const Message def{{"device", "process@1.0"},
                    {"type", "Process"},
                    {"test-random-seed", Value(4242)},
                    {"execution-device", "stack@1.0"},
                    {"device-stack", Value(Value::List{Value("test-device@1.0")})}};
  Result<std::string> pid = MessageId(def, IdMode::kAll);
  ASSERT_OK(pid);
  auto compute = [&](Node& node, int64_t slot) -> Message {
    Result<ResolveResult> r =
        node.Resolve(Value(def), Value(Message{{"path", "compute"}, {"slot", Value(slot)}}), node.DefaultResolveOptions());
    EXPECT_OK(r);
    if (!r.ok()) return Message();
    EXPECT_TRUE(r->ok()) << r->DebugString();
    return r->value.is_message() ? r->value.message() : Message();
  };
  {
    auto node = Node::Open(options);
    ASSERT_OK(node);
    for (int i = 0; i < 22; ++i) {
      ASSERT_OK((*node)->schedulers().Schedule(*pid, Message{{"type", "Message"}, {"i", Value(i)}}));
    }
    Message s20 = compute(**node, 20);
    EXPECT_EQ(*s20.Find("at-slot"), Value(20));
    EXPECT_EQ((*node)->workers().metrics().slots_computed, 21);
    ASSERT_OK((*node)->Close());
  }
  auto node = Node::Open(options);
  ASSERT_OK(node);
  Message s21 = compute(**node, 21);
  EXPECT_EQ(*s21.Find("at-slot"), Value(21));
  ASSERT_TRUE(s21.Find("already-seen") != nullptr);
  EXPECT_EQ(s21.Find("already-seen")->list().size(), 22u);
  EXPECT_EQ((*node)->workers().metrics().slots_computed, 1);  // restored at 20, one slot run
  EXPECT_EQ((*node)->workers().metrics().live_workers, 1);
  ASSERT_OK((*node)->Close());
  EXPECT_EQ((*node)->workers().metrics().live_workers, 0);
}

}  // namespace
}  // namespace ao
