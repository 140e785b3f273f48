#include "aocore/devices/wasm_process_device.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "aocore/ao/resolve_options.h"
#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/common/logging.h"
#include "aocore/crypto/hash.h"
#include "aocore/devices/cu_shapes.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/process_device.h"
#include "aocore/wasm/ao_instance.h"
#include "aocore/wasm/ao_module.h"
#include "aocore/wasm/resident_pages.h"
#include "aocore/wasm/wasm_runtime.h"

namespace ao {
namespace {

constexpr int64_t kNoSlot = INT64_MIN;
// A restore point holding the memory names the image's address in the content cache and its size.
constexpr char kMemoryImageKey[] = "memory-image";
constexpr char kMemorySizeKey[] = "memory-size";

std::mutex& LookupMutex() {
  static std::mutex mu;
  return mu;
}
AosModuleLookup& Lookup() {
  static AosModuleLookup lookup;
  return lookup;
}

ResolveResult ErrorResult(int64_t status, std::string body) {
  return ResolveResult::Error(Value(Message{{"status", Value(status)}, {"body", Value(std::move(body))}}));
}

int64_t AtSlot(const Message& state) {
  const Value* at = state.Find("at-slot");
  return at != nullptr && at->is_integer() ? at->integer() : -1;
}

std::optional<int64_t> IntOf(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_integer()) return v->integer();
  if (v->is_binary()) {
    try {
      size_t used = 0;
      int64_t n = std::stoll(v->binary(), &used);
      if (used == v->binary().size()) return n;
    } catch (...) {
    }
  }
  return std::nullopt;
}

// A compiled module with what the CU's env says of it.
struct LoadedModule {
  std::shared_ptr<const wasm::AoModule> module;
  cu::MessageFields fields;
};

// One process's live instance. `mu` is held by the call using it.
struct Live {
  std::mutex mu;
  std::string pid;
  std::unique_ptr<wasm::AoInstance> instance;
  int64_t slot = kNoSlot;         // the slot whose state the instance holds (-1: booted only)
  int64_t memory_slot = -1;       // the last slot whose memory is in a restore point (-1: none)
  std::string env;                // the CU env JSON
  // Messages handled since the instance's checkpoint, replayed to undo a later message.
  std::vector<std::pair<std::string, std::string>> journal;
  uint64_t last_used = 0;
  uint64_t bytes = 0;
};

// The registry of live instances and compiled modules one device owns.
class Registry {
 public:
  // The process's entry, locked. Retries when the entry was evicted while waiting for it.
  std::pair<std::shared_ptr<Live>, std::unique_lock<std::mutex>> Acquire(const std::string& pid) {
    for (;;) {
      std::shared_ptr<Live> live;
      {
        std::lock_guard lock(mu_);
        auto& slot = live_[pid];
        if (!slot) {
          slot = std::make_shared<Live>();
          slot->pid = pid;
        }
        live = slot;
        live->last_used = ++tick_;
      }
      std::unique_lock held(live->mu);
      std::lock_guard lock(mu_);
      auto it = live_.find(pid);
      if (it != live_.end() && it->second == live) return {std::move(live), std::move(held)};
    }
  }

