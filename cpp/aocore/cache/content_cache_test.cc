// ContentCache behaviour (the reference's content cache tests 13-19),
// run against both Store backends.
#include "aocore/cache/content_cache.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <cstring>
#include <limits>
#include <memory>
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/store/memory_store.h"
#include "testing/crash_child.h"
#include "testing/store_backends.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// A stand-in for MessageId with the same shape: the group ID is the ID over the commitment keys
// when there are commitments (one key -> itself), else a hash of the content. The cache's
// behaviour does not depend on the exact ID bytes; MessageId itself is tested in message/.
void Canon(const Value& value, std::string* out);
void CanonMessage(const Message& message, std::string* out) {
  *out += "m" + std::to_string(message.size()) + "{";
  for (const auto& [key, value] : message) {
    *out += std::to_string(key.size()) + ":" + key;
    Canon(value, out);
  }
  *out += "}";
}
void Canon(const Value& value, std::string* out) {
  if (value.is_message()) return CanonMessage(value.message(), out);
  if (value.is_list()) {
    *out += "l" + std::to_string(value.list().size()) + "[";
    for (const Value& v : value.list()) Canon(v, out);
    *out += "]";
    return;
  }
  if (value.is_device()) {
    *out += "device";
    return;
  }
  Bytes leaf = *ContentCache::EncodeLeaf(value);
  *out += std::to_string(leaf.size()) + ":" + leaf;
}
Result<std::string> FakeId(const Message& message) {
  if (const Message* commitments = message.FindMessage("commitments");
      commitments && !commitments->empty()) {
    std::vector<std::string> keys;
    for (const auto& [key, unused] : *commitments) keys.push_back(key);
    if (keys.size() == 1) return keys[0];
    std::sort(keys.begin(), keys.end());
    std::string joined;
    for (const std::string& k : keys) joined += (joined.empty() ? "" : ", ") + k;
    return Base64UrlEncode(Sha256(joined));
  }
  std::string canon;
  CanonMessage(message, &canon);
  return Base64UrlEncode(Sha256(canon));
}

std::shared_ptr<const Message> M(Message m) { return std::make_shared<const Message>(std::move(m)); }

// The stand-in commitments cannot be verified; these tests trust every claimed ID (the real
// check, VerifiedCommitments, is exercised by ContentCacheRealIds).
std::vector<std::string> TrustClaimedIds(const Message& message) {
  std::vector<std::string> ids;
  if (const Message* commitments = message.FindMessage("commitments")) {
    for (const auto& [id, unused] : *commitments) ids.push_back(id);
  }
  return ids;
}

// A signed-looking message: `commitments` holds one commitment per given ID.
Message Signed(Message body, std::vector<std::string> commitment_ids) {
  Message commitments;
  for (const std::string& id : commitment_ids) {
    commitments.Set(id, Message{{"commitment-device", "httpsig@1.0"}, {"committer", "addr-" + id}});
  }
  body.Set("commitments", Value(std::move(commitments)));
  return body;
}

using testing::LevelDbBackend;
using testing::MemoryBackend;

template <typename Backend>
class ContentCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = backend_.Open();
    ASSERT_NE(store_, nullptr);
    cache_ = std::make_unique<ContentCache>(*store_, FakeId, TrustClaimedIds);
  }
  std::string MustWrite(const Message& m) {
    Result<std::string> id = cache_->Write(m);
    EXPECT_OK(id);
    return id.ok() ? *id : "";
  }
  Message MustReadMessage(std::string_view path) {
    Result<Message> m = cache_->ReadMessage(path);
    EXPECT_OK(m);
    return m.ok() ? *m : Message{};
  }
  size_t Count(std::string_view group) {
    Result<std::vector<std::string>> names = store_->List(group);
    return names.ok() ? names->size() : 0;
  }

  Backend backend_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ContentCache> cache_;
};

class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryBackend> ? "Memory" : "LevelDb";
  }
};
using Backends = ::testing::Types<MemoryBackend, LevelDbBackend>;
TYPED_TEST_SUITE(ContentCacheTest, Backends, BackendNames);

// Reference test 13.
TYPED_TEST(ContentCacheTest, EmptyMessageRoundTrips) {
  std::string id = this->MustWrite(Message{});
  EXPECT_EQ(id, *FakeId(Message{}));
  EXPECT_EQ(this->MustReadMessage(id), Message{});
}

// Reference tests 15 and 18, and every value kind.
TYPED_TEST(ContentCacheTest, EveryValueKindRoundTripsExactly) {
  Message inner{{"y", "z"}, {"n", int64_t{-7}}};
  Message m{
      {"bin", "1"},
      {"int", int64_t{1}},
      {"big", std::numeric_limits<int64_t>::min()},
      {"float", 1.5},
      {"neg-zero", -0.0},
      {"inf", std::numeric_limits<double>::infinity()},
      {"yes", true},
      {"nothing", Value::Null()},
      {"sym", Value::Symbol("ok")},
      {"empty", ""},
      {"raw", Bytes("\0\xff/x", 4)},
      {"list", Value::List{int64_t{1}, "1", Value::List{}, Value(M(inner)), Value::List{"a"}}},
      {"empty-list", Value::List{}},
      {"nested", Value(M(Message{{"x", Value(M(inner))}}))},
      {"empty-msg", Value(M(Message{}))},
  };
  std::string id = this->MustWrite(m);
  Message back = this->MustReadMessage(id);
  EXPECT_EQ(back, m) << back.DebugString();
  EXPECT_TRUE(std::signbit(back.Find("neg-zero")->floating()));
  EXPECT_TRUE(back.Find("bin")->is_binary());
  EXPECT_TRUE(back.Find("int")->is_integer());
}

