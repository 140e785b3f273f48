#include "aocore/ao/device_registry.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

DevicePtr Named(std::string name) { return FunctionDevice::Map(std::move(name)); }

TEST(DeviceRegistry, FindsNamesCaseInsensitively) {
  DeviceRegistry registry;
  ASSERT_OK(registry.Register("Stack@1.0", Named("stack")));
  Result<DevicePtr> d = registry.Find("STACK@1.0");
  ASSERT_OK(d);
  EXPECT_EQ((*d)->name(), "stack");
  EXPECT_EQ(registry.Names(), std::vector<std::string>{"stack@1.0"});
}

TEST(DeviceRegistry, UnknownAndRemoteDevicesAreTypedErrors) {
  DeviceRegistry registry;
  EXPECT_TRUE(registry.Find("nope@1.0").status().IsInvalidArgument());
  EXPECT_TRUE(registry.Find(std::string(43, 'x')).status().IsInvalidArgument());
  EXPECT_TRUE(registry.Find("").status().IsInvalidArgument());
  EXPECT_TRUE(registry.Register("x@1.0", nullptr).IsInvalidArgument());
  EXPECT_TRUE(registry.Register(std::string(32, 'n'), Named("n")).IsInvalidArgument());
}

TEST(DeviceRegistry, AliasesResolveButAreNotListed) {
  DeviceRegistry registry;
  ASSERT_OK(registry.Register("message@1.0", Named("message")));
  ASSERT_OK(registry.RegisterAlias("dev_message", "message@1.0"));
  EXPECT_TRUE(registry.RegisterAlias("dev_x", "x@1.0").IsNotFound());
  ASSERT_OK(registry.Find("dev_message"));
  EXPECT_EQ(registry.Names(), std::vector<std::string>{"message@1.0"});
}

TEST(DeviceRegistry, ConcurrentRegisterAndFindAreSafe) {
  DeviceRegistry registry;
  ASSERT_OK(registry.Register("base@1.0", Named("base")));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < 200; ++i) {
        EXPECT_OK(registry.Register("d" + std::to_string(t) + "-" + std::to_string(i) + "@1.0", Named("d")));
        EXPECT_OK(registry.Find("base@1.0"));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(registry.Names().size(), 801u);
}

}  // namespace
}  // namespace ao
