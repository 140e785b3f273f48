#include "aocore/wasm/module_interface.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

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

void AppendLeb(std::string& out, uint64_t v) {
  do {
    const uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(static_cast<char>(v ? b | 0x80 : b));
  } while (v);
}

void AppendSection(std::string& module, uint8_t id, const std::string& body) {
  module.push_back(static_cast<char>(id));
  AppendLeb(module, body.size());
  module += body;
}

// A module of `count` functions, function i of type i % 2 ((i32)->i32 or (i64,i64)->()), each
// exported as "f<i>", the exports listed in reverse order.
std::string ManyExportsModule(uint32_t count) {
  std::string module("\0asm\x01\0\0\0", 8);
  AppendSection(module, 1, std::string("\x02\x60\x01\x7F\x01\x7F\x60\x02\x7E\x7E\x00", 11));
  std::string functions;
  AppendLeb(functions, count);
  for (uint32_t i = 0; i < count; ++i) functions.push_back(static_cast<char>(i % 2));
  AppendSection(module, 3, functions);
  std::string exports;
  AppendLeb(exports, count);
  for (uint32_t i = count; i-- > 0;) {
    const std::string name = "f" + std::to_string(i);
    AppendLeb(exports, name.size());
    exports += name;
    exports.push_back(0x00);
    AppendLeb(exports, i);
  }
  AppendSection(module, 7, exports);
  return module;
}

TEST(ParseModuleInterfaceTest, GivesEachOfManyExportsItsOwnFunctionsSignature) {
  // 200,000 exports: the parser once looked each export up by name among all of them, quadratic
  // (50,000 exports took 5.2 s, so these ~80 s; now 0.05 s). A module's exports are outside input.
  constexpr uint32_t kCount = 200'000;
  auto parsed = ParseModuleInterface(ManyExportsModule(kCount));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->exports.size(), kCount);
  for (uint32_t position = 0; position < kCount; ++position) {
    const uint32_t function = kCount - 1 - position;
    const ModuleItem& item = parsed->exports[position];
    ASSERT_EQ(item.name, "f" + std::to_string(function));
    ASSERT_TRUE(item.is_function);
    ASSERT_EQ(item.signature, function % 2 ? (Signature{"II", ""}) : (Signature{"i", "i"})) << item.name;
  }
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
