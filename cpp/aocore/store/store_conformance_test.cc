// One conformance suite, run against every Store backend (STYLE.md rule 35), plus the
// LevelDB-only persistence and failure tests. Ports the reference's store suite
// (the reference's store tests 1-12) and adds what the fixes promise.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aocore/store/keys.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "aocore/store/store.h"
#include "testing/store_backends.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using Names = std::vector<std::string>;

ScanOptions Scan(std::string prefix, std::string start = "", std::string end = "",
                 bool reverse = false, size_t limit = 0) {
  ScanOptions options;
  options.prefix = std::move(prefix);
  options.start = std::move(start);
  options.end = std::move(end);
  options.reverse = reverse;
  options.limit = limit;
  return options;
}

using testing::LevelDbBackend;
using testing::MemoryBackend;

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = backend_.Open();
    ASSERT_NE(store_, nullptr);
  }

  // The value at `path`, or "NOT_FOUND", or the error's code name.
  std::string ReadOr(std::string_view path) {
    Result<Bytes> r = store_->Read(path);
    if (r.ok()) return *r;
    if (r.status().IsNotFound()) return "NOT_FOUND";
    return std::string(r.status().CodeName());
  }
  Names ListOf(std::string_view path) {
    Result<Names> r = store_->List(path);
    EXPECT_OK(r);
    return r.ok() ? *r : Names{};
  }
  NodeType TypeOf(std::string_view path) {
    Result<NodeType> r = store_->Type(path);
    EXPECT_OK(r);
    return r.ok() ? *r : NodeType::kNotFound;
  }

  Backend backend_;
  std::unique_ptr<Store> store_;
};

class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryBackend>) return "Memory";
    return "LevelDb";
  }
};
using Backends = ::testing::Types<MemoryBackend, LevelDbBackend>;
TYPED_TEST_SUITE(StoreConformance, Backends, BackendNames);

TYPED_TEST(StoreConformance, WriteThenReadReturnsTheValue) {
  ASSERT_OK(this->store_->Write("test_key", "test_value"));
  EXPECT_EQ(this->ReadOr("test_key"), "test_value");
  EXPECT_EQ(this->ReadOr("non_existing"), "NOT_FOUND");
}

TYPED_TEST(StoreConformance, ValuesAreBinaryExact) {
  const std::string value("\0\xff\x01/\n", 5);
  ASSERT_OK(this->store_->Write("bin", value));
  EXPECT_EQ(this->ReadOr("bin"), value);
  ASSERT_OK(this->store_->Write("empty", ""));
  EXPECT_EQ(this->ReadOr("empty"), "");
  EXPECT_EQ(this->TypeOf("empty"), NodeType::kSimple);
}

TYPED_TEST(StoreConformance, WritingAValueAgainReplacesIt) {
  ASSERT_OK(this->store_->Write("k", "one"));
  ASSERT_OK(this->store_->Write("k", "two"));
  EXPECT_EQ(this->ReadOr("k"), "two");
}

TYPED_TEST(StoreConformance, PathsAreNormalisedAndDotSegmentsRejected) {
  ASSERT_OK(this->store_->Write("/a//b/", "v"));
  EXPECT_EQ(this->ReadOr("a/b"), "v");
  EXPECT_TRUE(this->store_->Write("a/../b", "v").IsInvalidArgument());
  EXPECT_TRUE(this->store_->Write("./x", "v").IsInvalidArgument());
  EXPECT_TRUE(this->store_->Write("", "v").IsInvalidArgument());
  EXPECT_TRUE(this->store_->Read("a/./b").status().IsInvalidArgument());
}

// Reference test 1.
TYPED_TEST(StoreConformance, SimpleLinkIsFollowed) {
  ASSERT_OK(this->store_->Write("test-file", "test-data"));
  ASSERT_OK(this->store_->MakeLink("test-file", "test-link"));
  EXPECT_EQ(this->ReadOr("test-link"), "test-data");
}

// Reference test 2.
TYPED_TEST(StoreConformance, ChainOfLinksIsFollowed) {
  ASSERT_OK(this->store_->Write("test-file", "test-data"));
  ASSERT_OK(this->store_->MakeLink("test-file", "test-link"));
  ASSERT_OK(this->store_->MakeLink("test-link", "test-link2"));
  EXPECT_EQ(this->ReadOr("test-link2"), "test-data");
}