  // Records `live`'s size and drops least recently used idle instances while the total is over
  // `budget`. Called with live->mu held.
  void Account(Live& live, int64_t budget) {
    live.bytes = live.instance ? live.instance->ResidentBytes() : 0;
    std::vector<std::shared_ptr<Live>> order;
    {
      std::lock_guard lock(mu_);
      for (auto& [pid, l] : live_) order.push_back(l);
    }
    // Sizes of other entries are read as last recorded (racy reads of a uint64 are tolerable
    // here: the budget is a target, not a hard cap).
    uint64_t total = 0;
    for (auto& l : order) total += l.get() == &live ? live.bytes : l->bytes;
    if (budget <= 0 || total <= static_cast<uint64_t>(budget)) return;
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a->last_used < b->last_used; });
    for (auto& l : order) {
      if (total <= static_cast<uint64_t>(budget)) break;
      if (l.get() == &live) continue;
      std::unique_lock held(l->mu, std::try_to_lock);
      if (!held.owns_lock() || !l->instance) continue;
      total -= l->bytes;
      l->instance.reset();
      l->journal.clear();
      l->slot = kNoSlot;
      l->bytes = 0;
      ++evictions_;
      std::lock_guard lock(mu_);
      auto it = live_.find(l->pid);
      if (it != live_.end() && it->second == l) live_.erase(it);
    }
  }

  Result<LoadedModule> Module(const std::string& id, const WasmProcessDeviceServices* services) {
    {
      std::lock_guard lock(mu_);
      auto it = modules_.find(id);
      if (it != modules_.end()) return it->second;
    }
    std::string wasm;
    cu::MessageFields fields;
    bool found = false;
    if (services != nullptr && services->content != nullptr) {
      Result<Message> m = services->content->ReadMessage(id);
      if (m.ok()) {
        AO_ASSIGN_OR_RETURN(fields, cu::FieldsOf(*m));
        const Bytes* data = m->FindBinary("data");
        if (data == nullptr) return Status::InvalidArgument("module " + id + " has no data (the wasm)");
        wasm = *data;
        fields.id = id;
        found = true;
      } else if (!m.status().IsNotFound()) {
        return m.status();
      }
    }
    if (!found) {
      std::optional<AosModule> known = LookupKnownAosModule(id);
      if (!known) return Status::NotFound("module " + id + " is neither in the node's store nor a known AOS module");
      wasm = std::move(known->wasm);
      fields.id = known->id;
      fields.owner = known->owner;
      fields.tags = std::move(known->tags);
    }
    const std::string* format = fields.Tag("Module-Format");
    if (format == nullptr) return Status::InvalidArgument("module " + id + " has no Module-Format tag");
    AO_ASSIGN_OR_RETURN(std::shared_ptr<wasm::AoModule> module,
                        wasm::AoModule::Load(wasm, *format, wasm::WasmRuntime::DefaultCacheDir()));
    LoadedModule loaded{std::move(module), std::move(fields)};
    std::lock_guard lock(mu_);
    modules_.emplace(id, loaded);
    return loaded;
  }

  Message Stats(int64_t budget) {
    std::lock_guard lock(mu_);
    int64_t live = 0;
    uint64_t bytes = 0;
    for (auto& [pid, l] : live_) {
      if (l->bytes > 0) ++live;
      bytes += l->bytes;
    }
    return Message{{"live", Value(live)},
                   {"resident-bytes", Value(static_cast<int64_t>(bytes))},
                   {"budget", Value(budget)},
                   {"evictions", Value(static_cast<int64_t>(evictions_.load()))},
                   {"restores", Value(static_cast<int64_t>(restores.load()))},
                   {"rollbacks", Value(static_cast<int64_t>(rollbacks.load()))}};
  }

  std::atomic<uint64_t> restores{0};
  std::atomic<uint64_t> rollbacks{0};

 private:
  std::mutex mu_;  // guards live_, modules_, tick_; taken after a Live::mu, never before one
  std::map<std::string, std::shared_ptr<Live>> live_;
  std::map<std::string, LoadedModule> modules_;
  uint64_t tick_ = 0;
  std::atomic<uint64_t> evictions_{0};
};

// One call of the device on one process.
class Call {
 public:
  Call(Registry& registry, const WasmProcessDeviceServices& services, const DeviceCall& c)
      : registry_(registry), c_(c), services_(&services) {}

  Result<ResolveResult> Init() { return ResolveResult::Ok(Value(c_.base)); }

  Result<ResolveResult> Compute() {
    const Value* read_only = MessageFind(c_.req, "read-only");
    if (read_only != nullptr && (read_only->is_true() || (read_only->is_binary() && read_only->binary() == "true"))) {
      // The aoconnect routes' dry run ({slot: current + 1, read-only: true, body: message}): the
      // CU's Read-Only evaluation, which must leave the live instance at the base's slot.
      return DryRun();
    }
    AO_RETURN_IF_ERROR(Open());
    std::optional<int64_t> slot = IntOf(MessageFind(c_.req, "slot"));
    if (!slot) return ErrorResult(400, "genesis-wasm@1.0 compute: the assignment has no integer `slot`");
    const int64_t before = AtSlot(c_.base);
    AO_RETURN_IF_ERROR(BringTo(before));
    AO_ASSIGN_OR_RETURN(std::string msg, cu::MessageJson(c_.req));
    AO_ASSIGN_OR_RETURN(cu::EvalResult result, Apply(msg));
    live_->slot = *slot;
    Done();
    Message out = c_.base;
    out.Set("results", Value(Results(result.json)));
    return ResolveResult::Ok(Value(std::move(out)));
  }

