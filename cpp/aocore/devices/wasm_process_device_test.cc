// genesis-wasm@1.0 under process@1.0 on a node: slot by slot, the CU result and the memory equal
// an AoInstance given the same CU messages with the CU's rule for errors (the memory before the
// message, a new Date.now counter); the same after the node is closed and reopened (restored
// from a restore point, replaying from the last memory image); the outbox shape of CONTRACT.md;
// a dry run changes nothing; a small memory budget evicts and transparently restores.
#include "aocore/devices/wasm_process_device.h"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "aocore/crypto/hash.h"
#include "aocore/devices/cu_shapes.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/id.h"
#include "aocore/node/node.h"
#include "aocore/node/node_options.h"
#include "aocore/wasm/ao_instance.h"
#include "aocore/wasm/ao_module.h"
#include "aocore/wasm/wasm_runtime.h"
#include "testing/test_util.h"

namespace ao {
namespace {

constexpr char kAos206[] = "ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::pair<std::string, std::string>> ModuleTags() {
  return {{"Data-Protocol", "ao"},   {"Variant", "ao.TN.1"},        {"Type", "Module"},
          {"Module-Format", std::string(wasm::kFormatWasm64)},      {"Input-Encoding", "JSON-V1"},
          {"Output-Encoding", "JSON-V1"}, {"Memory-Limit", "1-gb"}, {"Compute-Limit", "9000000000000"}};
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

class WasmProcessDeviceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetAosModuleLookup([](const std::string& id) -> std::optional<AosModule> {
      if (id != kAos206) return std::nullopt;
      return AosModule{id, "", ModuleTags(), ReadFile(std::string(AOCORE_AOS_MODULES_DIR) + "/aos2_0_6.wasm")};
    });
  }
  static void TearDownTestSuite() { SetAosModuleLookup(nullptr); }

  std::unique_ptr<Node> Open(Message options = {}) {
    Result<NodeOptions> parsed = NodeOptions::Parse(Message{});
    EXPECT_TRUE(parsed.ok());
    NodeOptions o = *parsed;
    if (dir_) o.store_path = dir_->path().string();
    if (const Value* b = options.Find("wasm_memory_budget")) o.wasm_memory_budget = b->integer();
    if (const Value* f = options.Find("process_cache_frequency")) o.process_cache_frequency = f->integer();
    Result<std::unique_ptr<Node>> node = Node::Open(o, testing::SharedTestWallet());
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    return std::move(node).value();
  }

  Message SignedItem(std::vector<std::pair<std::string, std::string>> tags, std::string data,
                     std::optional<std::string> target) {
    DataItem item;
    for (auto& [n, v] : tags) item.tags.push_back(Tag{n, v});
    item.data = std::move(data);
    if (target) item.target = *Base64UrlDecode(*target);
    Result<DataItem> signed_item = SignDataItem(std::move(item), testing::SharedTestWallet());
    EXPECT_TRUE(signed_item.ok()) << signed_item.status().ToString();
    Result<Message> m = DataItemToMessage(*signed_item);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return *m;
  }

  Message Spawn(Node& node, std::vector<std::pair<std::string, std::string>> extra = {}) {
    const std::string addr = node.address();
    std::vector<std::pair<std::string, std::string>> tags{
        {"Data-Protocol", "ao"}, {"Variant", "ao.TN.1"}, {"Type", "Process"},
        {"Module", kAos206},     {"Scheduler", addr},    {"Authority", addr},
        {"Device", "process@1.0"}, {"Execution-Device", "genesis-wasm@1.0"}};
    tags.insert(tags.end(), extra.begin(), extra.end());
    Message def = SignedItem(tags, "1984", std::nullopt);
    spawn_assignment_ = Schedule(node, def);
    EXPECT_EQ(spawn_assignment_.Find("slot")->integer(), 0);
    return def;
  }

