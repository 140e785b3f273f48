// PeerSchedules: pulling a peer's schedule with a fake transport — verification of signatures,
// covered fields and the hash chain, continuation from what is stored, typed errors.
#include "aocore/scheduler/peer_schedules.h"

#include <charconv>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
#include "aocore/scheduler/formats.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/scheduler/scheduler_test_util.h"
#include "aocore/store/memory_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using scheduler_testing::RandomId;
using scheduler_testing::ReadAndVerifySchedule;
using scheduler_testing::TestMessage;

const Wallet& PeerWallet() {
  static const Wallet wallet = Wallet::Generate().value();
  return wallet;
}

std::optional<uint64_t> QueryInt(const std::string& path, const std::string& key) {
  size_t at = path.find(key + "=");
  if (at == std::string::npos) return std::nullopt;
  uint64_t v = 0;
  const char* start = path.data() + at + key.size() + 1;
  std::from_chars(start, path.data() + path.size(), v);
  return v;
}

// A peer node's scheduler registry behind a fake transport; `tamper` edits a page before it
// is "sent", `failure` replaces every answer.
class FakePeer final : public PeerTransport {
 public:
  FakePeer() {
    SchedulerEnvironment env;
    env.store = &store_;
    env.signer = [](Message m) { return Commit(m, PeerWallet()); };
    env.verifier = [](const Message&) { return Status::OK(); };
    registry_ = std::make_unique<SchedulerRegistry>(std::move(env));
  }

  Result<PeerReply> Get(const std::string&, const std::string& path, Deadline) override {
    ++gets;
    if (!failure.ok()) return failure;
    const std::string pid = path.substr(1, 43);
    if (path.size() == 44) {
      Result<Value> stored = content_.Read(pid);
      if (!stored.ok()) return PeerReply{404, Value(Message{{"message", "not found"}}), ""};
      return PeerReply{200, *stored, ""};
    }
    AO_ASSIGN_OR_RETURN(SchedulePage page,
                        registry_->Assignments(pid, QueryInt(path, "from").value_or(0), QueryInt(path, "to"), page_size));
    AO_ASSIGN_OR_RETURN(Message bundle, ScheduleToBundle(page));
    if (tamper) tamper(bundle);
    return PeerReply{200, Value(std::move(bundle)), ""};
  }
  Result<PeerReply> Post(const std::string&, const std::string&, const Message&, Deadline) override {
    return Status::Unavailable("not used");
  }

  void Schedule(const std::string& pid, int n) {
    for (int i = 0; i < n; ++i) ASSERT_OK(registry_->Schedule(pid, TestMessage(next_++)));
  }

  std::function<void(Message&)> tamper;
  Status failure = Status::OK();
  size_t page_size = kMaxSchedulePage;
  int gets = 0;
  MemoryStore store_;
  ContentCache content_{store_};

 private:
  std::unique_ptr<SchedulerRegistry> registry_;
  int next_ = 0;
};

// Replaces slot `slot`'s assignment in a bundle page with `edit(assignment)`.
void EditSlot(Message& bundle, int slot, const std::function<void(Message&)>& edit) {
  Message assignments = *bundle.FindMessage("assignments");
  const Message* a = assignments.FindMessage(std::to_string(slot));
  if (a == nullptr) return;
  Message copy = *a;
  edit(copy);
  assignments.Set(std::to_string(slot), Value(std::move(copy)));
  bundle.Set("assignments", Value(std::move(assignments)));
}

class PeerSchedulesTest : public ::testing::Test {
 protected:
  PeerSchedulesTest()
      : peer_(std::make_shared<FakePeer>()),
        pid_(RandomId()),
        peers_(peer_, {{PeerWallet().Address(), kUrl}}, local_, content_, std::chrono::seconds(5)) {}

  static constexpr char kUrl[] = "http://127.0.0.1:1";
  Result<int64_t> Pull(std::optional<uint64_t> up_to = std::nullopt) {
    return peers_.Pull(pid_, PeerWallet().Address(), kUrl, up_to);
  }
  int64_t LocalLatest() {
    AssignmentCache cache(local_, content_);
    auto latest = cache.LatestSlot(pid_);
    return latest.ok() && *latest ? static_cast<int64_t>(**latest) : -1;
  }

  std::shared_ptr<FakePeer> peer_;
  std::string pid_;
  MemoryStore local_;
  ContentCache content_{local_};
  PeerSchedules peers_;
};

TEST_F(PeerSchedulesTest, PullsVerifiesAndStoresThePeersScheduleThenContinuesFromIt) {
  peer_->Schedule(pid_, 5);
  auto latest = Pull();
  ASSERT_OK(latest);
  EXPECT_EQ(*latest, 4);
  ASSERT_OK(ReadAndVerifySchedule(local_, pid_, 5));
  peer_->Schedule(pid_, 3);
  latest = Pull();
  ASSERT_OK(latest);
  EXPECT_EQ(*latest, 7);
  ASSERT_OK(ReadAndVerifySchedule(local_, pid_, 8));
}

