// AoInstance against @permaweb/ao-loader 0.0.49: tests/data/aos/expected_aos2_0_6.json holds the
// exact msg/env strings of a 9-step scenario, the raw string ao-loader's module call returned
// and the sha256 of the full linear memory after each step.
#include "aocore/wasm/ao_instance.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/wasm/ao_module.h"
#include "aocore/wasm/wasm_runtime.h"
#include "testing/test_util.h"

namespace ao::wasm {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string ModulePath(const std::string& name) { return std::string(AOCORE_AOS_MODULES_DIR) + "/" + name + ".wasm"; }

struct Step {
  std::string msg, raw, sha256;
  size_t memory_bytes;
};

class AoInstanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto module = AoModule::Load(ReadFile(ModulePath("aos2_0_6")), kFormatWasm64, WasmRuntime::DefaultCacheDir());
    ASSERT_TRUE(module.ok()) << module.status().ToString();
    module_ = new std::shared_ptr<AoModule>(*module);
    auto expected = nlohmann::json::parse(ReadFile(std::string(AOCORE_TEST_DATA_DIR) + "/aos/expected_aos2_0_6.json"));
    env_ = new std::string(expected["env"].get<std::string>());
    steps_ = new std::vector<Step>();
    for (const auto& s : expected["steps"]) {
      steps_->push_back({s["msg"], s["raw"], s["memorySha256"], s["memoryBytes"].get<size_t>()});
    }
  }
  static void TearDownTestSuite() {
    delete module_;
    delete env_;
    delete steps_;
  }

  static std::unique_ptr<AoInstance> NewInstance(InstanceOptions options = {}) {
    auto inst = (*module_)->Instantiate(std::move(options));
    EXPECT_TRUE(inst.ok()) << inst.status().ToString();
    return inst.ok() ? std::move(inst).value() : nullptr;
  }

  static void ExpectStepMatches(AoInstance& inst, size_t i) {
    const Step& step = (*steps_)[i];
    auto out = inst.Handle(step.msg, *env_);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_FALSE(out->trapped) << out->trapped->message;
    EXPECT_EQ(out->raw, step.raw) << "step " << i;
    std::string_view mem = inst.MemoryView();
    EXPECT_EQ(mem.size(), step.memory_bytes) << "step " << i;
    EXPECT_EQ(HexEncode(Sha256(mem)), step.sha256) << "step " << i;
  }

  // A CU-shaped Eval message (the scenario's shape, a fresh nonce).
  static std::string Eval(int n, const std::string& code) {
    nlohmann::ordered_json m = nlohmann::ordered_json::parse((*steps_)[1].msg);
    m["Id"] = "EVAL" + std::to_string(n) + std::string(39 - std::to_string(n).size(), '_');
    m["Data"] = code;
    m["Nonce"] = 100 + n;
    return m.dump();
  }

  static std::shared_ptr<AoModule>* module_;
  static std::string* env_;
  static std::vector<Step>* steps_;
};
std::shared_ptr<AoModule>* AoInstanceTest::module_ = nullptr;
std::string* AoInstanceTest::env_ = nullptr;
std::vector<Step>* AoInstanceTest::steps_ = nullptr;

TEST_F(AoInstanceTest, EveryScenarioStepMatchesAoLoaderResultAndMemory) {
  auto inst = NewInstance();
  ASSERT_NE(inst, nullptr);
  for (size_t i = 0; i < steps_->size(); ++i) ExpectStepMatches(*inst, i);
}

TEST_F(AoInstanceTest, InstanceRestoredFromMidwayMemoryContinuesIdentically) {
  std::string memory;
  int64_t clock;
  {
    auto first = NewInstance();
    ASSERT_NE(first, nullptr);
    for (size_t i = 0; i <= 3; ++i) ExpectStepMatches(*first, i);
    memory = first->Memory();
    clock = first->clock();
  }
  EXPECT_EQ(clock, kFirstClockValue + 1);  // the boot's Lua seed took the first value
  auto restored = NewInstance({.memory = memory, .clock = clock});
  ASSERT_NE(restored, nullptr);
  for (size_t i = 4; i < steps_->size(); ++i) ExpectStepMatches(*restored, i);
}