TYPED_TEST(ContentCacheTest, NanFloatKeepsItsBits) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::string id = this->MustWrite(Message{{"f", nan}});
  Message back = this->MustReadMessage(id);
  ASSERT_TRUE(back.Find("f")->is_float());
  double read = back.Find("f")->floating();
  EXPECT_EQ(std::memcmp(&read, &nan, sizeof nan), 0);
}

TYPED_TEST(ContentCacheTest, BinaryOneAndIntegerOneAreDifferentData) {
  Result<std::string> as_binary = this->cache_->WriteValue(Value("1"));
  Result<std::string> as_integer = this->cache_->WriteValue(Value(int64_t{1}));
  ASSERT_OK(as_binary);
  ASSERT_OK(as_integer);
  EXPECT_NE(*as_binary, *as_integer);
  EXPECT_EQ(as_binary->rfind("data/", 0), 0u);
  EXPECT_TRUE(this->cache_->Read(*as_binary)->is_binary());
  EXPECT_TRUE(this->cache_->Read(*as_integer)->is_integer());
}

// Reference test 14 (with the typed encoding).
TYPED_TEST(ContentCacheTest, BinaryValueIsStoredUnderTheHashOfItsEncoding) {
  Result<std::string> path = this->cache_->WriteValue(Value("some bytes"));
  ASSERT_OK(path);
  EXPECT_EQ(*path, "data/" + Base64UrlEncode(Sha256("bsome bytes")));
  EXPECT_EQ(*this->cache_->Read(*path), Value("some bytes"));
}

TYPED_TEST(ContentCacheTest, LeafValuesAreStoredOnce) {
  this->MustWrite(Message{{"a", "shared"}, {"b", "shared"}, {"c", int64_t{5}}});
  this->MustWrite(Message{{"x", "shared"}, {"y", int64_t{5}}, {"z", "own"}});
  EXPECT_EQ(this->Count("data"), 3u);  // "shared", 5, "own"
}

TYPED_TEST(ContentCacheTest, WritingTheSameMessageTwiceChangesNothing) {
  Message m{{"k", "v"}, {"sub", Value(M(Message{{"a", int64_t{1}}}))}};
  std::string first = this->MustWrite(m);
  size_t roots = this->Count(""), data = this->Count("data");
  EXPECT_EQ(this->MustWrite(m), first);
  EXPECT_EQ(this->Count(""), roots);
  EXPECT_EQ(this->Count("data"), data);
  EXPECT_EQ(this->MustReadMessage(first), m);
}

// Reference test 16.
TYPED_TEST(ContentCacheTest, SignedMessageIsReadableByEveryCommitmentId) {
  Message m = Signed(Message{{"base-test-key", "1"}, {"other-test-key", "2"}}, {"C1", "C2"});
  std::string id = this->MustWrite(m);
  EXPECT_EQ(id, *FakeId(m));
  EXPECT_EQ(this->MustReadMessage(id), m);
  EXPECT_EQ(this->MustReadMessage("C1"), m);
  EXPECT_EQ(this->MustReadMessage("C2"), m);
  EXPECT_EQ(*this->cache_->Read("C2/base-test-key"), Value("1"));
}

// Reference test 17.
TYPED_TEST(ContentCacheTest, DeepNestingIsReadableByPathAndNestedCommitmentIds) {
  Message level3 = Signed(Message{{"other-test-key", Value::List{int64_t{1}, int64_t{2}, int64_t{3}}}},
                          {"L3SIG"});
  Message level2{{"level3", Value(M(level3))}};
  Message level1 = Signed(Message{{"level2", Value(M(level2))}}, {"L1SIG"});
  Message outer = Signed(Message{{"level1", Value(M(level1))}, {"n", int64_t{9}}}, {"OUTERSIG"});
  std::string id = this->MustWrite(outer);
  EXPECT_EQ(this->MustReadMessage(id + "/level1/level2/level3"), level3);
  EXPECT_EQ(this->MustReadMessage("OUTERSIG/level1/level2/level3"), level3);
  EXPECT_EQ(this->MustReadMessage("L3SIG"), level3);
  EXPECT_EQ(this->MustReadMessage("L1SIG"), level1);
  EXPECT_EQ(*this->cache_->Read(id + "/level1/level2/level3/other-test-key/2"), Value(int64_t{2}));
  EXPECT_EQ(*this->cache_->Read(id + "/n"), Value(int64_t{9}));
  EXPECT_EQ(this->MustReadMessage(id), outer);
}

TYPED_TEST(ContentCacheTest, MissingPathsAreNotFound) {
  std::string id = this->MustWrite(Message{{"a", "1"}});
  EXPECT_TRUE(this->cache_->Read("no-such-id").status().IsNotFound());
  EXPECT_TRUE(this->cache_->Read(id + "/b").status().IsNotFound());
  EXPECT_TRUE(this->cache_->Read(id + "/a/deeper").status().IsNotFound());
  EXPECT_TRUE(this->cache_->ReadMessage(id + "/a").status().IsInvalidArgument());
}

TYPED_TEST(ContentCacheTest, PrivateKeysAreNotStored) {
  std::string id = this->MustWrite(Message{{"a", "1"}, {"priv", "secret"}, {"private-key", "k"}});
  EXPECT_EQ(this->MustReadMessage(id), (Message{{"a", "1"}}));
}