TEST_F(PeerSchedulesTest, FollowsContinuedPagesAndStopsAtUpTo) {
  peer_->Schedule(pid_, 7);
  peer_->page_size = 2;
  auto latest = Pull(4);
  ASSERT_OK(latest);
  EXPECT_EQ(*latest, 4);
  EXPECT_GE(peer_->gets, 3);
  latest = Pull();
  ASSERT_OK(latest);
  EXPECT_EQ(*latest, 6);
}

TEST_F(PeerSchedulesTest, AnEmptyPeerScheduleIsMinusOne) {
  auto latest = Pull();
  ASSERT_OK(latest);
  EXPECT_EQ(*latest, -1);
}

TEST_F(PeerSchedulesTest, ATamperedBodyIsRejectedNamingTheSlotAndNothingAfterItIsStored) {
  peer_->Schedule(pid_, 5);
  peer_->tamper = [](Message& bundle) {
    EditSlot(bundle, 2, [](Message& a) {
      Message body = *a.FindMessage("body");
      body.Set("data", Value("forged"));
      a.Set("body", Value(std::move(body)));
    });
  };
  auto latest = Pull();
  ASSERT_FALSE(latest.ok());
  EXPECT_TRUE(latest.status().IsCorruption()) << latest.status().ToString();
  EXPECT_NE(latest.status().message().find("slot 2"), std::string::npos) << latest.status().ToString();
  EXPECT_EQ(PeerHttpStatus(latest.status()), 422);
  EXPECT_EQ(LocalLatest(), 1);
}

TEST_F(PeerSchedulesTest, AValidlySignedBrokenHashChainIsRejected) {
  peer_->Schedule(pid_, 4);
  peer_->tamper = [](Message& bundle) {
    // The peer re-signs slot 3 with a chain value that does not follow slot 2's.
    EditSlot(bundle, 3, [](Message& a) {
      a.Erase("commitments");
      a.Set("hash-chain", Value(std::string(43, 'A')));
      a = Commit(a, PeerWallet()).value();
    });
  };
  auto latest = Pull();
  ASSERT_FALSE(latest.ok());
  EXPECT_TRUE(latest.status().IsCorruption());
  EXPECT_NE(latest.status().message().find("slot 3"), std::string::npos);
  EXPECT_NE(latest.status().message().find("hash chain"), std::string::npos) << latest.status().ToString();
  EXPECT_EQ(LocalLatest(), 2);
}

TEST_F(PeerSchedulesTest, AssignmentsSignedBySomeoneElseAreRejected) {
  peer_->Schedule(pid_, 2);
  auto latest = peers_.Pull(pid_, RandomId(), kUrl);
  ASSERT_FALSE(latest.ok());
  EXPECT_TRUE(latest.status().IsCorruption());
  EXPECT_NE(latest.status().message().find("not signed by"), std::string::npos);
  EXPECT_EQ(LocalLatest(), -1);
}

TEST_F(PeerSchedulesTest, AnAssignmentOfAnotherProcessIsRejected) {
  const std::string other = RandomId();
  peer_->Schedule(other, 2);
  FakePeer& fake = *peer_;
  // The peer answers for pid_ with the other process's (validly signed) assignments.
  fake.tamper = [&](Message& bundle) {
    SchedulePage page;
    page.process_id = other;
    page.assignments = AssignmentCache(fake.store_, fake.content_).Range(other, 0, 1, 0).value();
    bundle = ScheduleToBundle(page).value();
  };
  auto latest = Pull();
  ASSERT_FALSE(latest.ok());
  EXPECT_TRUE(latest.status().IsCorruption());
  EXPECT_NE(latest.status().message().find("names process"), std::string::npos) << latest.status().ToString();
  EXPECT_EQ(LocalLatest(), -1);
}

TEST_F(PeerSchedulesTest, TransportFailuresKeepTheirKind) {
  peer_->failure = Status::Unavailable("connection refused");
  auto latest = Pull();
  ASSERT_FALSE(latest.ok());
  EXPECT_EQ(PeerHttpStatus(latest.status()), 503);
  peer_->failure = Status::DeadlineExceeded("too slow");
  latest = Pull();
  EXPECT_EQ(PeerHttpStatus(latest.status()), 504);
}

TEST_F(PeerSchedulesTest, FetchStoresAMessageOnlyWhenItsIdMatches) {
  Message def{{"type", "Process"}, {"scheduler", Value(PeerWallet().Address())}, {"n", Value(int64_t{1})}};
  def = Commit(def, PeerWallet()).value();
  ASSERT_OK(peer_->content_.Write(def));
  const std::string id = MessageId(def, IdMode::kAll).value();
  auto fetched = peers_.Fetch(id);
  ASSERT_OK(fetched);
  EXPECT_EQ(*fetched, def);
  ASSERT_OK(content_.ReadMessage(id));
  EXPECT_TRUE(peers_.Fetch(RandomId()).status().IsNotFound());
}

TEST(PeerUrl, OnlyHttpHostPortIsAccepted) {
  EXPECT_OK(ValidatePeerUrl("http://127.0.0.1:8734"));
  EXPECT_OK(ValidatePeerUrl("http://node-a.example:1"));
  for (const char* bad : {"https://a:1", "http://a", "http://:80", "http://a:0", "http://a:65536", "http://a:80/x",
                          "http://a/b:80", "a:80", "http://a:8x"}) {
    EXPECT_TRUE(ValidatePeerUrl(bad).IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace ao