  Message Schedule(Node& node, const Message& m) {
    ResolveOptions opts = node.DefaultResolveOptions();
    opts.hashpath = HashpathMode::kIgnore;
    Result<ResolveResult> r = node.Resolve(Value(Message{{"device", "scheduler@1.0"}}),
                                           Value(Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(m)}}), opts);
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return r->value.message();
  }

  Message Eval(Node& node, const Message& def, const std::string& pid, const std::string& code) {
    return Schedule(node, SignedItem({{"Action", "Eval"}}, code, pid));
  }

  Message Compute(Node& node, const Message& def, int64_t slot) {
    Result<ResolveResult> r = node.Resolve(Value(def), Value(Message{{"path", "compute"}, {"slot", Value(slot)}}),
                                           node.DefaultResolveOptions());
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return r.ok() && r->ok() ? r->value.message() : Message();
  }

  std::string MemoryHash(Node& node, Message state) {
    state.Set("device", Value(kGenesisWasmDevice));
    ResolveOptions opts = node.DefaultResolveOptions();
    opts.hashpath = HashpathMode::kIgnore;
    Result<ResolveResult> r = node.Resolve(Value(state), Value(Message{{"path", "memory"}}), opts);
    EXPECT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->DebugString() : r.status().ToString());
    return r.ok() && r->ok() ? *r->value.message().FindBinary("sha256") : "";
  }

  static std::string Body(const Message& state) {
    return *state.FindMessage("results")->FindMessage("json")->FindBinary("body");
  }

  // The reference: an AoInstance given the CU messages, with the CU's error rule.
  struct Reference {
    std::shared_ptr<wasm::AoModule> module;
    std::unique_ptr<wasm::AoInstance> inst;
    std::string env;
    std::string Run(const Message& assignment) {
      std::string before = inst->Memory();
      std::string msg = *cu::MessageJson(assignment);
      Result<wasm::HandleOutcome> out = inst->Handle(msg, env);
      cu::EvalResult r = cu::ResultJson(out->raw);
      if (r.error) {
        wasm::InstanceOptions o;
        o.memory = std::move(before);
        inst = std::move(wasm::AoInstance::Create(module, std::move(o))).value();
      }
      return r.json;
    }
    std::string Hash() { return Hex(Sha256(inst->MemoryView())); }
  };

  Reference MakeReference(const Message& def) {
    Reference ref;
    ref.module = *wasm::AoModule::Load(ReadFile(std::string(AOCORE_AOS_MODULES_DIR) + "/aos2_0_6.wasm"),
                                       wasm::kFormatWasm64, wasm::WasmRuntime::DefaultCacheDir());
    ref.inst = std::move(wasm::AoInstance::Create(ref.module, {})).value();
    cu::MessageFields module;
    module.id = kAos206;
    module.tags = ModuleTags();
    ref.env = cu::EnvJson(*cu::FieldsOf(def), module);
    return ref;
  }

  std::optional<testing::TempDir> dir_;
  Message spawn_assignment_;
};

const char* kScenario[] = {"x = 41", "return x + 1", "error('boom')", "x = x + 1; return x",
                           "Handlers.add('ping', Handlers.utils.hasMatchingTag('Action', 'Ping'), "
                           "function(m) ao.send({Target = m.From, Data = 'pong'}) end)",
                           "return os.time()", "local t = {} for i=1,5 do t[i]=i*i end return table.concat(t, ',')"};

TEST_F(WasmProcessDeviceTest, SlotBySlotEqualsAnInstanceWithTheCuErrorRule) {
  std::unique_ptr<Node> node = Open();
  Message def = Spawn(*node);
  const std::string pid = *MessageId(def, IdMode::kAll);
  Reference ref = MakeReference(def);
  std::vector<Message> assignments{spawn_assignment_};
  for (const char* code : kScenario) assignments.push_back(Eval(*node, def, pid, code));
  for (size_t slot = 0; slot < assignments.size(); ++slot) {
    Message state = Compute(*node, def, static_cast<int64_t>(slot));
    EXPECT_EQ(Body(state), ref.Run(assignments[slot])) << "slot " << slot;
    EXPECT_EQ(MemoryHash(*node, state), ref.Hash()) << "slot " << slot;
  }
  EXPECT_NE(Body(Compute(*node, def, 3)).find("boom"), std::string::npos);
  EXPECT_NE(Body(Compute(*node, def, 4)).find("\"data\":\"42\""), std::string::npos) << Body(Compute(*node, def, 4));
}

// The legacy /dry-run JSON becomes an unsigned message with id/owner/from keys: the CU takes the
// client's Id and Owner as given, and From is Owner (From-Process when tagged), not a tag.
TEST_F(WasmProcessDeviceTest, UnsignedDryRunKeepsTheClientsIdAndOwner) {
  Message m{{"id", "1234"}, {"owner", "OWNER"}, {"from", "OWNER"}, {"anchor", "0"},
            {"data", "x"},  {"target", "P"},      {"action", "Info"}};
  Result<std::string> json = cu::DryRunMessageJson(m, 5, 1700000000000, 7);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(*json,
            "{\"Id\":\"1234\",\"Signature\":\"\",\"Data\":\"x\",\"Owner\":\"OWNER\",\"Target\":\"P\","
            "\"Anchor\":\"0\",\"From\":\"OWNER\",\"Tags\":[{\"name\":\"Action\",\"value\":\"Info\"}],"
            "\"Epoch\":0,\"Nonce\":5,\"Timestamp\":1700000000000,\"Block-Height\":7,\"Hash-Chain\":\"\","
            "\"Cron\":false,\"Read-Only\":true}");
}