TYPED_TEST(ContentCacheTest, KeysThatAreNotOnePathSegmentAreRefused) {
  for (std::string key : {"a/b", ".", "..", ""}) {
    Result<std::string> id = this->cache_->Write(Message{{key, "v"}});
    EXPECT_TRUE(id.status().IsInvalidArgument()) << key << ": " << id.status().ToString();
  }
  EXPECT_EQ(this->Count(""), 0u);  // nothing was written
}

// Reference test 19: refused with an error, not an infinite loop; and nothing partial is left.
TYPED_TEST(ContentCacheTest, FailedWriteLeavesNothingBehind) {
  Message bad{{"ok", "fine"},
              {"deep", Value(M(Message{{"device", Value(std::shared_ptr<Device>())}}))}};
  Result<std::string> id = this->cache_->Write(bad);
  EXPECT_TRUE(id.status().IsInvalidArgument()) << id.status().ToString();
  EXPECT_EQ(this->Count(""), 0u);
}

TYPED_TEST(ContentCacheTest, CircularLinksBetweenGroupsAreAClearError) {
  // A group that links back to itself through a key (only possible by writing the store
  // directly, or through damage).
  ASSERT_OK(this->store_->MakeGroup("G"));
  ASSERT_OK(this->store_->Write("data/x", "bvalue"));
  ASSERT_OK(this->store_->MakeLink("data/x", "G/a"));
  ASSERT_OK(this->store_->MakeLink("G", "G/self"));
  Status s = this->cache_->Read("G").status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("circular links"), std::string::npos) << s.ToString();
  EXPECT_EQ(*this->cache_->Read("G/self/self/a"), Value("value"));  // a path through it is fine
  // A store-level link cycle.
  ASSERT_OK(this->store_->MakeLink("H/k", "H/k2"));
  ASSERT_OK(this->store_->MakeLink("H/k2", "H/k"));
  EXPECT_TRUE(this->cache_->Read("H").status().IsCorruption());
}

TYPED_TEST(ContentCacheTest, DamagedMessageIsCorruptionNotAPartialMessage) {
  std::string id = this->MustWrite(Message{{"a", "1"}, {"b", "2"}});
  Result<std::string> target = this->store_->Resolve(id + "/b");
  ASSERT_OK(target);
  ASSERT_OK(this->store_->Delete(*target));
  EXPECT_TRUE(this->cache_->Read(id).status().IsCorruption());
  ASSERT_OK(this->store_->Write("data/garbage", "zzz"));
  EXPECT_TRUE(this->cache_->Read("data/garbage").status().IsCorruption());
}

TYPED_TEST(ContentCacheTest, AddToBatchCommitsWithTheCallersOwnLinks) {
  Message assignment{{"slot", int64_t{0}}, {"body", Value(M(Message{{"data", "hi"}}))}};
  WriteBatch batch;
  Result<std::string> id = this->cache_->AddToBatch(assignment, &batch);
  ASSERT_OK(id);
  batch.MakeLink(*id, AssignmentPath("P", 0));
  EXPECT_EQ(this->Count(""), 0u);  // nothing written before Apply
  ASSERT_OK(this->store_->Apply(batch, WriteOptions{true}));
  EXPECT_EQ(this->MustReadMessage(AssignmentPath("P", 0)), assignment);
  EXPECT_EQ(*this->cache_->Read(AssignmentPath("P", 0) + "/body/data"), Value("hi"));
  EXPECT_EQ(*LatestSlot(*this->store_, AssignmentsGroup("P")), std::optional<uint64_t>(0));
}

TYPED_TEST(ContentCacheTest, MessageAlreadyStoredUnderAnotherIdIsNotRewritten) {
  // Stored first with two commitments: C1 becomes a link to the group.
  Message body{{"k", "v"}};
  std::string both = this->MustWrite(Signed(body, {"C1", "C2"}));
  // The same content with only C1 has the group ID "C1", which is already a link: fine.
  Result<std::string> one = this->cache_->Write(Signed(body, {"C1"}));
  ASSERT_OK(one);
  EXPECT_EQ(*one, "C1");
  EXPECT_EQ(*this->cache_->Read("C1/k"), Value("v"));
  EXPECT_NE(both, *one);
}

// ---- Lazy reads: count what the cache touches ----

// A Store that forwards to a MemoryStore and records the paths listed and read.
class RecordingStore final : public Store {
 public:
  Result<Bytes> Read(std::string_view path) override {
    reads.emplace_back(path);
    return inner_.Read(path);
  }
  Result<NodeType> Type(std::string_view path) override { return inner_.Type(path); }
  Result<std::vector<std::string>> List(std::string_view path) override {
    lists.emplace_back(path);
    return inner_.List(path);
  }
  Result<std::vector<std::string>> ScanChildren(std::string_view group,
                                                const ScanOptions& options) override {
    lists.emplace_back(group);
    return inner_.ScanChildren(group, options);
  }
  Result<std::string> Resolve(std::string_view path) override { return inner_.Resolve(path); }
  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    ++applies;
    return inner_.Apply(batch, options);
  }
  Status Close() override { return inner_.Close(); }
  std::string Describe() const override { return "recording"; }

  std::vector<std::string> reads;
  std::vector<std::string> lists;
  int applies = 0;

 private:
  MemoryStore inner_;
};

