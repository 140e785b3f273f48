#include "aocore/wasm/module_interface.h"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace ao::wasm {
namespace {

std::string ReadModule(const std::string& name) {
  std::ifstream in(std::string(AOCORE_AOS_MODULES_DIR) + "/" + name + ".wasm", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ParseModuleInterfaceTest, ReadsTheAos2Wasm64Interface) {
  auto parsed = ParseModuleInterface(ReadModule("aos2_0_6"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->imports.size(), 31u);
  ASSERT_TRUE(parsed->memory);
  EXPECT_TRUE(parsed->memory->is_64);
  EXPECT_EQ(parsed->memory->min_pages, 1088u);
  EXPECT_EQ(parsed->memory->max_pages, 8192u);
  const ModuleItem* handle = parsed->FindExport("handle");
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(handle->signature, (Signature{"II", "I"}));
  EXPECT_EQ(DescribeSignature(handle->signature), "(i64,i64)->(i64)");
}

TEST(ParseModuleInterfaceTest, ReadsTheWasm32Interface) {
  auto parsed = ParseModuleInterface(ReadModule("aos2_0_4_32"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->memory);
  EXPECT_FALSE(parsed->memory->is_64);
  bool found = false;
  for (const ModuleItem& item : parsed->imports) {
    if (item.name == "invoke_vii") {
      found = true;
      EXPECT_EQ(item.module, "env");
      EXPECT_EQ(item.signature, (Signature{"iii", ""}));
    }
  }
  EXPECT_TRUE(found);
}

TEST(ParseModuleInterfaceTest, RejectsNonWasmAndTruncatedBinaries) {
  EXPECT_TRUE(ParseModuleInterface("not wasm").status().IsInvalidArgument());
  const std::string aos = ReadModule("aos2_0_6");
  auto truncated = ParseModuleInterface(aos.substr(0, 200));
  ASSERT_FALSE(truncated.ok());
  EXPECT_TRUE(truncated.status().IsInvalidArgument());
}

}  // namespace
}  // namespace ao::wasm