// Reference test 3.
TYPED_TEST(StoreConformance, LinkToAGroupIsFollowedInsideAPath) {
  ASSERT_OK(this->store_->MakeGroup("test-dir1"));
  ASSERT_OK(this->store_->Write("test-dir1/test-file", "test-data"));
  ASSERT_OK(this->store_->MakeLink("test-dir1", "test-link"));
  EXPECT_EQ(this->ReadOr("test-link/test-file"), "test-data");
  EXPECT_EQ(this->ListOf("test-link"), Names{"test-file"});
}

// Reference tests 5 and 12.
TYPED_TEST(StoreConformance, WritesCreateParentGroupsImplicitly) {
  ASSERT_OK(this->store_->Write("messages/key1", "val1"));
  ASSERT_OK(this->store_->Write("messages/key2", "val2"));
  ASSERT_OK(this->store_->Write("other_path/key3", "val3"));
  ASSERT_OK(this->store_->Write("deep/ids/item1", "i1"));
  ASSERT_OK(this->store_->Write("deep/ids/item2", "i2"));
  EXPECT_EQ(this->ListOf("messages"), (Names{"key1", "key2"}));
  EXPECT_EQ(this->ListOf("deep"), Names{"ids"});
  EXPECT_EQ(this->ListOf("deep/ids"), (Names{"item1", "item2"}));
  EXPECT_EQ(this->ReadOr("messages/key1"), "val1");
  EXPECT_EQ(this->ReadOr("deep/ids/item2"), "i2");
  EXPECT_EQ(this->TypeOf("deep/ids"), NodeType::kComposite);
  EXPECT_EQ(this->ListOf(""), (Names{"deep", "messages", "other_path"}));  // the root group
}

// Reference test 6.
TYPED_TEST(StoreConformance, ListingAMissingGroupIsNotFound) {
  EXPECT_TRUE(this->store_->List("process/slot").status().IsNotFound());
  ASSERT_OK(this->store_->Write("v", "x"));
  EXPECT_TRUE(this->store_->List("v").status().IsNotFound());
}

// Reference test 7.
TYPED_TEST(StoreConformance, LinkingAPathToItselfIsANoOp) {
  ASSERT_OK(this->store_->MakeLink("key1", "key1"));
  EXPECT_EQ(this->ReadOr("key1"), "NOT_FOUND");
  EXPECT_EQ(this->TypeOf("key1"), NodeType::kNotFound);
}

// Reference test 9.
TYPED_TEST(StoreConformance, TypeDistinguishesValuesGroupsAndMissingFollowingLinks) {
  ASSERT_OK(this->store_->Write("value", "x"));
  ASSERT_OK(this->store_->MakeGroup("group"));
  ASSERT_OK(this->store_->MakeLink("value", "to-value"));
  ASSERT_OK(this->store_->MakeLink("group", "to-group"));
  EXPECT_EQ(this->TypeOf("value"), NodeType::kSimple);
  EXPECT_EQ(this->TypeOf("group"), NodeType::kComposite);
  EXPECT_EQ(this->TypeOf("to-value"), NodeType::kSimple);
  EXPECT_EQ(this->TypeOf("to-group"), NodeType::kComposite);
  EXPECT_EQ(this->TypeOf("missing"), NodeType::kNotFound);
  EXPECT_EQ(this->ReadOr("group"), "NOT_FOUND");  // a group is not a value
}

// Reference test 10 and the reference's link example.
TYPED_TEST(StoreConformance, ResolveReplacesLinkedPrefixes) {
  ASSERT_OK(this->store_->Write("plain/nested/value", "v"));
  EXPECT_EQ(*this->store_->Resolve("plain/nested/value"), "plain/nested/value");
  ASSERT_OK(this->store_->Write("data/the_data_item", "d"));
  ASSERT_OK(this->store_->MakeLink("data/the_data_item", "top_level/level1/item"));
  EXPECT_EQ(*this->store_->Resolve("top_level/level1/item"), "data/the_data_item");
  ASSERT_OK(this->store_->Write("x/c", "xc"));
  ASSERT_OK(this->store_->MakeLink("x", "a/b"));
  EXPECT_EQ(*this->store_->Resolve("a/b/c"), "x/c");
  EXPECT_EQ(this->ReadOr("a/b/c"), "xc");
  // A link whose target itself goes through a link.
  ASSERT_OK(this->store_->MakeLink("a/b/c", "z"));
  EXPECT_EQ(*this->store_->Resolve("z"), "x/c");
  // A missing path resolves to itself.
  EXPECT_EQ(*this->store_->Resolve("no/such/path"), "no/such/path");
}