TEST(ContentCacheLazyRead, NestedPathReadsOnlyWhatItNeeds) {
  RecordingStore store;
  ContentCache cache(store, FakeId, TrustClaimedIds);
  Message big;
  for (int i = 0; i < 100; ++i) big.Set("k" + std::to_string(i), "value " + std::to_string(i));
  Message m{{"a", Value(M(Message{{"b", "wanted"}, {"c", "sibling"}}))}, {"big", Value(M(big))}};
  Result<std::string> id = cache.Write(m);
  ASSERT_OK(id);
  EXPECT_EQ(store.applies, 1);  // one message, one atomic batch
  store.reads.clear();
  store.lists.clear();
  EXPECT_EQ(*cache.Read(*id + "/a/b"), Value("wanted"));
  EXPECT_EQ(store.reads.size(), 1u);  // the one leaf
  EXPECT_TRUE(store.lists.empty());   // no group was listed
  store.reads.clear();
  ASSERT_OK(cache.Read(*id + "/a"));
  EXPECT_EQ(store.reads.size(), 2u);  // b and c, nothing of `big`
  EXPECT_EQ(store.lists.size(), 1u);
}

TEST(ContentCacheLazyRead, EveryMessageWriteIsOneBatch) {
  RecordingStore store;
  ContentCache cache(store, FakeId, TrustClaimedIds);
  Message deep = Signed(Message{{"x", Value::List{int64_t{1}, Value(M(Message{{"y", "z"}}))}}},
                        {"SIG"});
  ASSERT_OK(cache.Write(Message{{"deep", Value(M(deep))}, {"n", int64_t{1}}}));
  EXPECT_EQ(store.applies, 1);
}

// A long list of leaves (a restore point's log) is read whole with one store read (its packed
// copy), yet paths into it still resolve through the tree, and a store without the packed copy
// (written by an older aocore) reads the same list element by element.
TEST(ContentCacheLazyRead, ALongListOfLeavesIsOneRead) {
  RecordingStore store;
  ContentCache cache(store, FakeId, TrustClaimedIds);
  Value::List log;
  for (int64_t i = 0; i < 100; ++i) log.push_back(i % 3 == 0 ? Value(i) : Value("entry " + std::to_string(i)));
  log.push_back(Value::Symbol("undefined"));
  log.push_back(Value(2.5));
  const Message m{{"log", Value(log)}, {"short", Value(Value::List{int64_t{1}, int64_t{2}})},
                  {"mixed", Value(Value::List(20, Value(M(Message{{"a", "b"}}))))}};
  Result<std::string> id = cache.Write(m);
  ASSERT_OK(id);
  store.reads.clear();
  store.lists.clear();
  EXPECT_EQ(*cache.Read(*id + "/log"), Value(log));
  EXPECT_EQ(store.reads.size(), 1u);
  EXPECT_TRUE(store.lists.empty());
  EXPECT_EQ(*cache.Read(*id + "/log/5"), Value("entry 4"));  // a path into the list: the tree
  EXPECT_EQ(*cache.ReadMessage(*id), m);
  Result<std::vector<std::string>> packed = store.List("list-packed");
  ASSERT_OK(packed);
  EXPECT_EQ(packed->size(), 1u);  // only `log`: `short` is short, `mixed` holds messages
  ASSERT_OK(store.Delete("list-packed/" + packed->front()));
  store.reads.clear();
  EXPECT_EQ(*cache.Read(*id + "/log"), Value(log));
  EXPECT_GT(store.reads.size(), 100u);
}

TEST(ContentCacheLeafEncoding, RejectsMalformedEncodings) {
  EXPECT_TRUE(ContentCache::DecodeLeaf("").status().IsCorruption());
  EXPECT_TRUE(ContentCache::DecodeLeaf("i").status().IsCorruption());
  EXPECT_TRUE(ContentCache::DecodeLeaf("i12x").status().IsCorruption());
  EXPECT_TRUE(ContentCache::DecodeLeaf("f1234").status().IsCorruption());
  EXPECT_TRUE(ContentCache::DecodeLeaf("?x").status().IsCorruption());
  EXPECT_TRUE(ContentCache::EncodeLeaf(Value(Value::List{})).status().IsInvalidArgument());
  EXPECT_EQ(*ContentCache::EncodeLeaf(Value(int64_t{-42})), "i-42");
  EXPECT_EQ(*ContentCache::DecodeLeaf("a" "true"), Value(true));
}

// ---- Crash safety: SIGKILL a writer at random moments, then check what is visible ----

// The message a crash-test writer stores as number `i`: ten keys, a nested message, a list and
// a kilobyte blob, so one message is many store operations.
Message CrashTestMessage(int64_t i) {
  Message m{{"index", i},
            {"text", "message " + std::to_string(i)},
            {"blob", Bytes(1024, static_cast<char>('a' + i % 26))},
            {"nested", Value(M(Message{{"i", i}, {"half", i / 2}}))},
            {"list", Value::List{i, "x", Value(M(Message{{"deep", i % 7}}))}},
            {"shared", "the same in every message"}};
  for (int k = 0; k < 4; ++k) m.Set("k" + std::to_string(k), i * 10 + k);
  return m;
}

constexpr const char* kCrashDirEnv = "AOCORE_CRASH_TEST_DIR";
constexpr const char* kCrashStartEnv = "AOCORE_CRASH_TEST_START";
constexpr int64_t kCrashChildMaxWrites = 3000;

