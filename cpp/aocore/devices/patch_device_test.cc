// patch@1.0: the reference's scenarios 36-39 (uninitialized_patch, patch_to_submessage,
// all_mode, req_prefix) and the numeric merge order fix.
#include "aocore/devices/patch_device.h"

#include <gtest/gtest.h>

#include "aocore/ao/resolver.h"
#include "testing/fixture_devices.h"
#include "testing/test_util.h"

namespace ao {
namespace {

class PatchDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    resolver_ = ::ao::testing::MakeResolver();
    opts_.hashpath = HashpathMode::kIgnore;
  }
  Message Run(const Message& base, const Message& req) {
    Result<ResolveResult> r = resolver_->Resolve(Value(base), req, opts_);
    EXPECT_OK(r);
    if (!r.ok()) return Message();
    EXPECT_TRUE(r->ok()) << r->DebugString();
    return r->value.is_message() ? r->value.message() : Message();
  }
  Value Get(const Message& m, std::string_view path) {
    Result<Value> v = resolver_->Get(Value(m), Value(path), Value("<not_found>"), opts_.Internal());
    EXPECT_OK(v);
    return v.ok() ? *v : Value();
  }
  std::unique_ptr<Resolver> resolver_;
  ResolveOptions opts_;
};

Message Patch(Message fields) {
  fields.Set("method", Value("PATCH"));
  return fields;
}

TEST_F(PatchDeviceTest, UninitializedPatchAppliesTheOutboxToTheRoot) {
  Message outbox{{"1", Value(Patch(Message{{"prices", Value(Message{{"apple", Value(100)}, {"banana", Value(200)}})}}))},
                 {"2", Value(Message{{"method", "GET"}, {"prices", Value(Message{{"apple", Value(1000)}})}})}};
  Message base{{"device", "patch@1.0"},
               {"results", Value(Message{{"outbox", Value(outbox)}})},
               {"patch-to", "/"},
               {"patch-from", "/results/outbox"}};
  Message out = Run(base, Message{{"path", "compute"}});
  EXPECT_EQ(Get(out, "prices/apple"), Value(100));
  EXPECT_EQ(Get(out, "results/outbox/1"), Value("<not_found>"));
  EXPECT_EQ(Get(out, "results/outbox/2/method"), Value("GET"));
}

TEST_F(PatchDeviceTest, PatchToASubmessageMergesIntoIt) {
  Message signed_patch = Patch(Message{{"prices", Value(Message{{"apple", Value(100)}})}});
  signed_patch.Set("commitments", Value(Message{{"abc", Value(Message{{"committer", "x"}})}}));
  Message base{{"device", "patch@1.0"},
               {"results", Value(Message{{"outbox", Value(Message{{"1", Value(signed_patch)}})}})},
               {"state", Value(Message{{"prices", Value(Message{{"apple", Value(1000)}, {"pear", Value(5)}})}})},
               {"patch-to", "/state"},
               {"patch-from", "/results/outbox"}};
  Message out = Run(base, Message{{"path", "compute"}});
  EXPECT_EQ(Get(out, "state/prices/apple"), Value(100));
  EXPECT_EQ(Get(out, "state/prices/pear"), Value(5));
  EXPECT_EQ(Get(out, "state/commitments"), Value("<not_found>"));
}

TEST_F(PatchDeviceTest, AllModeMovesTheWholeSource) {
  Message zones{{"1", Value(Patch(Message{{"prices", Value(Message{{"apple", Value(100)}})}}))},
                {"2", Value(Message{{"method", "GET"}, {"prices", Value(Message{{"orange", Value(300)}})}})}};
  Message base{{"device", "patch@1.0"}, {"input", Value(Message{{"zones", Value(zones)}})}};
  Message out = Run(base, Message{{"path", "all"}, {"patch-to", "/state"}, {"patch-from", "/input/zones"}});
  EXPECT_EQ(Get(out, "state/1/prices/apple"), Value(100));
  EXPECT_EQ(Get(out, "state/2/prices/orange"), Value(300));
  EXPECT_EQ(Get(out, "input/zones"), Value("<not_found>"));
}

TEST_F(PatchDeviceTest, ReqPrefixReadsFromTheRequest) {
  Message req{{"path", "all"},
              {"patch-from", "req:/results/outbox/1"},
              {"patch-to", "/state"},
              {"results", Value(Message{{"outbox", Value(Message{{"1", Value(Patch(Message{
                  {"prices", Value(Message{{"apple", Value(100)}, {"banana", Value(200)}})}}))}})}})}};
  Message out = Run(Message{{"device", "patch@1.0"}}, req);
  EXPECT_EQ(Get(out, "state/prices/apple"), Value(100));
  EXPECT_EQ(Get(out, "state/prices/banana"), Value(200));
  EXPECT_EQ(Get(out, "results/outbox/1"), Value("<not_found>"));
}

TEST_F(PatchDeviceTest, ManyPatchesMergeInNumericOrder) {
  Message outbox;
  for (int i = 1; i <= 40; ++i) outbox.Set(std::to_string(i), Value(Patch(Message{{"x", Value(i)}})));
  Message base{{"device", "patch@1.0"},
               {"results", Value(Message{{"outbox", Value(outbox)}})},
               {"patch-from", "/results/outbox"}};
  Message out = Run(base, Message{{"path", "compute"}});
  EXPECT_EQ(Get(out, "x"), Value(40));  // bytewise order would end at "9"
}

TEST_F(PatchDeviceTest, InitNormalizeAndSnapshotReturnTheBase) {
  Message base{{"device", "patch@1.0"}, {"k", "v"}};
  for (const char* key : {"init", "normalize", "snapshot"}) {
    Message out = Run(base, Message{{"path", key}});
    EXPECT_EQ(Get(out, "k"), Value("v")) << key;
  }
}

}  // namespace
}  // namespace ao