TEST_F(AoInstanceTest, RestoredMemoryIsTheImageByteForByteWhereBootingWroteOtherBytes) {
  // An image whose pages differ from a freshly booted memory both ways: zeroed where booting
  // leaves data, data where booting leaves zeros.
  std::string image;
  {
    auto booted = NewInstance();
    ASSERT_NE(booted, nullptr);
    image = booted->Memory();
  }
  size_t data_page = 0;
  while (data_page < image.size() && image.substr(data_page, 4096) == std::string(4096, '\0')) data_page += 4096;
  ASSERT_LT(data_page, image.size());
  std::fill_n(image.begin() + static_cast<std::ptrdiff_t>(data_page), 4096, '\0');
  const size_t zero_page = image.size() - 4096 * 3;
  ASSERT_EQ(image.substr(zero_page, 4096), std::string(4096, '\0'));
  image[zero_page + 17] = 'x';
  auto restored = NewInstance({.memory_view = image});
  ASSERT_NE(restored, nullptr);
  EXPECT_TRUE(restored->MemoryView() == image);
  // After a trap it is back at the same bytes.
  ASSERT_OK(restored->Reset());
  EXPECT_TRUE(restored->MemoryView() == image);
}

TEST_F(AoInstanceTest, AnImageGivenInPiecesRestoresTheSameMemoryAndRun) {
  std::string memory;
  int64_t clock = 0;
  {
    auto first = NewInstance();
    ASSERT_NE(first, nullptr);
    for (size_t i = 0; i < 4; ++i) ExpectStepMatches(*first, i);
    memory = first->Memory();
    clock = first->clock();
  }
  // The image's non-zero 256 KiB pieces only, as ContentCache::VisitBinary yields a chunked
  // binary: every byte between them must read as zero, whatever booting wrote there.
  constexpr size_t kPiece = 256 << 10;
  auto pieces = [&](const InstanceOptions::MemoryPut& put) -> Status {
    for (size_t at = 0; at < memory.size(); at += kPiece) {
      std::string_view piece = std::string_view(memory).substr(at, kPiece);
      if (piece.find_first_not_of('\0') == std::string_view::npos) continue;
      AO_RETURN_IF_ERROR(put(at, piece));
    }
    return Status::OK();
  };
  auto restored = NewInstance({.memory_pieces = pieces, .memory_size = memory.size(), .clock = clock});
  ASSERT_NE(restored, nullptr);
  EXPECT_TRUE(restored->MemoryView() == memory);
  for (size_t i = 4; i < steps_->size(); ++i) ExpectStepMatches(*restored, i);
}

TEST_F(AoInstanceTest, PiecesOutOfOrderOrBeyondTheImageAreRefused) {
  const std::string page(4096, 'x');
  auto make = [&](std::vector<uint64_t> offsets, uint64_t size) {
    InstanceOptions options;
    options.memory_size = size;
    options.memory_pieces = [&page, offsets](const InstanceOptions::MemoryPut& put) -> Status {
      for (uint64_t at : offsets) AO_RETURN_IF_ERROR(put(at, page));
      return Status::OK();
    };
    return (*module_)->Instantiate(std::move(options));
  };
  const uint64_t size = uint64_t{128} << 20;
  EXPECT_TRUE(make({8192, 4096}, size).status().IsInvalidArgument());     // out of order
  EXPECT_TRUE(make({100}, size).status().IsInvalidArgument());            // not 4 KiB-aligned
  EXPECT_TRUE(make({size}, size).status().IsInvalidArgument());           // beyond the image
  EXPECT_TRUE(make({0}, size + 4096).status().IsInvalidArgument());       // not whole 64 KiB pages
  auto ok = make({0, size - 4096}, size);
  ASSERT_OK(ok);
  EXPECT_EQ((*ok)->MemoryView().substr(size - 4096), page);
}

TEST_F(AoInstanceTest, ACheckpointHoldsOnlyTheNonZeroPagesOfTheMemory) {
  auto inst = NewInstance();
  ASSERT_NE(inst, nullptr);
  ExpectStepMatches(*inst, 0);
  inst->Checkpoint();
  const uint64_t memory = inst->MemoryView().size();
  ASSERT_GT(memory, uint64_t{100} << 20);  // an AOS memory: about 105 MiB, mostly zero
  EXPECT_LT(inst->ResidentBytes(), memory + (uint64_t{16} << 20));
}