  Result<ResolveResult> Snapshot() {
    AO_RETURN_IF_ERROR(Open());
    const int64_t at = AtSlot(c_.base);
    AO_RETURN_IF_ERROR(BringTo(at));
    Message snap;
    wasm::AoInstance& inst = *live_->instance;
    if (at - live_->memory_slot >= kImageInterval || (live_->memory_slot < 0 && at + 1 >= kImageInterval)) {
      if (services_ != nullptr && services_->content != nullptr) {
        // The image goes into the content cache now and the restore point names it, so reading
        // the restore point back does not assemble 105 MiB: RestoreFrom reads the image's
        // chunks straight into the new instance. Written before the restore point that names it
        // (a crash in between leaves only unreferenced chunks).
        // Only the pages the kernel lists as ever written are read: the rest of a linear memory
        // is zero, and reading it would fault in each of its pages (~27,000 of AOS's 105 MiB,
        // ~40-150 ms at the instance's first image).
        const std::string_view memory = inst.MemoryView();
        const std::optional<ContentCache::ByteRanges> written = wasm::MaybeNonZeroRanges(memory.data(), memory.size());
        AO_ASSIGN_OR_RETURN(std::string address, written ? services_->content->WriteBinary(memory, *written)
                                                         : services_->content->WriteBinary(memory));
        snap.Set(kMemoryImageKey, Value(std::move(address)));
        snap.Set(kMemorySizeKey, Value(static_cast<int64_t>(memory.size())));
      } else {
        snap.Set("memory", Value(inst.Memory()));
      }
      inst.Checkpoint();  // the checkpoint moves to the image: the journal restarts here
      live_->journal.clear();
      live_->memory_slot = at;
    }
    snap.Set("memory-slot", Value(live_->memory_slot));
    snap.Set("clock", Value(inst.clock()));
    Done();
    return ResolveResult::Ok(Value(std::move(snap)));
  }

  Result<ResolveResult> Normalize() {
    AO_RETURN_IF_ERROR(Open());
    const int64_t at = AtSlot(c_.base);
    if (live_->instance == nullptr || live_->slot != at) {
      const Message* snap = c_.base.FindMessage("snapshot");
      if (snap == nullptr) return ErrorResult(422, "genesis-wasm@1.0 normalize: the state has no `snapshot`");
      AO_RETURN_IF_ERROR(RestoreFrom(*snap, at));
    }
    Done();
    Message out = c_.base;
    out.Erase("snapshot");
    return ResolveResult::Ok(Value(std::move(out)));
  }

  Result<ResolveResult> DryRun() {
    AO_RETURN_IF_ERROR(Open());
    const Value* body = MessageFind(c_.req, "body");
    if (body == nullptr || !body->is_message()) {
      return ErrorResult(400, "genesis-wasm@1.0 dryrun: `body` must be the message to evaluate");
    }
    const int64_t at = AtSlot(c_.base);
    AO_RETURN_IF_ERROR(BringTo(at));
    // As the CU: Timestamp and Block-Height of the last evaluated message, unless the message
    // names its own; the clock when the assignment cannot be read.
    int64_t timestamp =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    int64_t block_height = 0;
    if (at >= 0 && services_ != nullptr && services_->store != nullptr && services_->content != nullptr) {
      AssignmentCache assignments(*services_->store, *services_->content);
      Result<std::vector<Message>> last = assignments.Range(pid_, static_cast<uint64_t>(at), static_cast<uint64_t>(at), 1);
      if (last.ok() && !last->empty()) {
        timestamp = IntOf(last->front().Find("timestamp")).value_or(timestamp);
        block_height = IntOf(last->front().Find("block-height")).value_or(block_height);
      }
    }
    const Message& m = body->message();
    AO_ASSIGN_OR_RETURN(std::string msg,
                        cu::DryRunMessageJson(m, at + 1, IntOf(m.Find("timestamp")).value_or(timestamp),
                                              IntOf(m.Find("block-height")).value_or(block_height)));
    cu::EvalResult result = Handle(msg);
    AO_RETURN_IF_ERROR(Undo(UndoClock::kKeep));  // a dry run leaves no trace, error or not
    Done();
    return ResolveResult::Ok(Value(Message{{"results", Value(Results(result.json, /*outbox=*/false))}}));
  }