// Not a test: the child process of ContentCacheCrash.KilledWriterLeavesOnlyCompleteMessages,
// run by re-executing this binary. It writes messages and reports each acknowledged one as
// "<index> <id>\n" (see testing/crash_child.h).
TEST(ContentCacheCrashChild, DISABLED_WriteLoop) {
  const char* dir = std::getenv(kCrashDirEnv);
  const char* start = std::getenv(kCrashStartEnv);
  if (dir == nullptr || start == nullptr) GTEST_SKIP() << "only run by the crash test";
  auto store = LevelDbStore::Open(dir);
  ASSERT_OK(store);
  ContentCache cache(**store, FakeId, TrustClaimedIds);
  for (int64_t i = std::atoll(start); i < std::atoll(start) + kCrashChildMaxWrites; ++i) {
    Result<std::string> id = cache.Write(CrashTestMessage(i));
    ASSERT_OK(id);
    std::string line = std::to_string(i) + " " + *id + "\n";
    ASSERT_EQ(::write(testing::kCrashChildAckFd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }
}

TEST(ContentCacheCrash, KilledWriterLeavesOnlyCompleteMessages) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  std::mt19937 rng(std::random_device{}());
  std::map<int64_t, std::string> acknowledged;
  for (int round = 0; round < 4; ++round) {
    const int64_t start = round * kCrashChildMaxWrites;
    const size_t kill_after = std::uniform_int_distribution<size_t>(1, 400)(rng);
    SCOPED_TRACE("round " + std::to_string(round) + ", kill after " + std::to_string(kill_after) +
                 " acknowledgements");
    Result<testing::CrashChildRun> run = testing::RunChildUntilKilled(
        "ContentCacheCrashChild.DISABLED_WriteLoop",
        {std::string(kCrashDirEnv) + "=" + db, std::string(kCrashStartEnv) + "=" + std::to_string(start)},
        kill_after, std::chrono::seconds(60));
    ASSERT_OK(run);
    ASSERT_TRUE(run->killed) << "the writer finished before it was killed (wait status "
                             << run->wait_status << ")";
    ASSERT_GE(run->acknowledged.size(), kill_after);
    for (const auto& [index, id] : run->acknowledged) acknowledged[std::stoll(index)] = id;

    // Reopen: every acknowledged message is complete, and every message group that is visible
    // at all reads back whole and equal to what its writer meant to store.
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    ContentCache cache(**store, FakeId, TrustClaimedIds);
    for (const auto& [index, id] : acknowledged) {
      Result<Message> m = cache.ReadMessage(id);
      ASSERT_TRUE(m.ok()) << "message " << index << " (this round's first: " << start << "): " << m.status().ToString();
      ASSERT_EQ(*m, CrashTestMessage(index)) << "message " << index;
    }
    Result<std::vector<std::string>> roots = (*store)->List("");
    ASSERT_OK(roots);
    size_t messages = 0;
    for (const std::string& root : *roots) {
      if (root == "data" || root == "list") continue;
      Result<Value> value = cache.Read(root);
      ASSERT_OK(value);
      if (!value->is_message() || !value->message().Contains("text")) continue;  // nested
      const Value* index = value->message().Find("index");
      ASSERT_NE(index, nullptr);
      EXPECT_EQ(value->message(), CrashTestMessage(index->integer()));
      ++messages;
    }
    EXPECT_GE(messages, acknowledged.size());
    ASSERT_OK((*store)->Close());
  }
}

}  // namespace
}  // namespace ao

namespace ao {
namespace {

// Regression: message IDs leave out `signature`, so two signatures by
// one signer have the same commitment-message ID. Content must be addressed by all of it.
TEST(ContentCacheRealIds, NestedMessagesThatShareAnIdReadBackExactly) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  Message c1{{"alg", "rsa-pss-sha512"}, {"signature", "sig-one"}, {"signature-input", "same-input"}};
  Message c2{{"alg", "rsa-pss-sha512"}, {"signature", "sig-two"}, {"signature-input", "same-input"}};
  ASSERT_EQ(*MessageId(c1), *MessageId(c2));  // the premise
  Message first{{"slot", 1}, {"commitment", Value(c1)}};
  Message second{{"slot", 2}, {"commitment", Value(c2)}};
  Result<std::string> id1 = cache.Write(first), id2 = cache.Write(second);
  ASSERT_OK(id1);
  ASSERT_OK(id2);
  EXPECT_EQ(*cache.ReadMessage(*id1), first);
  EXPECT_EQ(*cache.ReadMessage(*id2), second);
}


// Issue 18 point 3: a message carrying a fake HMAC commitment keyed by another message's ID is
// not stored under that ID; the legitimate message written later reads back as itself.
TEST(ContentCacheRealIds, AFakeCommitmentCannotSquatAnotherMessagesId) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  Message legit{{"type", "Message"}, {"data", "legitimate"}};
  const std::string legit_id = *MessageId(legit);
  Message squatter{{"data", "attacker"},
                   {"commitments", Message{{legit_id, Message{{"commitment-device", "httpsig@1.0"},
                                                              {"alg", "hmac-sha256"}}}}}};
  ASSERT_EQ(*MessageId(squatter), legit_id);  // the premise: it claims the legitimate ID
  Result<std::string> squatter_id = cache.Write(squatter);
  ASSERT_OK(squatter_id);
  EXPECT_EQ(*squatter_id, *MessageId(squatter, IdMode::kNone));  // addressed by its own content
  EXPECT_TRUE(cache.Read(legit_id).status().IsNotFound());
  ASSERT_EQ(*cache.Write(legit), legit_id);
  EXPECT_EQ(*cache.ReadMessage(legit_id), legit);
}