TEST_F(AoInstanceTest, RunawayLoopEndsAtTheComputeLimitAndTheInstanceGoesOn) {
  InstanceOptions options;
  options.compute_limit_ms = 300;
  auto inst = NewInstance(options);
  ASSERT_NE(inst, nullptr);
  ExpectStepMatches(*inst, 0);
  inst->Checkpoint();
  auto looped = inst->Handle(Eval(1, "while true do end"), *env_);
  ASSERT_OK(looped);
  ASSERT_TRUE(looped->trapped);
  EXPECT_EQ(looped->trapped->kind, HostFault::Kind::kComputeLimit);
  EXPECT_NE(looped->trapped->message.find("compute limit"), std::string::npos);
  // Back at the checkpoint: the scenario's step 1 gives ao-loader's result and memory again.
  ExpectStepMatches(*inst, 1);
}

TEST_F(AoInstanceTest, AMessageLongerThanManyEpochTicksButWithinTheComputeLimitFinishes) {
  InstanceOptions options;
  options.compute_limit_ms = 20'000;
  auto inst = NewInstance(options);
  ASSERT_NE(inst, nullptr);
  ExpectStepMatches(*inst, 0);
  // Tens of epoch ticks of CPU time: the deadline callback lets the call go on at each of them.
  const auto start = std::chrono::steady_clock::now();
  auto counted = inst->Handle(Eval(1, "local n = 0 for i = 1, 20000000 do n = n + 1 end return n"), *env_);
  ASSERT_OK(counted);
  ASSERT_FALSE(counted->trapped) << counted->trapped->message;
  EXPECT_NE(counted->raw.find("20000000"), std::string::npos) << counted->raw;
  EXPECT_GT(std::chrono::steady_clock::now() - start, 5 * kEpochTick);
}