  // {sha256 (hex), length, clock} of the instance's memory at the base's slot.
  Result<ResolveResult> MemoryInfo() {
    AO_RETURN_IF_ERROR(Open());
    AO_RETURN_IF_ERROR(BringTo(AtSlot(c_.base)));
    std::string_view memory = live_->instance->MemoryView();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : Sha256(memory)) {
      hex += kHex[b >> 4];
      hex += kHex[b & 15];
    }
    Message info{{"sha256", Value(std::move(hex))},
                 {"length", Value(static_cast<int64_t>(memory.size()))},
                 {"clock", Value(live_->instance->clock())}};
    Done();
    return ResolveResult::Ok(Value(std::move(info)));
  }

 private:
  enum class UndoClock { kKeep, kFresh };

  // Identifies the process, loads its module and takes its live entry.
  Status Open() {
    AO_ASSIGN_OR_RETURN(process::Identity id, process::IdentityOf(c_.base));
    pid_ = id.id;
    AO_ASSIGN_OR_RETURN(cu::MessageFields process, cu::FieldsOf(id.definition));
    process.id = pid_;
    const std::string* module_id = process.Tag("Module");
    const Bytes* module_key = id.definition.FindBinary("module");
    if (module_id == nullptr && module_key == nullptr) {
      return Status::InvalidArgument("genesis-wasm@1.0: process " + pid_ + " has no Module tag");
    }
    AO_ASSIGN_OR_RETURN(module_, registry_.Module(module_id ? *module_id : *module_key, services_));
    auto [live, lock] = registry_.Acquire(pid_);
    live_ = std::move(live);
    lock_ = std::move(lock);
    if (live_->env.empty()) live_->env = cu::EnvJson(process, module_.fields);
    compute_limit_ms_ = kDefaultComputeLimitMs;
    if (const std::string* limit = process.Tag(kComputeLimitTag)) {
      try {
        compute_limit_ms_ = std::stoull(*limit);
      } catch (...) {
        return Status::InvalidArgument("genesis-wasm@1.0: the " + std::string(kComputeLimitTag) +
                                       " tag must be a number of milliseconds, not '" + *limit + "'");
      }
    }
    return Status::OK();
  }

  void Done() {
    registry_.Account(*live_, services_ != nullptr ? services_->wasm_memory_budget : kDefaultWasmMemoryBudget);
  }

  // `image` (none: boot fresh) need only live until the instance is made.
  Status NewInstance(std::optional<std::string_view> image, int64_t clock) {
    wasm::InstanceOptions options;
    if (image) options.memory_view = image->data() != nullptr ? *image : std::string_view("", 0);
    options.clock = clock;
    return NewInstance(std::move(options));
  }

  Status NewInstance(wasm::InstanceOptions options) {
    options.compute_limit_ms = compute_limit_ms_;
    live_->instance.reset();
    AO_ASSIGN_OR_RETURN(live_->instance, wasm::AoInstance::Create(module_.module, std::move(options)));
    live_->journal.clear();
    return Status::OK();
  }

  // Starts the instance from the memory the restore point `image` holds: the address of the
  // image in the content cache (Snapshot), read chunk by chunk into the new instance, or the
  // image itself (`memory`, as earlier versions wrote restore points). False when it holds none.
  Result<bool> NewInstanceFromImage(const Message& image) {
    const int64_t clock = IntOf(image.Find("clock")).value_or(wasm::kFirstClockValue);
    const Bytes* address = image.FindBinary(kMemoryImageKey);
    const std::optional<int64_t> size = IntOf(image.Find(kMemorySizeKey));
    if (address != nullptr && size && *size >= 0 && services_ != nullptr && services_->content != nullptr) {
      wasm::InstanceOptions options;
      options.clock = clock;
      options.memory_size = static_cast<uint64_t>(*size);
      const ContentCache& content = *services_->content;
      options.memory_pieces = [&](const wasm::InstanceOptions::MemoryPut& put) -> Status {
        AO_ASSIGN_OR_RETURN(uint64_t read, content.VisitBinary(*address, put));
        if (read != static_cast<uint64_t>(*size)) {
          return Status::Corruption("process " + pid_ + ": the memory image " + *address + " holds " +
                                    std::to_string(read) + " bytes, not " + std::to_string(*size));
        }
        return Status::OK();
      };
      AO_RETURN_IF_ERROR(NewInstance(std::move(options)));
      return true;
    }
    if (const Bytes* memory = image.FindBinary("memory"); memory != nullptr) {
      AO_RETURN_IF_ERROR(NewInstance(*memory, clock));
      return true;
    }
    return false;
  }

  // Runs one message; the result (not yet undone when it is an error).
  cu::EvalResult Handle(const std::string& msg) {
    Result<wasm::HandleOutcome> outcome = live_->instance->Handle(msg, live_->env);
    if (!outcome.ok()) return cu::TrapResultJson("trap", outcome.status().ToString());
    if (outcome->trapped) {
      trapped_ = true;
      return cu::TrapResultJson(wasm::HostFaultKindName(outcome->trapped->kind), outcome->trapped->message);
    }
    return cu::ResultJson(outcome->raw);
  }

  // Puts the instance back where it was before the last Handle: at its checkpoint (a trap did
  // that already), then the journal replayed.
  Status Undo(UndoClock clock) {
    if (!trapped_) AO_RETURN_IF_ERROR(live_->instance->Reset());
    trapped_ = false;
    for (const auto& [msg, env] : live_->journal) {
      Result<wasm::HandleOutcome> r = live_->instance->Handle(msg, env);
      if (!r.ok() || r->trapped) {
        live_->instance.reset();
        live_->slot = kNoSlot;
        return Status::Internal("process " + pid_ + ": replaying a message after an error failed");
      }
    }
    if (clock == UndoClock::kFresh) {
      // The CU drops its instance after an Error: the next one starts a new Date.now counter.
      live_->instance->SetClock(wasm::kFirstClockValue);
      live_->instance->Checkpoint();
      live_->journal.clear();
    }
    return Status::OK();
  }

  // Runs one scheduled message with the CU's error rule; journals it when it succeeded.
  Result<cu::EvalResult> Apply(const std::string& msg) {
    cu::EvalResult result = Handle(msg);
    if (result.error) {
      ++registry_.rollbacks;
      AO_RETURN_IF_ERROR(Undo(UndoClock::kFresh));
      return result;
    }
    live_->journal.emplace_back(msg, live_->env);
    if (live_->journal.size() >= kJournalLimit) {
      live_->instance->Checkpoint();
      live_->journal.clear();
    }
    return result;
  }

  // Makes the live instance hold the state after `slot` (-1: booted, nothing handled).
  Status BringTo(int64_t slot) {
    if (live_->instance != nullptr && live_->slot == slot) return Status::OK();
    if (slot < 0) {
      AO_RETURN_IF_ERROR(NewInstance(std::nullopt, wasm::kFirstClockValue));
      live_->slot = -1;
      live_->memory_slot = -1;
      return Status::OK();
    }
    if (services_ == nullptr || services_->process_cache == nullptr) {
      return Status::Unavailable("genesis-wasm@1.0: process " + pid_ + " is not live at slot " +
                                        std::to_string(slot) + " and there is no process cache to restore it from");
    }
    AO_ASSIGN_OR_RETURN(std::optional<CachedState> point,
                        services_->process_cache->Latest(pid_, {"snapshot"}, static_cast<uint64_t>(slot)));
    const Message* snap = point ? point->state.FindMessage("snapshot") : nullptr;
    if (snap == nullptr) return RestoreFrom(Message{{"memory-slot", Value(int64_t{-1})}}, slot, -1);
    return RestoreFrom(*snap, slot, static_cast<int64_t>(point->slot));
  }

  // Rebuilds the instance from the restore point `snap` (taken at `snap_slot`; -1: none) and
  // replays the slots up to `slot`.
  Status RestoreFrom(const Message& snap, int64_t slot, std::optional<int64_t> snap_slot = std::nullopt) {
    ++registry_.restores;
    const int64_t at = snap_slot.value_or(slot);
    const int64_t memory_slot = IntOf(snap.Find("memory-slot")).value_or(-1);
    bool started = false;
    if (memory_slot == at) {
      AO_ASSIGN_OR_RETURN(started, NewInstanceFromImage(snap));
    }
    if (started) {
      live_->slot = at;
      live_->memory_slot = at;
    } else if (memory_slot >= 0) {
      AO_ASSIGN_OR_RETURN(std::optional<CachedState> point,
                          services_->process_cache->Latest(pid_, {"snapshot"}, static_cast<uint64_t>(memory_slot)));
      const Message* image = point && static_cast<int64_t>(point->slot) == memory_slot
                                 ? point->state.FindMessage("snapshot")
                                 : nullptr;
      if (image != nullptr) {
        AO_ASSIGN_OR_RETURN(started, NewInstanceFromImage(*image));
      }
      if (!started) {
        return Status::NotFound("process " + pid_ + ": the restore point at slot " + std::to_string(memory_slot) +
                                " holding the memory is missing");
      }
      live_->slot = memory_slot;
      live_->memory_slot = memory_slot;
    } else {
      AO_RETURN_IF_ERROR(NewInstance(std::nullopt, wasm::kFirstClockValue));
      live_->slot = -1;
      live_->memory_slot = -1;
    }
    return Replay(slot);
  }

  // Handles the scheduled messages after live_->slot up to `slot`, from the assignment cache.
  Status Replay(int64_t slot) {
    if (live_->slot >= slot) return live_->slot == slot ? Status::OK()
                                                         : Status::Internal("restore point beyond the slot");
    if (services_ == nullptr || services_->store == nullptr || services_->content == nullptr) {
      return Status::Unavailable("genesis-wasm@1.0: no assignment cache to replay from");
    }
    AssignmentCache assignments(*services_->store, *services_->content);
    while (live_->slot < slot) {
      const uint64_t from = static_cast<uint64_t>(live_->slot + 1);
      AO_ASSIGN_OR_RETURN(std::vector<Message> page,
                          assignments.Range(pid_, from, static_cast<uint64_t>(slot), 64));
      if (page.empty()) {
        return Status::NotFound("process " + pid_ + ": no assignment for slot " + std::to_string(from));
      }
      for (const Message& a : page) {
        AO_ASSIGN_OR_RETURN(std::string msg, cu::MessageJson(a));
        AO_RETURN_IF_ERROR(Apply(msg).status());
        live_->slot = IntOf(a.Find("slot")).value_or(live_->slot + 1);
      }
    }
    return Status::OK();
  }

  Message Results(const std::string& json, bool outbox = true) {
    Message results{{"json", Value(Message{{"content-type", Value("application/json")}, {"body", Value(json)}})}};
    if (!outbox) return results;
    for (const char* list : {"Messages", "Spawns"}) {
      std::vector<Message> entries = cu::OutgoingMessages(json, list);
      if (entries.empty()) continue;
      Message numbered;
      for (size_t i = 0; i < entries.size(); ++i) numbered.Set(std::to_string(i + 1), Value(std::move(entries[i])));
      results.Set(std::string(list) == "Messages" ? "outbox" : "spawns", Value(std::move(numbered)));
    }
    return results;
  }

  Registry& registry_;
  const DeviceCall& c_;
  const WasmProcessDeviceServices* services_;
  std::string pid_;
  LoadedModule module_;
  std::shared_ptr<Live> live_;
  std::unique_lock<std::mutex> lock_;
  bool trapped_ = false;
  uint64_t compute_limit_ms_ = kDefaultComputeLimitMs;
};

}  // namespace

