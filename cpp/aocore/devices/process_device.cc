#include "aocore/devices/process_device.h"

#include <charconv>
#include <chrono>
#include <optional>

#include "aocore/actor/process_worker.h"
#include "aocore/actor/worker_registry.h"
#include "aocore/ao/resolver.h"
#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/process_engine.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/peer_schedules.h"
#include "aocore/scheduler/scheduler_registry.h"

namespace ao {
namespace {

using process::AtSlot;
using process::Engine;
using process::EngineStorage;
using process::Identity;
using process::RoleDevice;
using process::RunAs;
using process::kProcessDevice;

// Configuration keys a state may not carry with a value other than its definition's.
constexpr std::string_view kConfigKeys[] = {
    "execution-device", "device-stack",  "stack-keys", "scheduler-device", "push-device",
    "execution-output-prefixes", "scheduler-output-prefixes", "push-output-prefixes"};

// The definition reduced to its committed keys when signed (hb_message:with_only_committed).
Result<Message> WithOnlyCommitted(const Message& base) {
  Message m = base;
  m.Erase("priv");
  m.Erase("process");
  const Message* commitments = m.FindMessage("commitments");
  if (commitments == nullptr || commitments->empty() || Committers(m).empty()) return m;
  AO_ASSIGN_OR_RETURN(std::vector<std::string> committed, Committed(m));
  Message out;
  for (const std::string& k : committed) {
    if (const Value* v = m.Find(k)) out.Set(k, *v);
  }
  out.Set("commitments", Value(*commitments));
  return out;
}

// The device's services, or null when it was built without a node.
const ProcessDeviceServices* ServicesOf(const ProcessDeviceServices& s) {
  if (s.process_cache == nullptr || s.store == nullptr || s.content == nullptr) return nullptr;
  return &s;
}

EngineStorage StorageOf(const ProcessDeviceServices& services) {
  return EngineStorage{*services.store, *services.content, *services.process_cache, services.process_cache_frequency};
}

ResolveResult NoNode() {
  return ErrorResult(500, "process@1.0 needs a node (store, process cache and schedulers)");
}

// Computes the state after `slot` (>= -1).
Result<ResolveResult> ComputeSlot(const DeviceCall& c, const ProcessDeviceServices& services, const Identity& id,
                                  int64_t slot) {
  if (slot < -1) return ErrorResult(400, "slot " + std::to_string(slot) + " is below -1");
  if (services.process_workers && services.workers != nullptr && ProcessWorker::Current() == nullptr) {
    const Resolver& resolver = c.resolver;
    ResolveOptions opts = c.opts;
    Result<std::shared_ptr<ProcessWorker>> worker =
        services.workers->FindOrStart(id.id, [&]() -> Result<std::unique_ptr<ProcessEngine>> {
          return std::unique_ptr<ProcessEngine>(std::make_unique<Engine>(resolver, StorageOf(services), opts, id,
                                                                          services.default_execution_device));
        });
    if (!worker.ok()) return worker.status();
    // request_timeout bounds how long the worker may go without progress, not the whole
    // computation: thousands of slots may take longer than it (the worker keeps going after a
    // DeadlineExceeded either way).
    return (*worker)->ComputeAndWait(slot, std::chrono::milliseconds(std::max<int64_t>(services.request_timeout_ms, 1)));
  }
  Engine engine(c.resolver, StorageOf(services), c.opts, id, services.default_execution_device);
  // A live state handed in by the caller (an initialized state of this process at or below the
  // target) is continued from, as the reference's ensure_loaded does.
  const Message* live = nullptr;
  const Value* init = c.base.Find("initialized");
  if (init != nullptr && init->is_binary() && init->binary() == "true" && c.base.Contains("process")) {
    const int64_t at = AtSlot(c.base, INT64_MAX);
    if (at <= slot) live = &c.base;
  }
  return engine.ComputeInline(slot, live);
}

// A process whose `scheduler` is a peer of the node (ProcessDeviceServices::peers): its assignments are
// pulled from the peer (verified, stored) before it is computed here.
struct PeerPull {
  bool remote = false;
  int64_t latest = -1;                // the last slot stored here after the pull
  std::optional<ResolveResult> error;  // the pull failed (422 tampered, 503/504 peer, ...)
};

PeerPull PullFromPeer(const ProcessDeviceServices& services, const Identity& id, std::optional<int64_t> up_to) {
  PeerPull out;
  if (services.peers == nullptr) return out;
  const Bytes* scheduler = id.definition.FindBinary("scheduler");
  if (scheduler == nullptr || *scheduler == services.address) return out;
  std::optional<std::string> url = services.peers->UrlOf(*scheduler);
  if (!url) return out;
  out.remote = true;
  AssignmentCache cache(*services.store, *services.content);
  Result<std::optional<uint64_t>> have = cache.LatestSlot(id.id);
  if (have.ok() && *have && up_to && static_cast<int64_t>(**have) >= *up_to) {
    out.latest = static_cast<int64_t>(**have);  // already here: no need to ask the peer
    return out;
  }
  // The definition is kept with the schedule, so the process stays known as a peer's.
  if (!services.content->ReadMessage(id.id).ok()) (void)services.content->Write(id.definition, WriteOptions{true});
  std::optional<uint64_t> to;
  if (up_to) to = static_cast<uint64_t>(std::max<int64_t>(*up_to, 0));
  Result<int64_t> pulled = services.peers->Pull(id.id, *scheduler, *url, to);
  if (!pulled.ok()) {
    out.error = ErrorResult(PeerHttpStatus(pulled.status()), pulled.status().ToString());
  } else {
    out.latest = *pulled;
  }
  return out;
}

Result<int64_t> CurrentSlot(const ProcessDeviceServices& services, const std::string& pid) {
  if (services.schedulers != nullptr) {
    return services.schedulers->CurrentSlot(pid);
  }
  AssignmentCache cache(*services.store, *services.content);
  AO_ASSIGN_OR_RETURN(std::optional<uint64_t> latest, cache.LatestSlot(pid));
  return latest ? static_cast<int64_t>(*latest) : int64_t{-1};
}

Result<ResolveResult> Now(const ProcessDeviceServices& s, const DeviceCall& c) {
  const ProcessDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoNode();
  AO_ASSIGN_OR_RETURN(Identity id, process::IdentityOf(c.base));
  PeerPull pull = PullFromPeer(*services, id, std::nullopt);
  if (pull.error) return *pull.error;
  if (pull.remote) return ComputeSlot(c, *services, id, pull.latest);
  AO_ASSIGN_OR_RETURN(int64_t current, CurrentSlot(*services, id.id));
  return ComputeSlot(c, *services, id, current);
}

// The slot a `slot` value names: an integer or decimal text.
std::optional<int64_t> ParseSlot(const Value& v) {
  if (v.is_integer()) return v.integer();
  if (!v.is_binary() || v.binary().empty() || v.binary().size() > 20) return std::nullopt;
  int64_t n = 0;
  const std::string& s = v.binary();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

Result<ResolveResult> Compute(const ProcessDeviceServices& s, const DeviceCall& c) {
  const ProcessDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoNode();
  AO_ASSIGN_OR_RETURN(Identity id, process::IdentityOf(c.base));
  const Value* raw = MessageFind(c.req, "slot");
  if (raw == nullptr) {
    // compute without a slot: the latest cached state, else now.
    AO_ASSIGN_OR_RETURN(std::optional<CachedState> latest, services->process_cache->Latest(id.id));
    if (latest) {
      latest->state.Set("device", Value(kProcessDevice));
      latest->state.Erase("snapshot");
      return ResolveResult::Ok(Value(std::move(latest->state)));
    }
    PeerPull pull = PullFromPeer(*services, id, std::nullopt);
    if (pull.error) return *pull.error;
    if (pull.remote) return ComputeSlot(c, *services, id, pull.latest);
    AO_ASSIGN_OR_RETURN(int64_t current, CurrentSlot(*services, id.id));
    return ComputeSlot(c, *services, id, current);
  }
  if (std::optional<int64_t> slot = ParseSlot(*raw)) {
    if (*slot >= 0) {
      PeerPull pull = PullFromPeer(*services, id, *slot);
      if (pull.error) return *pull.error;
    }
    return ComputeSlot(c, *services, id, *slot);
  }
  if (raw->is_binary() && IsHumanId(raw->binary())) {
    // By the ID of a scheduled message (or its assignment, or a computed state).
    const std::string& mid = raw->binary();
    AO_ASSIGN_OR_RETURN(std::optional<CachedState> hit, services->process_cache->ReadById(id.id, mid));
    if (!hit) {
      // Not computed yet: compute up to the current slot, which indexes every message on the way.
      PeerPull pull = PullFromPeer(*services, id, std::nullopt);
      if (pull.error) return *pull.error;
      AO_ASSIGN_OR_RETURN(int64_t current,
                          pull.remote ? Result<int64_t>(pull.latest) : CurrentSlot(*services, id.id));
      AO_ASSIGN_OR_RETURN(ResolveResult r, ComputeSlot(c, *services, id, current));
      if (!r.ok()) return r;
      AO_ASSIGN_OR_RETURN(hit, services->process_cache->ReadById(id.id, mid));
    }
    if (!hit) return ErrorResult(404, "no message " + mid + " is scheduled on process " + id.id);
    // The answer is the state after that slot, as compute by slot gives it.
    return ComputeSlot(c, *services, id, static_cast<int64_t>(hit->slot));
  }
  return ErrorResult(400, "compute: `slot` must be an integer, decimal text or a message ID, not " +
                              raw->DebugString());
}

// The base with its `process` key ensured (docs/devices.md#process-identity), for run_as.
Result<Message> WithProcessKey(const Message& base) {
  if (base.Contains("process")) {
    AO_RETURN_IF_ERROR(process::IdentityOf(base).status());
    return base;
  }
  AO_ASSIGN_OR_RETURN(Identity id, process::IdentityOf(base));
  Message m = base;
  m.Set("process", Value(std::move(id.definition)));
  return m;
}

Result<ResolveResult> RunAsKey(const DeviceCall& c, std::string_view role) {
  AO_ASSIGN_OR_RETURN(Message base, WithProcessKey(c.base));
  return RunAs(c.resolver, role, std::move(base), c.req, c.opts);
}

// spawn (aocore's `POST /~process@1.0/spawn`): the request's `body` message, else the request's
// own fields, is a process definition. An unsigned one gets `type: Process` and `scheduler:
// <this node>` when absent and is signed with the node wallet (so every spawn is a new
// process, as node.spawn()); a signed one is taken as it is. It is then scheduled on its
// scheduler device, as `POST /~scheduler@1.0/schedule` does: the answer is the same signed
// slot-0 assignment, whose `process` is the process ID.
Result<ResolveResult> Spawn(const ProcessDeviceServices& s, const DeviceCall& c) {
  if (const Bytes* method = c.req.FindBinary("method"); method != nullptr && *method != "POST" && *method != "post") {
    return ErrorResult(405, "spawn: use POST (the body is the process definition)");
  }
  const Value* body = MessageFind(c.req, "body");
  Message definition;
  if (body != nullptr && body->is_message()) {
    definition = body->message();
  } else {
    definition = c.req;
    for (const char* key : {"path", "method", "accept", "content-type", "priv"}) definition.Erase(key);
  }
  if (definition.empty()) return ErrorResult(400, "spawn: the request carries no process definition");
  if (!definition.Contains("commitments")) {
    if (!definition.Contains("type")) definition.Set("type", Value("Process"));
    if (!definition.Contains("device")) definition.Set("device", Value(kProcessDevice));
    if (!definition.Contains("scheduler") && !s.address.empty()) {
      definition.Set("scheduler", Value(s.address));
    }
    if (s.wallet == nullptr) {
      return ErrorResult(500, "spawn needs a node (its wallet signs the definition)");
    }
    AO_ASSIGN_OR_RETURN(definition, Commit(definition, *s.wallet));
  }
  std::optional<Value> device = RoleDevice(definition, "scheduler");
  Message base{{"device", device ? *device : Value("scheduler@1.0")}};
  ResolveOptions opts = c.opts;
  opts.hashpath = HashpathMode::kIgnore;
  return c.resolver.Resolve(Value(std::move(base)),
                            Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(std::move(definition))}},
                            opts);
}

Result<ResolveResult> Schedule(const DeviceCall& c) { return RunAsKey(c, "scheduler"); }
Result<ResolveResult> Slot(const DeviceCall& c) { return RunAsKey(c, "scheduler"); }

Result<ResolveResult> Push(const DeviceCall& c) {
  std::optional<Value> device = RoleDevice(c.base, "push");
  if (device && device->is_binary() && !c.resolver.registry().Find(device->binary()).ok()) {
    return ErrorResult(501, "push is not implemented yet: no push device '" + device->binary() +
                                "' is registered on this node");
  }
  return RunAsKey(c, "push");
}

Result<ResolveResult> SnapshotKey(const ProcessDeviceServices& s, const DeviceCall& c) {
  AO_ASSIGN_OR_RETURN(Message base, WithProcessKey(c.base));
  ResolveOptions opts = c.opts;
  opts.hashpath = HashpathMode::kIgnore;
  return RunAs(c.resolver, "execution", std::move(base), Message{{"path", "snapshot"}, {"mode", "Map"}}, opts,
               s.default_execution_device);
}

}  // namespace