// A path remembered as a group (store/kv_store.h, known groups) that is deleted and written
// again as a value is a value: writes under it fail, reads answer the value.
TYPED_TEST(StoreConformance, ADeletedGroupRewrittenAsAValueIsAValue) {
  ASSERT_OK(this->store_->MakeGroup("g"));
  EXPECT_EQ(this->TypeOf("g"), NodeType::kComposite);
  ASSERT_OK(this->store_->Write("g/child", "c"));
  ASSERT_OK(this->store_->Delete("g/child"));
  ASSERT_OK(this->store_->Delete("g"));
  ASSERT_OK(this->store_->Write("g", "now a value"));
  EXPECT_EQ(this->ReadOr("g"), "now a value");
  EXPECT_EQ(this->TypeOf("g"), NodeType::kSimple);
  EXPECT_TRUE(this->store_->Write("g/child", "c").IsInvalidArgument());
  EXPECT_EQ(this->ReadOr("g"), "now a value");
}

// Content operations (WriteContent, MakeContentGroup, MakeContentLink) have the effects of
// Write, MakeGroup and MakeLink for a path whose content it names: parents are made, the nodes
// read back, listing shows each child once, and writing the same content again changes nothing.
TYPED_TEST(StoreConformance, ContentOperationsStoreWhatThePlainOnesStore) {
  WriteBatch batch;
  batch.WriteContent("data/h1", "leaf one")
      .MakeContentGroup("list/l1")
      .MakeContentLink("data/h1", "list/l1/1")
      .MakeContentLink("data/h1", "list/l1/2");
  ASSERT_OK(this->store_->Apply(batch));
  EXPECT_EQ(this->ReadOr("data/h1"), "leaf one");
  EXPECT_EQ(this->ReadOr("list/l1/2"), "leaf one");
  EXPECT_EQ(this->TypeOf("list/l1"), NodeType::kComposite);
  EXPECT_EQ(this->ListOf("list/l1"), (Names{"1", "2"}));
  ASSERT_OK(this->store_->Apply(batch));  // the same content again
  EXPECT_EQ(this->ListOf("data"), (Names{"h1"}));
  EXPECT_EQ(this->ListOf("list/l1"), (Names{"1", "2"}));
  EXPECT_EQ(*this->store_->Resolve("list/l1/1"), "data/h1");
  // A plain write of the same path afterwards sees a value (replaces it as usual).
  ASSERT_OK(this->store_->Write("data/h1", "leaf one"));
  EXPECT_EQ(this->ReadOr("data/h1"), "leaf one");
}

TYPED_TEST(StoreConformance, WriteNewRefusesAnythingButTheSameValue) {
  WriteBatch first;
  first.WriteNew("a/entry", "v1");  // a new path: written, its parents made
  ASSERT_OK(this->store_->Apply(first));
  EXPECT_EQ(this->ReadOr("a/entry"), "v1");
  EXPECT_EQ(this->ListOf("a"), (Names{"entry"}));
  WriteBatch again;  // the same value again: kept, the batch applies
  again.Write("side", "1").WriteNew("a/entry", "v1");
  ASSERT_OK(this->store_->Apply(again));
  EXPECT_EQ(this->ReadOr("side"), "1");
  WriteBatch other;  // another value: the whole batch is refused
  other.Write("side2", "2").WriteNew("a/entry", "v2");
  Status s = this->store_->Apply(other);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_EQ(this->ReadOr("side2"), "NOT_FOUND");
  EXPECT_EQ(this->ReadOr("a/entry"), "v1");
  // A link or a group there is something else too.
  ASSERT_OK(this->store_->MakeLink("a/entry", "a/link"));
  EXPECT_TRUE(this->store_->Apply(WriteBatch().WriteNew("a/link", "v1")).IsAlreadyExists());
  EXPECT_TRUE(this->store_->Apply(WriteBatch().WriteNew("a", "v1")).IsAlreadyExists());
  EXPECT_EQ(this->TypeOf("a"), NodeType::kComposite);
}