void SetAosModuleLookup(AosModuleLookup lookup) {
  std::lock_guard lock(LookupMutex());
  Lookup() = std::move(lookup);
}

std::optional<AosModule> LookupKnownAosModule(const std::string& module_id) {
  AosModuleLookup lookup;
  {
    std::lock_guard lock(LookupMutex());
    lookup = Lookup();
  }
  return lookup ? lookup(module_id) : std::nullopt;
}

DevicePtr MakeWasmProcessDevice(WasmProcessDeviceServices services) {
  auto registry = std::make_shared<Registry>();
  auto s = std::make_shared<const WasmProcessDeviceServices>(std::move(services));
  auto dev = FunctionDevice::Module(kGenesisWasmDevice);
  dev->AddKey("init", [registry, s](const DeviceCall& c) { return Call(*registry, *s, c).Init(); })
      .AddKey("compute", [registry, s](const DeviceCall& c) { return Call(*registry, *s, c).Compute(); })
      .AddKey("snapshot", [registry, s](const DeviceCall& c) { return Call(*registry, *s, c).Snapshot(); })
      .AddKey("normalize", [registry, s](const DeviceCall& c) { return Call(*registry, *s, c).Normalize(); })
      .AddKey("dryrun", [registry, s](const DeviceCall& c) { return Call(*registry, *s, c).DryRun(); })
      .AddKey("memory", [registry, s](const DeviceCall& c) { return Call(*registry, *s, c).MemoryInfo(); })
      .AddKey("stats", [registry, s](const DeviceCall&) -> Result<ResolveResult> {
        return ResolveResult::Ok(Value(registry->Stats(s->wasm_memory_budget)));
      })
      .SetExports({"init", "compute", "snapshot", "normalize", "dryrun", "memory", "stats"});
  return dev;
}

}  // namespace ao