namespace process {

const std::vector<PathArgument>& PathArguments() {
  static const std::vector<PathArgument>* arguments = new std::vector<PathArgument>{{"compute", "slot"}};
  return *arguments;
}

Result<Identity> IdentityOf(const Message& base) {
  Identity id;
  if (const Value* p = base.Find("process")) {
    if (!p->is_message()) return Status::InvalidArgument("process@1.0: `process` is not a message");
    const Message& def = p->message();
    for (const auto& [k, v] : def) {
      if (k == "commitments" || k == "device" || k == "priv") continue;
      const Value* top = base.Find(k);
      if (top == nullptr || !(*top == v)) {
        return Status::InvalidArgument("process@1.0: the `process` key does not match this message (key '" + k +
                                       "' differs): a state must carry its own process's definition");
      }
    }
    for (std::string_view k : kConfigKeys) {
      if (base.Contains(k) && !def.Contains(k)) {
        return Status::InvalidArgument("process@1.0: the `process` key does not match this message (key '" +
                                       std::string(k) + "' is not in the definition)");
      }
    }
    id.definition = def;
  } else {
    AO_ASSIGN_OR_RETURN(id.definition, WithOnlyCommitted(base));
  }
  AO_ASSIGN_OR_RETURN(id.id, MessageId(id.definition, IdMode::kAll));
  return id;
}

}  // namespace process

DevicePtr MakeProcessDevice(ProcessDeviceServices services) {
  auto shared = std::make_shared<const ProcessDeviceServices>(std::move(services));
  auto with_services = [shared](Result<ResolveResult> (*key)(const ProcessDeviceServices&, const DeviceCall&)) {
    return [shared, key](const DeviceCall& c) { return key(*shared, c); };
  };
  auto dev = FunctionDevice::Module(kProcessDevice);
  dev->AddKey("schedule", Schedule)
      .AddKey("slot", Slot)
      .AddKey("compute", with_services(Compute))
      .AddKey("now", with_services(Now))
      .AddKey("snapshot", with_services(SnapshotKey))
      .AddKey("push", Push)
      .AddKey("spawn", with_services(Spawn))
      .SetExports({"schedule", "slot", "compute", "now", "snapshot", "push", "spawn"});
  return dev;
}

}  // namespace ao