TYPED_TEST(StoreConformance, MakeNewLinkRefusesAnythingButTheSameLink) {
  WriteBatch first;
  first.MakeNewLink("target-a", "slot");
  ASSERT_OK(this->store_->Apply(first));
  WriteBatch again;  // the same link again: kept, the batch applies
  again.Write("side", "1").MakeNewLink("target-a", "slot");
  ASSERT_OK(this->store_->Apply(again));
  EXPECT_EQ(this->ReadOr("side"), "1");
  WriteBatch other;  // another target: the whole batch is refused
  other.Write("side2", "2").MakeNewLink("target-b", "slot");
  Status s = this->store_->Apply(other);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_EQ(this->ReadOr("side2"), "NOT_FOUND");
  EXPECT_EQ(*this->store_->Resolve("slot"), "target-a");
  ASSERT_OK(this->store_->Write("value", "v"));
  WriteBatch over_value;
  over_value.MakeNewLink("target-a", "value");
  EXPECT_TRUE(this->store_->Apply(over_value).IsAlreadyExists());
}

TYPED_TEST(StoreConformance, ScanValuesGivesTheSelectedValueChildrenOnly) {
  for (const char* n : {"1", "2", "3", "4", "5"}) ASSERT_OK(this->store_->Write(std::string("g/") + n, std::string("v") + n));
  ASSERT_OK(this->store_->Write("g/6/deeper", "x"));  // a group child
  ASSERT_OK(this->store_->MakeLink("g/1", "g/7"));    // a link child
  ASSERT_OK(this->store_->Write("g2/1", "other group"));
  using Pairs = std::vector<std::pair<std::string, Bytes>>;
  Result<Pairs> all = this->store_->ScanValues("g", Scan(""));
  ASSERT_OK(all);
  EXPECT_EQ(*all, (Pairs{{"1", "v1"}, {"2", "v2"}, {"3", "v3"}, {"4", "v4"}, {"5", "v5"}}));
  Result<Pairs> page = this->store_->ScanValues("g", Scan("", "2", "9", false, 2));
  ASSERT_OK(page);
  EXPECT_EQ(*page, (Pairs{{"2", "v2"}, {"3", "v3"}}));
  Result<Pairs> back = this->store_->ScanValues("g", Scan("", "", "", true, 2));
  ASSERT_OK(back);  // the last two children are a link and a group: nothing
  EXPECT_TRUE(back->empty());
  EXPECT_TRUE(this->store_->ScanValues("missing", Scan("")).status().IsNotFound());
}

TYPED_TEST(StoreConformance, ExpectNoChildrenRefusesABatchWhenTheRangeHoldsAChild) {
  ASSERT_OK(this->store_->Write("slots/03", "three"));
  // Nothing in [04, 08): the batch applies.
  WriteBatch fresh;
  fresh.ExpectNoChildren("slots", "04", "08").Write("slots/04", "four");
  ASSERT_OK(this->store_->Apply(fresh));
  // [02, 05) holds 03 and 04: refused, nothing written.
  WriteBatch taken;
  taken.ExpectNoChildren("slots", "02", "05").Write("slots/02", "two");
  EXPECT_TRUE(this->store_->Apply(taken).IsAlreadyExists());
  EXPECT_EQ(this->store_->Type("slots/02").value(), NodeType::kNotFound);
  // A group that does not exist has no children; the end is exclusive.
  EXPECT_OK(this->store_->Apply(WriteBatch().ExpectNoChildren("none", "0", "9")));
  EXPECT_OK(this->store_->Apply(WriteBatch().ExpectNoChildren("slots", "00", "03")));
  // What the batch did before the check counts: a child it wrote, or one it deleted.
  WriteBatch own;
  own.Write("slots/05", "five").ExpectNoChildren("slots", "05", "06");
  EXPECT_TRUE(this->store_->Apply(own).IsAlreadyExists());
  WriteBatch deleted;
  deleted.Delete("slots/03").ExpectNoChildren("slots", "03", "04").Write("slots/03", "again");
  ASSERT_OK(this->store_->Apply(deleted));
  EXPECT_EQ(this->store_->Read("slots/03").value(), "again");
}