TEST_F(AoInstanceTest, RunawayLoopsOnSeveralThreadsEachEndAtTheirLimitAgainAndAgain) {
  // One ticker serves every limited call; it sleeps between them and must wake for the next.
  for (int round = 0; round < 2; ++round) {
    std::vector<std::optional<HostFault::Kind>> kinds(2);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < kinds.size(); ++i) {
      threads.emplace_back([&, i] {
        InstanceOptions options;
        options.compute_limit_ms = 100 + 100 * i;
        auto inst = NewInstance(options);
        if (inst == nullptr || !inst->Handle((*steps_)[0].msg, *env_).ok()) return;
        auto looped = inst->Handle(Eval(1, "while true do end"), *env_);
        if (looped.ok() && looped->trapped) kinds[i] = looped->trapped->kind;
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& kind : kinds) EXPECT_EQ(kind, HostFault::Kind::kComputeLimit) << "round " << round;
  }
}

TEST_F(AoInstanceTest, MemoryLimitMakesAllocationFailInsideLua) {
  InstanceOptions options;
  options.memory_limit = 160ull << 20;
  auto inst = NewInstance(options);
  ASSERT_NE(inst, nullptr);
  ExpectStepMatches(*inst, 0);
  auto big = inst->Handle(Eval(2, "local s = string.rep('x', 100 * 1024 * 1024) return #s"), *env_);
  ASSERT_OK(big);
  ASSERT_FALSE(big->trapped);
  EXPECT_NE(big->raw.find("not enough memory"), std::string::npos) << big->raw;
  EXPECT_LE(inst->MemoryView().size(), 160ull << 20);
  auto after = inst->Handle(Eval(3, "return 1+1"), *env_);
  ASSERT_OK(after);
  EXPECT_NE(after->raw.find(R"("data":"2")"), std::string::npos) << after->raw;
}

TEST_F(AoInstanceTest, WeaveDriveDataReadIsAClearErrorNotAWrongAnswer) {
  auto inst = NewInstance();
  ASSERT_NE(inst, nullptr);
  ExpectStepMatches(*inst, 0);
  auto read = inst->Handle(Eval(4, "local f = io.open('/data/" + std::string(43, 'A') + "') return tostring(f)"), *env_);
  ASSERT_OK(read);
  ASSERT_TRUE(read->trapped);
  EXPECT_EQ(read->trapped->kind, HostFault::Kind::kUnsupported);
  EXPECT_NE(read->trapped->message.find("WeaveDrive"), std::string::npos);
}

TEST_F(AoInstanceTest, InvalidUtf8InTheResultIsReplacedAsAoLoaderDoes) {
  auto inst = NewInstance();
  ASSERT_NE(inst, nullptr);
  ExpectStepMatches(*inst, 0);
  auto out = inst->Handle(Eval(5, R"(return "A\255\254B")"), *env_);
  ASSERT_OK(out);
  EXPECT_NE(out->raw.find("A\xEF\xBF\xBD\xEF\xBF\xBD" "B"), std::string::npos) << out->raw;
}

TEST(AoModuleTest, Wasm32ModuleRunsAnEval) {
  auto module = AoModule::Load(ReadFile(ModulePath("aos2_0_4_32")), kFormatWasm32, WasmRuntime::DefaultCacheDir());
  ASSERT_OK(module);
  EXPECT_FALSE((*module)->is_64());
  auto inst = (*module)->Instantiate({});
  ASSERT_OK(inst);
  auto expected = nlohmann::json::parse(ReadFile(std::string(AOCORE_TEST_DATA_DIR) + "/aos/expected_aos2_0_6.json"));
  const std::string env = expected["env"];
  for (size_t i = 0; i <= 1; ++i) {
    auto out = (*inst)->Handle(expected["steps"][i]["msg"].get<std::string>(), env);
    ASSERT_OK(out);
    ASSERT_FALSE(out->trapped);
    if (i == 1) {
      EXPECT_NE(out->raw.find(R"("data":"2")"), std::string::npos) << out->raw;
    }
  }
  EXPECT_EQ((*inst)->MemoryView().size(), 109969408u);  // what ao-loader ends at for this module
}

TEST(AoModuleTest, UnsupportedFormatsAndImportsAreClearErrors) {
  const std::string aos = ReadFile(ModulePath("aos2_0_6"));
  auto metering = AoModule::Load(aos, "wasm64-unknown-emscripten-draft_2024_10_16-metering", "");
  ASSERT_FALSE(metering.ok());
  EXPECT_TRUE(metering.status().IsInvalidArgument());
  EXPECT_NE(metering.status().message().find("metering"), std::string::npos);

  auto wrong_width = AoModule::Load(aos, kFormatWasm32, "");
  ASSERT_FALSE(wrong_width.ok());
  EXPECT_NE(wrong_width.status().message().find("64-bit"), std::string::npos);

  auto sqlite = AoModule::Load(ReadFile(ModulePath("sqlite")), kFormatWasm64, "");
  ASSERT_FALSE(sqlite.ok());
  EXPECT_NE(sqlite.status().message().find("unsupported import env.__syscall_faccessat"), std::string::npos)
      << sqlite.status().message();

  auto garbage = AoModule::Load("not wasm", kFormatWasm64, "");
  ASSERT_FALSE(garbage.ok());
  EXPECT_TRUE(garbage.status().IsInvalidArgument());
}

TEST(WasmRuntimeTest, CompiledModulesAreReusedAndCachedOnDisk) {
  ao::testing::TempDir dir;
  // A module no other test compiles: the smallest valid one plus a custom section with a nonce.
  std::string wasm("\0asm\x01\0\0\0", 8);
  const std::string nonce = std::to_string(reinterpret_cast<uintptr_t>(&dir));
  wasm += std::string("\0", 1) + static_cast<char>(nonce.size() + 2) + '\x01' + "n" + nonce;
  WasmRuntime& runtime = WasmRuntime::Default();
  const auto before = runtime.stats();
  ASSERT_OK(runtime.Compile(wasm, dir.str()));
  ASSERT_OK(runtime.Compile(wasm, dir.str()));
  const auto after = runtime.stats();
  EXPECT_EQ(after.compiled - before.compiled, 1);
  EXPECT_EQ(after.from_memory - before.from_memory, 1);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.path().extension() == ".cwasm";
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace ao::wasm