// Mainnet's dry run posts a signed item and puts the user's tags in the path
// (`as=execution/compute&Action=Eval`): they must reach the module after the item's own tags.
TEST_F(WasmProcessDeviceTest, SignedDryRunItemGainsTheTagsTheRequestAdded) {
  Message m = SignedItem({{"Data-Protocol", "ao"}, {"Type", "Message"}}, "return 1", std::string(43, 'A'));
  m.Set("action", Value("Eval"));
  Result<std::string> json = cu::DryRunMessageJson(m, 1, 0, 0);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_NE(json->find("\"Tags\":[{\"name\":\"Data-Protocol\",\"value\":\"ao\"},{\"name\":\"Type\",\"value\":"
                       "\"Message\"},{\"name\":\"Action\",\"value\":\"Eval\"}]"),
            std::string::npos)
      << *json;
  EXPECT_NE(json->find("\"Id\":\"" + *MessageId(m, IdMode::kAll) + "\""), std::string::npos) << *json;
}

TEST_F(WasmProcessDeviceTest, OutboxHoldsTheResultMessagesForPush) {
  std::unique_ptr<Node> node = Open();
  Message def = Spawn(*node);
  const std::string pid = *MessageId(def, IdMode::kAll);
  Eval(*node, def, pid, "ao.send({Target = ao.id, Action = 'Hello', Data = 'hi'}) return 'sent'");
  Message state = Compute(*node, def, 1);
  const Message* outbox = state.FindMessage("results")->FindMessage("outbox");
  ASSERT_NE(outbox, nullptr) << state.DebugString();
  const Message* first = outbox->FindMessage("1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first->FindBinary("target"), pid);
  EXPECT_EQ(*first->FindBinary("data"), "hi");
  EXPECT_EQ(*first->FindBinary("action"), "Hello");
  EXPECT_EQ(*state.FindMessage("results")->FindMessage("json")->FindBinary("content-type"), "application/json");
}

TEST_F(WasmProcessDeviceTest, ReopenedNodeResumesFromItsRestorePoints) {
  dir_.emplace();
  Message def;
  std::string pid;
  std::vector<Message> assignments;
  {
    std::unique_ptr<Node> node = Open();
    def = Spawn(*node);
    pid = *MessageId(def, IdMode::kAll);
    assignments.push_back(spawn_assignment_);
    for (int i = 0; i < 3; ++i) assignments.push_back(Eval(*node, def, pid, kScenario[i]));
    Compute(*node, def, 3);
    ASSERT_TRUE(node->Close().ok());
  }
  std::unique_ptr<Node> node = Open();
  for (int i = 3; i < 7; ++i) assignments.push_back(Eval(*node, def, pid, kScenario[i]));
  Reference ref = MakeReference(def);
  for (size_t slot = 0; slot < assignments.size(); ++slot) {
    std::string expected = ref.Run(assignments[slot]);
    if (slot < 3) continue;
    Message state = Compute(*node, def, static_cast<int64_t>(slot));
    EXPECT_EQ(Body(state), expected) << "slot " << slot;
    EXPECT_EQ(MemoryHash(*node, state), ref.Hash()) << "slot " << slot;
  }
}

TEST_F(WasmProcessDeviceTest, RestoresFromAMemoryImageAndReplaysTheSlotsAfterIt) {
  dir_.emplace();
  Message def;
  std::string pid;
  std::vector<Message> assignments;
  const int64_t last_before = kImageInterval + 5;  // past the first memory image (slot 63)
  // A restore point every slot, so that only every kImageInterval-th one holds the memory (with
  // the default frequency, the close's restore point would hold it and nothing is replayed).
  const Message every_slot{{"process_cache_frequency", Value(int64_t{1})}};
  {
    std::unique_ptr<Node> node = Open(every_slot);
    def = Spawn(*node);
    pid = *MessageId(def, IdMode::kAll);
    assignments.push_back(spawn_assignment_);
    for (int64_t i = 1; i <= last_before; ++i) {
      assignments.push_back(Eval(*node, def, pid, i % 17 == 0 ? "error('odd')" : "n = (n or 0) + 1 return n"));
    }
    Compute(*node, def, last_before);
    ASSERT_TRUE(node->Close().ok());
  }
  std::unique_ptr<Node> node = Open(every_slot);
  for (int i = 0; i < 2; ++i) assignments.push_back(Eval(*node, def, pid, "return n"));
  Reference ref = MakeReference(def);
  for (size_t slot = 0; slot < assignments.size(); ++slot) {
    std::string expected = ref.Run(assignments[slot]);
    if (static_cast<int64_t>(slot) <= last_before) continue;
    Message state = Compute(*node, def, static_cast<int64_t>(slot));
    EXPECT_EQ(Body(state), expected) << "slot " << slot;
    EXPECT_EQ(MemoryHash(*node, state), ref.Hash()) << "slot " << slot;
  }
  // The restore point of the last slot names the image it was rebuilt from.
  Message state = Compute(*node, def, last_before + 2);
  state.Set("device", Value(kGenesisWasmDevice));
  Result<ResolveResult> snap = node->Resolve(Value(state), Value(Message{{"path", "snapshot"}}), node->DefaultResolveOptions());
  ASSERT_TRUE(snap.ok() && snap->ok());
  EXPECT_EQ(snap->value.message().Find("memory-slot")->integer(), kImageInterval - 1);
}

TEST_F(WasmProcessDeviceTest, ARestorePointNamesItsMemoryImageWhichReadsBackInChunks) {
  std::unique_ptr<Node> node = Open(Message{{"process_cache_frequency", Value(int64_t{1})}});
  Message def = Spawn(*node);
  const std::string pid = *MessageId(def, IdMode::kAll);
  std::vector<Message> assignments{spawn_assignment_};
  for (int64_t i = 1; i < kImageInterval; ++i) assignments.push_back(Eval(*node, def, pid, "n = (n or 0) + 1"));
  Message state = Compute(*node, def, kImageInterval - 1);
  Reference ref = MakeReference(def);
  for (const Message& a : assignments) ref.Run(a);
  ASSERT_EQ(MemoryHash(*node, state), ref.Hash());
  // Reading the restore point does not assemble the memory: it names the image, whose non-zero
  // chunks are a small part of it and put together are the memory.
  Result<std::optional<Message>> point = node->process_cache().Read(pid, kImageInterval - 1);
  ASSERT_OK(point);
  ASSERT_TRUE(point->has_value());
  const Message* snap = (*point)->FindMessage("snapshot");
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->Find("memory"), nullptr);
  const Bytes* image = snap->FindBinary("memory-image");
  ASSERT_NE(image, nullptr);
  const uint64_t size = static_cast<uint64_t>(snap->Find("memory-size")->integer());
  Bytes memory(size, '\0');
  uint64_t visited = 0;
  Result<uint64_t> read = node->content().VisitBinary(*image, [&](uint64_t offset, std::string_view bytes) {
    std::copy(bytes.begin(), bytes.end(), memory.begin() + static_cast<std::ptrdiff_t>(offset));
    visited += bytes.size();
    return Status::OK();
  });
  ASSERT_OK(read);
  EXPECT_EQ(*read, size);
  EXPECT_LT(visited, size / 4);  // an AOS memory is mostly zero chunks, which are not visited
  EXPECT_EQ(Hex(Sha256(memory)), ref.Hash());
}