// Reference test 11.
TYPED_TEST(StoreConformance, MakeGroupCreatesParentsAndNeverClobbers) {
  ASSERT_OK(this->store_->MakeGroup("new-group"));
  EXPECT_EQ(this->ListOf("new-group"), Names{});
  ASSERT_OK(this->store_->Write("g/id", "1"));
  ASSERT_OK(this->store_->Write("g/commitments", "2"));
  ASSERT_OK(this->store_->MakeGroup("g"));
  EXPECT_EQ(this->ListOf("g"), (Names{"commitments", "id"}));
  ASSERT_OK(this->store_->MakeGroup("messages/ids/items"));
  EXPECT_EQ(this->ListOf("messages"), Names{"ids"});
  EXPECT_EQ(this->ListOf("messages/ids"), Names{"items"});
  EXPECT_EQ(this->ListOf("messages/ids/items"), Names{});
  EXPECT_TRUE(this->store_->MakeGroup("g/id").IsInvalidArgument());  // a value is there
}

TYPED_TEST(StoreConformance, MakeLinkNeverOverwritesButReplaceLinkDoes) {
  ASSERT_OK(this->store_->Write("first", "1"));
  ASSERT_OK(this->store_->Write("second", "2"));
  ASSERT_OK(this->store_->MakeLink("first", "slot"));
  ASSERT_OK(this->store_->MakeLink("second", "slot"));  // ok, but the first link wins
  EXPECT_EQ(this->ReadOr("slot"), "1");
  ASSERT_OK(this->store_->MakeLink("second", "first"));  // nor does it overwrite a value
  EXPECT_EQ(this->ReadOr("first"), "1");
  ASSERT_OK(this->store_->ReplaceLink("second", "slot"));
  EXPECT_EQ(this->ReadOr("slot"), "2");
  ASSERT_OK(this->store_->MakeGroup("grp"));
  EXPECT_TRUE(this->store_->ReplaceLink("second", "grp").IsInvalidArgument());
}

TYPED_TEST(StoreConformance, CircularLinksAreAClearErrorNotAHang) {
  ASSERT_OK(this->store_->MakeLink("b", "a"));
  ASSERT_OK(this->store_->MakeLink("c", "b"));
  ASSERT_OK(this->store_->MakeLink("a", "c"));
  for (Status s : {this->store_->Read("a").status(), this->store_->Type("b").status(),
                   this->store_->List("c").status(), this->store_->Resolve("a/x/y").status()}) {
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find("circular links"), std::string::npos) << s.ToString();
  }
  // A link into a path below itself loops too.
  ASSERT_OK(this->store_->MakeLink("loop/x", "loop"));
  EXPECT_TRUE(this->store_->Read("loop").status().IsCorruption());
}

TYPED_TEST(StoreConformance, LongLinkChainsAreFollowedUpToTheHopLimit) {
  ASSERT_OK(this->store_->Write("l0", "end"));
  WriteBatch batch;
  for (int i = 1; i <= kMaxLinkHops + 1; ++i) {
    batch.MakeLink("l" + std::to_string(i - 1), "l" + std::to_string(i));
  }
  ASSERT_OK(this->store_->Apply(batch));
  EXPECT_EQ(this->ReadOr("l" + std::to_string(kMaxLinkHops)), "end");
  Status too_long = this->store_->Read("l" + std::to_string(kMaxLinkHops + 1)).status();
  EXPECT_TRUE(too_long.IsCorruption()) << too_long.ToString();
}

TYPED_TEST(StoreConformance, RevisitingALinkThatIsNotInProgressIsNotACycle) {
  // a/b -> a, so a/b/b names a/b again, which names a: legal, finite.
  ASSERT_OK(this->store_->MakeGroup("a"));
  ASSERT_OK(this->store_->MakeLink("a", "a/b"));
  EXPECT_EQ(*this->store_->Resolve("a/b/b"), "a");
  EXPECT_EQ(this->TypeOf("a/b/b/b"), NodeType::kComposite);
}

TYPED_TEST(StoreConformance, WritesUnderAValueOrOverAGroupAreRefused) {
  ASSERT_OK(this->store_->Write("leaf", "x"));
  EXPECT_TRUE(this->store_->Write("leaf/child", "y").IsInvalidArgument());
  EXPECT_EQ(this->ReadOr("leaf"), "x");
  ASSERT_OK(this->store_->MakeLink("leaf", "ln"));
  EXPECT_TRUE(this->store_->Write("ln/child", "y").IsInvalidArgument());
  EXPECT_TRUE(this->store_->Write("ln", "y").IsInvalidArgument());
  ASSERT_OK(this->store_->Write("grp/a", "1"));
  EXPECT_TRUE(this->store_->Write("grp", "y").IsInvalidArgument());
  EXPECT_EQ(this->ListOf("grp"), Names{"a"});
}

