#include "aocore/node/result_cache.h"

#include <gtest/gtest.h>

#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao {
namespace {

ResolveOptions WithCacheControl(const Node& node, Value cc) {
  ResolveOptions o = node.DefaultResolveOptions();
  o.cache_control = std::move(cc);
  return o;
}

Value List(std::initializer_list<const char*> items) {
  Value::List l;
  for (const char* i : items) l.push_back(Value(i));
  return Value(std::move(l));
}

class ResultCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
    ASSERT_OK(n);
    node_ = std::move(n).value();
  }
  std::unique_ptr<Node> node_;
};

TEST_F(ResultCacheTest, DirectivePrecedence) {
  Message base{{"cache-control", "no-cache"}}, req{{"path", "a"}, {"cache-control", "cache"}};
  ResolveOptions opts = node_->DefaultResolveOptions();
  EXPECT_FALSE(EffectiveCacheSettings(base, req, nullptr, opts).lookup);  // M1 before M2
  opts.cache_control = Value("always");
  CacheSettings s = EffectiveCacheSettings(base, req, nullptr, opts);
  EXPECT_TRUE(s.lookup && s.store);  // Opts before M1; always = store + lookup
  opts.cache_control = List({"no-store", "always"});
  EXPECT_TRUE(EffectiveCacheSettings(base, req, nullptr, opts).store);  // always wins its list
  opts.hashpath = HashpathMode::kIgnore;
  EXPECT_FALSE(EffectiveCacheSettings(base, req, nullptr, opts).store);
  Message none;
  EXPECT_FALSE(EffectiveCacheSettings(none, none, nullptr, node_->DefaultResolveOptions()).lookup);
}

TEST_F(ResultCacheTest, OnlyIfCachedAloneExecutesNormally) {  // E27
  Result<ResolveResult> r = node_->Resolve(Value(Message{{"a", 1}}), Value("a"), WithCacheControl(*node_, List({"only-if-cached"})));
  ASSERT_OK(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->value.integer(), 1);
}

TEST_F(ResultCacheTest, OnlyIfCachedWithLookupMissesWith504) {  // E28
  Result<ResolveResult> r =
      node_->Resolve(Value(Message{{"a", 1}}), Value("a"), WithCacheControl(*node_, List({"cache", "only-if-cached"})));
  ASSERT_OK(r);
  ASSERT_EQ(r->status, "error");
  EXPECT_EQ(r->value.message().Find("status")->integer(), 504);
  EXPECT_EQ(*r->value.message().FindBinary("cache-status"), "miss");
}

TEST_F(ResultCacheTest, StoredResultIsServedFromTheCacheWithoutItsHashpath) {
  Message base{{"x", "1"}};
  Message req{{"path", "set"}, {"y", "2"}};
  Result<ResolveResult> stored = node_->Resolve(Value(base), Value(req), WithCacheControl(*node_, List({"store"})));
  ASSERT_OK(stored);
  ASSERT_TRUE(stored->ok());
  // A lookup-only resolution now hits even with only-if-cached (no execution needed).
  Result<ResolveResult> hit =
      node_->Resolve(Value(base), Value(req), WithCacheControl(*node_, List({"cache", "only-if-cached"})));
  ASSERT_OK(hit);
  ASSERT_TRUE(hit->ok()) << hit->DebugString();
  EXPECT_EQ(*hit->value.message().FindBinary("y"), "2");
  const Message* priv = hit->value.message().FindMessage("priv");
  EXPECT_TRUE(priv == nullptr || !priv->Contains("hashpath"));  // cached maps lose their hashpath
  // A different request misses.
  Message other{{"path", "set"}, {"y", "3"}};
  Result<ResolveResult> miss =
      node_->Resolve(Value(base), Value(other), WithCacheControl(*node_, List({"cache", "only-if-cached"})));
  ASSERT_OK(miss);
  EXPECT_EQ(miss->status, "error");
}

TEST_F(ResultCacheTest, NoStoreIsTheDefault) {
  Message base{{"x", "1"}};
  ASSERT_OK(node_->Resolve(Value(base), Value("x"), node_->DefaultResolveOptions()));
  Result<ResolveResult> r = node_->Resolve(Value(base), Value("x"), WithCacheControl(*node_, List({"cache", "only-if-cached"})));
  ASSERT_OK(r);
  EXPECT_EQ(r->status, "error");
}

}  // namespace
}  // namespace ao