TEST_F(WasmProcessDeviceTest, ARunawayMessageEndsWithAnErrorAndTheProcessGoesOn) {
  std::unique_ptr<Node> node = Open();
  Message def = Spawn(*node, {{kComputeLimitTag, "300"}});
  const std::string pid = *MessageId(def, IdMode::kAll);
  Eval(*node, def, pid, "x = 7");
  Eval(*node, def, pid, "while true do end");
  Eval(*node, def, pid, "return x");
  EXPECT_NE(Body(Compute(*node, def, 2)).find("compute_limit"), std::string::npos) << Body(Compute(*node, def, 2));
  EXPECT_NE(Body(Compute(*node, def, 3)).find("\"data\":\"7\""), std::string::npos) << Body(Compute(*node, def, 3));
}

TEST_F(WasmProcessDeviceTest, SmallBudgetEvictsAndRestoresTransparently) {
  std::unique_ptr<Node> node = Open(Message{{"wasm_memory_budget", Value(int64_t{1})}});
  Message a = Spawn(*node);
  Message b = Spawn(*node);
  const std::string pa = *MessageId(a, IdMode::kAll);
  const std::string pb = *MessageId(b, IdMode::kAll);
  Eval(*node, a, pa, "n = 1");
  Eval(*node, b, pb, "n = 2");
  Eval(*node, a, pa, "return n");
  Eval(*node, b, pb, "return n");
  Compute(*node, a, 1);
  Compute(*node, b, 1);  // evicts a
  EXPECT_NE(Body(Compute(*node, a, 2)).find("\"data\":\"1\""), std::string::npos);  // a restored
  EXPECT_NE(Body(Compute(*node, b, 2)).find("\"data\":\"2\""), std::string::npos);
  Result<ResolveResult> stats = node->Resolve(Value(Message{{"device", kGenesisWasmDevice}}),
                                              Value(Message{{"path", "stats"}}), node->DefaultResolveOptions());
  ASSERT_TRUE(stats.ok() && stats->ok());
  EXPECT_GE(stats->value.message().Find("evictions")->integer(), 2);
  EXPECT_GE(stats->value.message().Find("restores")->integer(), 2);
  EXPECT_LE(stats->value.message().Find("live")->integer(), 1);
}

}  // namespace
}  // namespace ao