// The same with a copied signature: a forged message reusing a genuine RSA commitment.
TEST(ContentCacheRealIds, ACopiedSignatureCannotSquatTheSignedMessagesId) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  Message signed_msg = *Commit(Message{{"data", "legitimate"}}, testing::SharedTestWallet());
  const std::string id = *MessageId(signed_msg);
  Message forged = signed_msg;
  forged.Set("data", Value("attacker"));
  ASSERT_EQ(*MessageId(forged), id);
  ASSERT_OK(cache.Write(forged));
  ASSERT_EQ(*cache.Write(signed_msg), id);
  EXPECT_EQ(*cache.ReadMessage(id)->FindBinary("data"), "legitimate");
  // Each verified commitment of the genuine message is an address too.
  for (const std::string& commitment_id : VerifiedCommitments(signed_msg)) {
    EXPECT_EQ(*cache.ReadMessage(commitment_id)->FindBinary("data"), "legitimate");
  }
}

}  // namespace
}  // namespace ao

namespace ao {
namespace {

// Writing a stored message again does not verify it again, and still gives its ID; a squatter
// whose content is already stored gains nothing by being written twice.
TEST(ContentCacheRealIds, RewritingAStoredMessageKeepsItsVerifiedAddresses) {
  auto store = MemoryStore::Create();
  int checks = 0;
  ContentCache cache(
      *store, [](const Message& m) { return MessageId(m); },
      [&checks](const Message& m) {
        ++checks;
        return VerifiedCommitments(m);
      });
  Message signed_msg = *Commit(Message{{"data", "legitimate"}}, testing::SharedTestWallet());
  const std::string id = *MessageId(signed_msg);
  ASSERT_EQ(*cache.Write(signed_msg), id);
  ASSERT_EQ(*cache.Write(signed_msg), id);
  EXPECT_EQ(checks, 1);
  Message squatter{{"data", "attacker"},
                   {"commitments", Message{{id, Message{{"alg", "hmac-sha256"}}}}}};
  const std::string squatter_id = *cache.Write(squatter);
  EXPECT_EQ(*cache.Write(squatter), squatter_id);
  EXPECT_NE(squatter_id, id);
  EXPECT_EQ(*cache.ReadMessage(id)->FindBinary("data"), "legitimate");
}

}  // namespace
}  // namespace ao

namespace ao {
namespace {

// Chunk writes (chunk/<hash>) in a batch.
size_t ChunkWrites(const WriteBatch& batch, size_t* bytes = nullptr) {
  size_t n = 0;
  for (const WriteBatch::Op& op : batch.ops()) {
    if (op.kind == WriteBatch::OpKind::kWrite && op.path.rfind("chunk/", 0) == 0) {
      ++n;
      if (bytes != nullptr) *bytes += op.data.size();
    }
  }
  return n;
}

TEST(ContentCacheChunkedBinary, ALongBinaryRoundTripsThroughChunks) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  std::mt19937 rng(7);
  Bytes memory(ContentCache::kChunkedBinaryMin * 3 + 12345, '\0');
  for (size_t i = 0; i < memory.size(); i += 3) memory[i] = static_cast<char>(rng());  // incompressible
  Bytes zeros(ContentCache::kChunkedBinaryMin + 1, '\0');                              // compressible
  const Message m{{"memory", Value(memory)}, {"zeros", Value(zeros)}, {"short", "s"}};
  WriteBatch batch;
  Result<std::string> id = cache.AddToBatch(m, &batch);
  ASSERT_OK(id);
  size_t chunk_bytes = 0;
  // 13 chunks of `memory`; the 5 chunks of `zeros` are 2 distinct ones (4 full of zeros, one short).
  EXPECT_EQ(ChunkWrites(batch, &chunk_bytes), 13u + 2u);
  EXPECT_LT(chunk_bytes, memory.size());  // zeros compress, the rest is stored raw
  ASSERT_OK(store->Apply(batch));
  Result<Message> back = cache.ReadMessage(*id);
  ASSERT_OK(back);
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->FindBinary("memory")->size(), memory.size());
}

TEST(ContentCacheChunkedBinary, StoringAChangedBinaryWritesOnlyTheChangedChunks) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  Bytes memory(64 << 20, '\0');
  for (size_t i = 0; i < memory.size(); i += 4096) memory[i] = static_cast<char>(i / 4096);
  ASSERT_OK(cache.Write(Message{{"memory", Value(memory)}, {"at-slot", 1}}));
  memory[5 * ContentCache::kChunkSize + 17] = 'x';  // one byte in chunk 5
  WriteBatch batch;
  const Message changed{{"memory", Value(memory)}, {"at-slot", 2}};
  Result<std::string> id = cache.AddToBatch(changed, &batch);
  ASSERT_OK(id);
  size_t chunk_bytes = 0;
  EXPECT_EQ(ChunkWrites(batch, &chunk_bytes), 1u);
  EXPECT_LE(chunk_bytes, ContentCache::kChunkSize + 1);
  ASSERT_OK(store->Apply(batch));
  Result<Message> back = cache.ReadMessage(*id);
  ASSERT_OK(back);
  EXPECT_TRUE(*back->FindBinary("memory") == memory);
}

TEST(ContentCacheChunkedBinary, AMissingOrDamagedChunkIsCorruption) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  Bytes memory(ContentCache::kChunkedBinaryMin + 1, 'q');
  Result<std::string> id = cache.Write(Message{{"memory", Value(memory)}});
  ASSERT_OK(id);
  Result<std::vector<std::string>> chunks = store->List("chunk");
  ASSERT_OK(chunks);
  ASSERT_FALSE(chunks->empty());
  ASSERT_OK(store->Apply(WriteBatch().Write("chunk/" + chunks->front(), "s\x01garbage")));
  EXPECT_TRUE(cache.Read(*id + "/memory").status().IsCorruption());
  ASSERT_OK(store->Apply(WriteBatch().Delete("chunk/" + chunks->front())));
  EXPECT_TRUE(cache.Read(*id + "/memory").status().IsCorruption());
  EXPECT_TRUE(ContentCache::DecodeLeaf("c10").status().IsInvalidArgument());
}