TYPED_TEST(StoreConformance, BatchesAreAllOrNothing) {
  ASSERT_OK(this->store_->Write("leaf", "x"));
  WriteBatch batch;
  batch.Write("msg/a", "1").MakeGroup("msg/sub").MakeLink("msg/a", "alias").Write("leaf/bad", "2");
  Status s = this->store_->Apply(batch);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("batch operation 3"), std::string::npos) << s.ToString();
  EXPECT_EQ(this->ReadOr("msg/a"), "NOT_FOUND");
  EXPECT_EQ(this->ReadOr("alias"), "NOT_FOUND");
  EXPECT_EQ(this->TypeOf("msg"), NodeType::kNotFound);
  EXPECT_EQ(this->ListOf(""), Names{"leaf"});
}

TYPED_TEST(StoreConformance, LaterBatchOperationsSeeEarlierOnes) {
  WriteBatch batch;
  batch.Write("v1", "one")
      .Write("v2", "two")
      .MakeLink("v1", "slot")
      .MakeLink("v2", "slot")  // first writer in the batch wins
      .Write("g/x", "gx")
      .MakeGroup("g")  // already a group by now: kept
      .Write("tmp/t", "t")
      .Delete("tmp/t")
      .Delete("tmp");  // empty by now
  ASSERT_OK(this->store_->Apply(batch));
  EXPECT_EQ(this->ReadOr("slot"), "one");
  EXPECT_EQ(this->ListOf("g"), Names{"x"});
  EXPECT_EQ(this->TypeOf("tmp"), NodeType::kNotFound);
  EXPECT_EQ(this->ListOf(""), (Names{"g", "slot", "v1", "v2"}));
}

TYPED_TEST(StoreConformance, DeleteRemovesValuesLinksAndEmptyGroupsOnly) {
  ASSERT_OK(this->store_->Write("g/a", "1"));
  ASSERT_OK(this->store_->MakeLink("g/a", "g/l"));
  EXPECT_TRUE(this->store_->Delete("g").IsInvalidArgument());
  ASSERT_OK(this->store_->Delete("g/l"));  // the link, not its target
  EXPECT_EQ(this->ReadOr("g/a"), "1");
  ASSERT_OK(this->store_->Delete("g/a"));
  EXPECT_EQ(this->ListOf("g"), Names{});
  ASSERT_OK(this->store_->Delete("g"));
  EXPECT_EQ(this->TypeOf("g"), NodeType::kNotFound);
  ASSERT_OK(this->store_->Delete("never-existed"));
}

TYPED_TEST(StoreConformance, ChildNamesWithAnyBytesStayInTheirGroup) {
  const std::string nul("\0", 1);
  ASSERT_OK(this->store_->Write("a/b" + nul + "c", "1"));
  ASSERT_OK(this->store_->Write("a" + nul + "b/c", "2"));
  ASSERT_OK(this->store_->Write("a/\xff", "3"));
  EXPECT_EQ(this->ListOf("a"), (Names{"b" + nul + "c", "\xff"}));
  EXPECT_EQ(this->ListOf("a" + nul + "b"), Names{"c"});
  EXPECT_EQ(this->ReadOr("a" + nul + "b/c"), "2");
}

TYPED_TEST(StoreConformance, ScanChildrenSelectsByPrefixRangeDirectionAndLimit) {
  for (std::string name : {"a1", "a2", "a3", "b1", "b2", "c"}) {
    ASSERT_OK(this->store_->Write("g/" + name, name));
  }
  auto scan = [&](ScanOptions options) {
    Result<Names> r = this->store_->ScanChildren("g", options);
    EXPECT_OK(r);
    return r.ok() ? *r : Names{};
  };
  EXPECT_EQ(scan(Scan("a")), (Names{"a1", "a2", "a3"}));
  EXPECT_EQ(scan(Scan("a", "", "", true)), (Names{"a3", "a2", "a1"}));
  EXPECT_EQ(scan(Scan("b", "", "", true, 1)), Names{"b2"});
  EXPECT_EQ(scan(Scan("", "a2", "b2")), (Names{"a2", "a3", "b1"}));
  EXPECT_EQ(scan(Scan("", "a2", "b2", true, 2)), (Names{"b1", "a3"}));
  EXPECT_EQ(scan(Scan("b", "a")), (Names{"b1", "b2"}));
  EXPECT_EQ(scan(Scan("z")), Names{});
  EXPECT_EQ(scan(Scan("", "", "", false, 2)), (Names{"a1", "a2"}));
  EXPECT_EQ(*this->store_->LatestChild("g"), std::optional<std::string>("c"));
  EXPECT_EQ(*this->store_->LatestChild("g", "a"), std::optional<std::string>("a3"));
  EXPECT_EQ(*this->store_->LatestChild("g", "x"), std::nullopt);
  EXPECT_TRUE(this->store_->LatestChild("nope").status().IsNotFound());
}

TYPED_TEST(StoreConformance, EncodedSlotsListInNumericOrderAndLatestIsTheMaximum) {
  std::vector<uint64_t> slots = {5, 1000, 0, 99, 10, 9, 100, 1, 999};
  for (uint64_t slot : slots) ASSERT_OK(this->store_->MakeLink("data/x", AssignmentPath("P", slot)));
  std::sort(slots.begin(), slots.end());
  Names listed = this->ListOf(AssignmentsGroup("P"));
  ASSERT_EQ(listed.size(), slots.size());
  for (size_t i = 0; i < slots.size(); ++i) EXPECT_EQ(*DecodeSlot(listed[i]), slots[i]);
  EXPECT_EQ(*LatestSlot(*this->store_, AssignmentsGroup("P")), std::optional<uint64_t>(1000));
}

TYPED_TEST(StoreConformance, LatestChildOfALargeGroupIsFoundBySeek) {
  WriteBatch batch;
  for (uint64_t slot = 0; slot < 5000; ++slot) batch.Write(ComputedSlotPath("P", slot), "r");
  ASSERT_OK(this->store_->Apply(batch));
  ASSERT_OK(this->store_->Write(ComputedSlotPath("P", 5000), "last"));
  EXPECT_EQ(*LatestSlot(*this->store_, ComputedSlotGroup("P")), std::optional<uint64_t>(5000));
  ScanOptions page = Scan("", EncodeSlot(4998), "", false, 2);
  EXPECT_EQ(*this->store_->ScanChildren(ComputedSlotGroup("P"), page),
            (Names{EncodeSlot(4998), EncodeSlot(4999)}));
}

TYPED_TEST(StoreConformance, ConcurrentWritersToOneGroupLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_OK(this->store_->Write(
            "shared/" + std::to_string(t) + "-" + std::to_string(i), "v"));
        EXPECT_OK(this->store_->MakeLink("shared/0-0", "links/" + std::to_string(i)));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(this->ListOf("shared").size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(this->ListOf("links").size(), size_t{kPerThread});
}

TYPED_TEST(StoreConformance, CallsAfterCloseReturnClosed) {
  ASSERT_OK(this->store_->Write("k", "v"));
  ASSERT_OK(this->store_->Close());
  ASSERT_OK(this->store_->Close());  // idempotent
  EXPECT_TRUE(this->store_->Read("k").status().IsClosed());
  EXPECT_TRUE(this->store_->Write("k", "v").IsClosed());
  EXPECT_TRUE(this->store_->List("").status().IsClosed());
}

// ---- LevelDB only ----

LevelDbStoreOptions NoCreate() {
  LevelDbStoreOptions options;
  options.create_if_missing = false;
  return options;
}

// A content operation does not read the path it writes (the plain ones read it to decide what
// to do): writing a slot's content leaf costs no store read once its group is known.
TEST(KvStoreContentOperations, WriteWithoutReadingThePath) {
  MemoryStore store;
  ASSERT_OK(store.Write("data/first", "x"));
  ASSERT_EQ(*store.Type("data"), NodeType::kComposite);  // read once: now a group the store knows
  const int64_t before = store.point_reads();
  WriteBatch content;
  content.WriteContent("data/h2", "leaf").WriteContent("data/h3", "leaf 3");
  ASSERT_OK(store.Apply(content));
  EXPECT_EQ(store.point_reads() - before, 0);
  const int64_t plain_before = store.point_reads();
  WriteBatch plain;
  plain.Write("data/h4", "leaf 4");
  ASSERT_OK(store.Apply(plain));
  EXPECT_GE(store.point_reads() - plain_before, 1);  // the plain write reads its path
  EXPECT_EQ(*store.Read("data/h3"), "leaf 3");
}

class LevelDbStoreTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return (dir_.path() / "db").string(); }
  std::unique_ptr<LevelDbStore> MustOpen() {
    auto store = LevelDbStore::Open(DbPath());
    EXPECT_OK(store);
    return store.ok() ? std::move(store).value() : nullptr;
  }
  testing::TempDir dir_;
};