TEST(ContentCacheChunkedBinary, VisitBinaryYieldsTheNonZeroChunksThatMakeTheBinary) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  constexpr size_t kChunk = ContentCache::kChunkSize;
  // 40 chunks and a short tail; data in chunks 0, 7 and 39 and in the tail, the rest zero.
  Bytes memory(kChunk * 40 + 4096, '\0');
  for (size_t chunk : {size_t{0}, size_t{7}, size_t{39}}) memory[chunk * kChunk + 100] = static_cast<char>(chunk + 1);
  memory[kChunk * 40 + 5] = 'z';
  Result<std::string> address = cache.WriteBinary(memory);
  ASSERT_OK(address);
  std::vector<uint64_t> offsets;
  Bytes rebuilt(memory.size(), '\0');
  Result<uint64_t> size = cache.VisitBinary(*address, [&](uint64_t offset, std::string_view bytes) {
    offsets.push_back(offset);
    EXPECT_LE(offset + bytes.size(), rebuilt.size());
    std::copy(bytes.begin(), bytes.end(), rebuilt.begin() + static_cast<std::ptrdiff_t>(offset));
    return Status::OK();
  });
  ASSERT_OK(size);
  EXPECT_EQ(*size, memory.size());
  EXPECT_EQ(offsets, (std::vector<uint64_t>{0, 7 * kChunk, 39 * kChunk, 40 * kChunk}));
  EXPECT_TRUE(rebuilt == memory);
  // Read assembles the same bytes from the same address.
  Result<Value> whole = cache.Read(*address);
  ASSERT_OK(whole);
  EXPECT_TRUE(whole->binary() == memory);
}

TEST(ContentCacheChunkedBinary, AChunkWithOneNonZeroByteAtEitherEndIsNotTakenForZeros) {
  // Whole chunks of zeros are recognised without hashing them; a chunk that differs from zeros
  // in its first or its last byte only must still be stored and read back.
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  constexpr size_t kChunk = ContentCache::kChunkSize;
  Bytes memory(kChunk * 8, '\0');
  memory[2 * kChunk] = 'a';          // chunk 2: its first byte
  memory[5 * kChunk - 1] = 'b';      // chunk 4: its last byte
  Result<std::string> address = cache.WriteBinary(memory);
  ASSERT_OK(address);
  Result<Value> whole = cache.Read(*address);
  ASSERT_OK(whole);
  EXPECT_TRUE(whole->binary() == memory);
  // Two distinct non-zero chunks and the zero chunk: three stored chunks.
  Result<std::vector<std::string>> chunks = store->List("chunk");
  ASSERT_OK(chunks);
  EXPECT_EQ(chunks->size(), 3u);
  // The zero chunks are listed under the hash of their bytes, as any chunk is.
  Result<Bytes> leaf = store->Read(*address);
  ASSERT_OK(leaf);
  EXPECT_NE(leaf->find(Base64UrlEncode(Sha256(std::string(kChunk, '\0')))), std::string::npos);
}

TEST(ContentCacheChunkedBinary, ChunksOutsideTheMaybeNonZeroRangesAreTakenAsZerosUnread) {
  // The caller vouches for the bytes outside the ranges: they are not read. Chunk 5 holds a byte
  // the ranges leave out, so the binary stored is the one whose chunk 5 is zero; the ranges
  // that cover every non-zero byte give the same address as WriteBinary without them.
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  constexpr size_t kChunk = ContentCache::kChunkSize;
  Bytes memory(kChunk * 8, '\0');
  memory[kChunk + 10] = 'a';      // chunk 1
  memory[3 * kChunk - 1] = 'b';   // chunk 2, its last byte
  Result<std::string> plain = cache.WriteBinary(memory);
  ASSERT_OK(plain);
  const ContentCache::ByteRanges covering = {{kChunk + 8, kChunk + 16}, {3 * kChunk - 4096, 3 * kChunk}};
  Result<std::string> hinted = cache.WriteBinary(memory, covering);
  ASSERT_OK(hinted);
  EXPECT_EQ(*hinted, *plain);
  memory[5 * kChunk + 7] = 'c';   // chunk 5: outside the ranges, so not read
  Result<std::string> unread = cache.WriteBinary(memory, covering);
  ASSERT_OK(unread);
  EXPECT_EQ(*unread, *plain);
  // A range that touches chunk 5 by one byte makes it read.
  Result<std::string> read = cache.WriteBinary(memory, {{kChunk, 2 * kChunk}, {3 * kChunk - 1, 5 * kChunk + 1}});
  ASSERT_OK(read);
  Result<Value> whole = cache.Read(*read);
  ASSERT_OK(whole);
  EXPECT_TRUE(whole->binary() == memory);
}