TEST_F(LevelDbStoreTest, ReopenKeepsValuesGroupsAndLinks) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->Write("g/a", "1"));
    ASSERT_OK(store->MakeGroup("empty"));
    ASSERT_OK(store->MakeLink("g", "alias"));
    ASSERT_OK(store->Close());
  }
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Read("alias/a"), "1");
  EXPECT_EQ(*store->Type("empty"), NodeType::kComposite);
  EXPECT_EQ(*store->List(""), (Names{"alias", "empty", "g"}));
}

TEST_F(LevelDbStoreTest, SecondOpenWhileOpenSaysTheStoreIsInUse) {
  auto first = MustOpen();
  ASSERT_NE(first, nullptr);
  auto second = LevelDbStore::Open(DbPath());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsIOError()) << second.status().ToString();
  EXPECT_NE(second.status().message().find("in use by another node"), std::string::npos)
      << second.status().ToString();
  // After the first one closes, the directory opens again.
  ASSERT_OK(first->Close());
  EXPECT_OK(LevelDbStore::Open(DbPath()));
}

TEST_F(LevelDbStoreTest, OpenFromAnotherProcessWhileOpenSaysTheStoreIsInUse) {
  auto first = MustOpen();
  ASSERT_NE(first, nullptr);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto second = LevelDbStore::Open(DbPath());
    bool in_use = !second.ok() && second.status().IsIOError() &&
                  second.status().message().find("in use by another node") != std::string::npos;
    _exit(in_use ? 0 : 1);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
}

TEST_F(LevelDbStoreTest, GarbageCurrentFileIsACorruptionError) {
  ASSERT_OK(MustOpen()->Write("k", "v"));
  std::ofstream(dir_.path() / "db" / "CURRENT", std::ios::trunc) << "garbage\n";
  auto store = LevelDbStore::Open(DbPath());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsCorruption() || store.status().IsIOError())
      << store.status().ToString();
  EXPECT_NE(store.status().message().find(DbPath()), std::string::npos);
}

TEST_F(LevelDbStoreTest, EveryFileOverwrittenWithGarbageIsAClearError) {
  {
    auto store = MustOpen();
    for (int i = 0; i < 100; ++i) ASSERT_OK(store->Write("k/" + std::to_string(i), "value"));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "db")) {
    if (entry.path().filename() == "LOCK") continue;
    std::ofstream(entry.path(), std::ios::trunc | std::ios::binary) << "\x01\x02garbage\xff";
  }
  auto store = LevelDbStore::Open(DbPath());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsCorruption() || store.status().IsIOError())
      << store.status().ToString();
}

TEST_F(LevelDbStoreTest, ForeignNonEmptyDirectoryIsRefused) {
  std::filesystem::create_directories(dir_.path() / "db");
  std::ofstream(dir_.path() / "db" / "notes.txt") << "not a database";
  auto store = LevelDbStore::Open(DbPath());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsCorruption()) << store.status().ToString();
  // And nothing was created among the foreign files.
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "db" / "CURRENT"));
}

TEST_F(LevelDbStoreTest, PathThatIsAFileIsRefused) {
  std::ofstream(dir_.path() / "db") << "a file";
  auto store = LevelDbStore::Open(DbPath());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsInvalidArgument()) << store.status().ToString();
}

TEST_F(LevelDbStoreTest, MissingDirectoryWithoutCreateIsNotFound) {
  auto store = LevelDbStore::Open(DbPath(), NoCreate());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsNotFound()) << store.status().ToString();
}

TEST_F(LevelDbStoreTest, SyncedBatchIsCommittedWithSyncAndSurvivesReopen) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    WriteBatch batch;
    batch.Write("assignments/P/" + EncodeSlot(0), "a0").Write("assignments/P/latest", "0");
    ASSERT_OK(store->Apply(batch, WriteOptions{.sync = true}));
    EXPECT_EQ(store->TEST_synced_commits(), 1u);
    ASSERT_OK(store->Write("unsynced", "u"));  // default: not synced
    EXPECT_EQ(store->TEST_synced_commits(), 1u);
  }
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Read("assignments/P/" + EncodeSlot(0)), "a0");
  EXPECT_EQ(*store->Read("unsynced"), "u");
}

}  // namespace
}  // namespace ao