TEST(ContentCacheChunkedBinary, VisitBinaryReadsAShortBinaryAsOnePieceAndRefusesOtherValues) {
  auto store = MemoryStore::Create();
  ContentCache cache(*store);
  Result<std::string> address = cache.WriteBinary("short");
  ASSERT_OK(address);
  std::vector<std::pair<uint64_t, std::string>> pieces;
  auto collect = [&](uint64_t offset, std::string_view bytes) {
    pieces.emplace_back(offset, std::string(bytes));
    return Status::OK();
  };
  Result<uint64_t> size = cache.VisitBinary(*address, collect);
  ASSERT_OK(size);
  EXPECT_EQ(*size, 5u);
  EXPECT_EQ(pieces, (std::vector<std::pair<uint64_t, std::string>>{{0, "short"}}));
  Result<std::string> number = cache.WriteValue(Value(int64_t{7}));
  ASSERT_OK(number);
  EXPECT_TRUE(cache.VisitBinary(*number, collect).status().IsInvalidArgument());
  EXPECT_TRUE(cache.VisitBinary("data/nothing-here", collect).status().IsNotFound());
  // A visitor's error stops the read and comes back.
  Bytes memory(ContentCache::kChunkedBinaryMin * 2, 'q');
  Result<std::string> big = cache.WriteBinary(memory);
  ASSERT_OK(big);
  int calls = 0;
  Result<uint64_t> stopped = cache.VisitBinary(*big, [&](uint64_t, std::string_view) {
    ++calls;
    return Status::Aborted("enough");
  });
  EXPECT_TRUE(stopped.status().IsAborted());
  EXPECT_EQ(calls, 1);
}

// A message stored as a record (one packed value at a path of the writer's, linked by its IDs)
// reads as the same message a tree gives, by every ID and by paths under them.
TYPED_TEST(ContentCacheTest, AMessageStoredAsARecordReadsAsTheSameMessageByEveryIdAndPath) {
  Message level3 = Signed(Message{{"other-test-key", Value::List{int64_t{1}, int64_t{2}, int64_t{3}}}},
                          {"L3SIG"});
  Message level2{{"level3", Value(M(level3))}, {"bin", Value(Bytes("\0\1binary", 8))}};
  Message level1 = Signed(Message{{"level2", Value(M(level2))}}, {"L1SIG"});
  Message in_list{{"in-list", "yes"}};
  Message outer = Signed(Message{{"level1", Value(M(level1))}, {"n", int64_t{9}},
                                 {"items", Value::List{Value("a"), Value(M(in_list))}}, {"priv", "secret"}},
                         {"OUTERSIG", "OTHERSIG"});
  WriteBatch batch;
  batch.Write("records/r1", *ContentCache::EncodePacked(Value(outer)));
  Result<std::string> id = this->cache_->AddRecordLinksToBatch(outer, "records/r1", &batch);
  ASSERT_OK(id);
  EXPECT_EQ(*id, *FakeId(outer));
  for (const WriteBatch::Op& op : batch.ops()) {
    // Links and the record only: no groups, no leaves.
    EXPECT_TRUE(op.kind == WriteBatch::OpKind::kMakeLink || op.path == "records/r1") << op.path;
  }
  ASSERT_OK(this->store_->Apply(batch));
  Message without_private = outer;
  without_private.Erase("priv");
  EXPECT_EQ(this->MustReadMessage(*id), without_private);
  EXPECT_EQ(this->MustReadMessage("OTHERSIG"), without_private);
  EXPECT_EQ(this->MustReadMessage("L1SIG"), level1);
  EXPECT_EQ(this->MustReadMessage("L3SIG"), level3);
  EXPECT_EQ(this->MustReadMessage(*FakeId(level2)), level2);
  EXPECT_EQ(this->MustReadMessage(*FakeId(in_list)), in_list);
  EXPECT_EQ(this->MustReadMessage("OUTERSIG/level1/level2/level3"), level3);
  EXPECT_EQ(*this->cache_->Read(*id + "/level1/level2/level3/other-test-key/2"), Value(int64_t{2}));
  EXPECT_EQ(*this->cache_->Read("L1SIG/level2/level3/other-test-key/3"), Value(int64_t{3}));
  EXPECT_EQ(*this->cache_->Read(*id + "/items/2/in-list"), Value("yes"));
  EXPECT_EQ(*this->cache_->Read(*id + "/n"), Value(int64_t{9}));
  Bytes visited;
  Result<uint64_t> size = this->cache_->VisitBinary(*id + "/level1/level2/bin", [&](uint64_t offset, std::string_view b) {
    EXPECT_EQ(offset, 0u);
    visited += b;
    return Status::OK();
  });
  ASSERT_OK(size);
  EXPECT_EQ(*size, 8u);
  EXPECT_EQ(visited, Bytes("\0\1binary", 8));
  // Nothing there: a missing key, a private key, an index past the end or not an index, a path
  // under a leaf.
  for (const std::string& missing : {*id + "/nope", *id + "/priv", *id + "/items/3", *id + "/items/0",
                                     *id + "/items/01", *id + "/n/deeper", std::string("L3SIG/nope/deeper")}) {
    EXPECT_TRUE(this->cache_->Read(missing).status().IsNotFound()) << missing;
  }
  EXPECT_TRUE(this->cache_->VisitBinary(*id + "/n", [](uint64_t, std::string_view) { return Status::OK(); })
                  .status()
                  .IsInvalidArgument());
}

// Only a path that followed a link is looked for inside a record: a miss anywhere else costs the
// reads it did before records existed.
TEST(ContentCacheLazyRead, AMissThatFollowedNoLinkLooksInNoRecord) {
  RecordingStore store;
  ContentCache cache(store, FakeId, TrustClaimedIds);
  WriteBatch batch;
  batch.Write("records/r1", *ContentCache::EncodePacked(Value(Message{{"a", "1"}})));
  ASSERT_OK(cache.AddRecordLinksToBatch(Message{{"a", "1"}}, "records/r1", &batch));
  ASSERT_OK(store.Apply(batch));
  store.reads.clear();
  EXPECT_TRUE(cache.Read("records/r1/a").status().IsNotFound());
  EXPECT_TRUE(cache.Read("records/r2/a/b").status().IsNotFound());
  EXPECT_TRUE(store.reads.empty());
}

}  // namespace
}  // namespace ao
