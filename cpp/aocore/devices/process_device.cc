#include "aocore/devices/process_device.h"

#include <charconv>
#include <chrono>
#include <deque>
#include <optional>

#include "aocore/actor/process_worker.h"
#include "aocore/actor/worker_registry.h"
#include "aocore/ao/resolver.h"
#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/node_services.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/peer_schedules.h"
#include "aocore/scheduler/scheduler_registry.h"

namespace ao {
namespace {

using process::Identity;
using process::kProcessDevice;

// Assignments one read of the schedule prefetches (the reference's priv assignments queue).
constexpr size_t kPrefetch = 64;

// Configuration keys a state may not carry with a value other than its definition's.
constexpr std::string_view kConfigKeys[] = {
    "execution-device", "device-stack",  "stack-keys", "scheduler-device", "push-device",
    "execution-output-prefixes", "scheduler-output-prefixes", "push-output-prefixes"};

ResolveResult ErrorResult(int64_t status, std::string body) {
  return ResolveResult::Error(Value(Message{{"status", Value(status)}, {"body", Value(std::move(body))}}));
}

// E + {phase, attempted-slot}; E wrapped as {error: E} when it is not a message (§1.9).
ResolveResult PhaseError(const ResolveResult& r, std::string_view phase, int64_t slot) {
  Message e;
  if (r.value.is_message()) {
    e = r.value.message();
  } else {
    e.Set("error", r.value);
  }
  e.Set("phase", Value(phase));
  e.Set("attempted-slot", Value(slot));
  return ResolveResult::Make(r.status, Value(std::move(e)));
}

// The device a role runs as: `<role>-device`, else the default (§1.4); nullopt when the role
// has none (execution without `execution-device` or `device-stack`).
std::optional<Value> RoleDevice(const Message& base, std::string_view role) {
  if (const Value* d = MessageFind(base, std::string(role) + "-device")) return *d;
  if (role == "scheduler") return Value("scheduler@1.0");
  if (role == "push") return Value("push@1.0");
  if (role == "execution" && MessageFind(base, "device-stack") != nullptr) return Value("stack@1.0");
  return std::nullopt;
}

bool SameDevice(const Value* a, const Value& b) { return a != nullptr && *a == b; }

// run_as(role, base, req) (§1.4). `base` already holds its `process` key.
Result<ResolveResult> RunAs(const Resolver& resolver, std::string_view role, const Message& base,
                            const Message& req, const ResolveOptions& opts) {
  std::optional<Value> device = RoleDevice(base, role);
  if (!device && role == "execution" && opts.services != nullptr && !opts.services->default_execution_device.empty()) {
    device = Value(opts.services->default_execution_device);  // the node's policy (NodeOptions)
  }
  if (!device) {
    return ErrorResult(422, "process has no execution device: set `execution-device` (or "
                            "`device-stack` for stack@1.0)");
  }
  const Value* original = base.Find("device");
  Message prepared = base;
  prepared.Set("device", *device);
  prepared.Erase("commitments");  // swapping a committed `device` drops the commitments
  if (!prepared.Contains("input-prefix")) prepared.Set("input-prefix", Value("process"));
  if (const Value* p = MessageFind(base, std::string(role) + "-output-prefixes")) {
    prepared.Set("output-prefixes", *p);
  }
  AO_ASSIGN_OR_RETURN(ResolveResult r, resolver.Resolve(Value(std::move(prepared)), req, opts));
  if (r.ok() && r.value.is_message() && original != nullptr &&
      SameDevice(r.value.message().Find("device"), *device)) {
    Message restored = r.value.message();
    restored.Set("device", *original);
    r.value = Value(std::move(restored));
  }
  return r;
}

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

// The working message every computation starts from: the definition, without commitments,
// with its `process` key.
Message InitialState(const Identity& id) {
  Message m = id.definition;
  m.Erase("commitments");
  m.Set("process", Value(id.definition));
  m.Set("device", Value(kProcessDevice));
  return m;
}

int64_t AtSlot(const Message& state, int64_t fallback) {
  const Value* at = state.Find("at-slot");
  return at != nullptr && at->is_integer() ? at->integer() : fallback;
}

// The engine one process's worker (or one inline computation) uses. Strand-confined.
class Engine final : public ProcessEngine {
 public:
  Engine(const Resolver& resolver, const NodeServices& services, ResolveOptions opts, Identity identity)
      : resolver_(resolver),
        services_(services),
        opts_(std::move(opts)),
        id_(std::move(identity)),
        definition_value_(id_.definition),
        assignments_(*services.store, *services.content) {
    opts_.hashpath = HashpathMode::kIgnore;
  }

  Result<std::optional<Message>> ReadCached(int64_t slot) override {
    if (slot < 0) return std::optional<Message>();
    AO_ASSIGN_OR_RETURN(std::optional<Message> m,
                        services_.process_cache->Read(id_.id, static_cast<uint64_t>(slot)));
    if (m) Present(*m);
    return m;
  }

  ComputeResult Load(int64_t target) override {
    if (target >= 0) {
      AO_ASSIGN_OR_RETURN(std::optional<CachedState> restore,
                          services_.process_cache->Latest(id_.id, {"snapshot"}, static_cast<uint64_t>(target)));
      if (restore) return Restore(std::move(restore->state), static_cast<int64_t>(restore->slot));
    }
    return Boot();
  }

  ComputeResult Advance(const Message& state, int64_t slot) override {
    const int64_t next = slot + 1;
    AO_ASSIGN_OR_RETURN(std::optional<Message> assignment, NextAssignment(next));
    if (!assignment) {
      return PhaseError(ErrorResult(503, "No assignment found for next slot."), "get-schedule", next);
    }
    const Value* a_slot = assignment->Find("slot");
    const Bytes* a_process = assignment->FindBinary("process");
    if (a_slot == nullptr || !a_slot->is_integer() || a_slot->integer() != next || a_process == nullptr ||
        *a_process != id_.id) {
      return PhaseError(ErrorResult(500, "the assignment for slot " + std::to_string(next) +
                                             " does not belong to this process and slot"),
                        "get-schedule", next);
    }
    Message input = *assignment;
    input.Set("path", Value("compute"));  // a scheduled message never selects the key (§7.21)
    Message st = state;
    st.Erase("results");
    Result<ResolveResult> r = RunAs(resolver_, "execution", st, input, opts_);
    if (!r.ok()) {
      return r.status().WithContext("process " + id_.id + " slot " + std::to_string(next) + " (phase compute)");
    }
    if (!r->ok()) return PhaseError(*r, "compute", next);
    if (!r->value.is_message()) {
      return PhaseError(ResolveResult::Error(Value("the execution device returned a non-message state")),
                        "compute", next);
    }
    Message out = std::move(r->value).message();
    Pin(out, next);
    Value next_state(std::move(out));  // shared by the answer and the next slot's delta base
    AO_RETURN_IF_ERROR(Store(next_state, next, *assignment));
    return ResolveResult::Ok(std::move(next_state));
  }

  Status Snapshot(const Message& state, int64_t slot) override {
    AO_ASSIGN_OR_RETURN(bool has, services_.process_cache->HasSnapshot(id_.id, static_cast<uint64_t>(slot)));
    if (has) return Status::OK();
    AO_ASSIGN_OR_RETURN(Value snap, SnapshotOf(state));
    Message stored = state;
    stored.Set("snapshot", std::move(snap));
    return services_.process_cache->WriteSnapshot(id_.id, static_cast<uint64_t>(slot), stored);
  }

  // Inline computation (no worker): the state after `slot`, from the cache, from `live` (an
  // initialized state of this process at or below `slot`, if given) or from the best restore
  // point.
  ComputeResult ComputeInline(int64_t slot, const Message* live) {
    AO_ASSIGN_OR_RETURN(std::optional<Message> cached, ReadCached(slot));
    if (cached) return ResolveResult::Ok(Value(std::move(*cached)));
    ComputeResult r = Status::Internal("unset");
    if (live != nullptr) {
      Message m = *live;
      Present(m);
      r = ResolveResult::Ok(Value(std::move(m)));
    } else {
      r = Load(slot);
    }
    while (r.ok() && r->ok() && r->value.is_message()) {
      const int64_t at = AtSlot(r->value.message(), slot);
      if (at >= slot) break;
      r = Advance(r->value.message(), at);
    }
    return r;
  }

  const Identity& identity() const { return id_; }

 private:
  // The returned form of every state: device process@1.0, no `snapshot`.
  static void Present(Message& m) {
    m.Set("device", Value(kProcessDevice));
    m.Erase("snapshot");
  }
  // The process's identity and slot are the worker's, whatever the devices did (§7.22).
  void Pin(Message& m, int64_t slot) const {
    m.Set("device", Value(kProcessDevice));
    m.Set("process", definition_value_);
    m.Set("at-slot", Value(slot));
    m.Erase("snapshot");
  }

  ComputeResult Boot() {
    Message base = InitialState(id_);
    AO_ASSIGN_OR_RETURN(ResolveResult r, RunAs(resolver_, "execution", base, Message{{"path", "init"}}, opts_));
    if (!r.ok()) return PhaseError(r, "init", -1);
    if (!r.value.is_message()) {
      return PhaseError(ResolveResult::Error(Value("init returned a non-message state")), "init", -1);
    }
    Message out = std::move(r.value).message();
    out.Set("initialized", Value("true"));
    Pin(out, -1);
    last_stored_slot_ = kUnknown;  // slot -1 is never stored: slot 0 is written in full
    return ResolveResult::Ok(Value(std::move(out)));
  }

  ComputeResult Restore(Message state, int64_t slot) {
    // The next slot's delta is taken against the state as stored, not as normalize rebuilt it
    // (a key normalize changes and compute leaves alone must read back as stored).
    Message stored = state;
    stored.Erase("snapshot");
    last_stored_ = Value(std::move(stored));
    last_stored_slot_ = slot;
    AO_ASSIGN_OR_RETURN(ResolveResult r,
                        RunAs(resolver_, "execution", state, Message{{"path", "normalize"}}, opts_));
    Message out;
    if (r.ok() && r.value.is_message()) {
      out = std::move(r.value).message();
    } else if (r.IsNotFound()) {
      out = std::move(state);  // the execution device has no normalize
    } else {
      return PhaseError(r, "normalize", slot);
    }
    out.Set("initialized", Value("true"));
    Pin(out, slot);
    return ResolveResult::Ok(Value(std::move(out)));
  }

  Result<Value> SnapshotOf(const Message& state) {
    AO_ASSIGN_OR_RETURN(ResolveResult r, RunAs(resolver_, "execution", state,
                                               Message{{"path", "snapshot"}, {"mode", "Map"}}, opts_));
    if (!r.ok() || !r.value.is_message()) {
      return Status::Internal("process " + id_.id + ": snapshot failed: " + r.DebugString());
    }
    return r.value;
  }

  // Stores the state after `slot`: in full with `snapshot` every process_cache_frequency slots,
  // otherwise as a delta against the previous slot's stored state (§7.12: the per-slot write
  // depends on what changed, not on the size of the state), or in full when that previous
  // state is not known here (the first slot after a replay or a conflict).
  Status Store(const Value& state_value, int64_t slot, const Message& assignment) {
    const Message& state = state_value.message();
    const int64_t freq = std::max<int64_t>(services_.process_cache_frequency, 1);
    std::vector<std::string> ids;
    if (const Message* body = assignment.FindMessage("body")) {
      if (Result<std::string> id = MessageId(*body, IdMode::kAll); id.ok()) ids.push_back(std::move(id).value());
    }
    if (Result<std::string> id = MessageId(assignment, IdMode::kAll); id.ok()) ids.push_back(std::move(id).value());
    Status written;
    if (slot % freq != 0 && last_stored_slot_ == slot - 1) {
      written = services_.process_cache->WriteDelta(id_.id, static_cast<uint64_t>(slot), state,
                                                    last_stored_.message(), ids);
    } else {
      Message stored = state;
      if (slot % freq == 0) {
        AO_ASSIGN_OR_RETURN(Value snap, SnapshotOf(state));
        stored.Set("snapshot", std::move(snap));
      }
      written = services_.process_cache->Write(id_.id, static_cast<uint64_t>(slot), stored, ids).status();
    }
    if (written.ok()) {
      last_stored_ = state_value;
      last_stored_slot_ = slot;
      return Status::OK();
    }
    last_stored_slot_ = kUnknown;
    if (written.IsAlreadyExists()) {
      // A different state is already stored for this slot (a non-deterministic device, or a
      // concurrent writer): reported, and the stored one stays authoritative in the cache.
      Logger("process")->warn("computed_slot_conflict proc={} slot={} status={}", id_.id, slot,
                              written.ToString());
      return Status::OK();
    }
    return written.WithContext("storing slot " + std::to_string(slot) + " of process " + id_.id);
  }

  Result<std::optional<Message>> NextAssignment(int64_t slot) {
    while (!prefetched_.empty()) {
      const Value* s = prefetched_.front().Find("slot");
      if (s != nullptr && s->is_integer() && s->integer() == slot) break;
      prefetched_.pop_front();
    }
    if (prefetched_.empty()) {
      AO_ASSIGN_OR_RETURN(std::vector<Message> page,
                          assignments_.Range(id_.id, static_cast<uint64_t>(slot),
                                             static_cast<uint64_t>(slot) + kPrefetch - 1, kPrefetch));
      for (Message& a : page) prefetched_.push_back(std::move(a));
      if (prefetched_.empty()) return std::optional<Message>();
    }
    Message head = std::move(prefetched_.front());
    prefetched_.pop_front();
    return std::optional<Message>(std::move(head));
  }

  const Resolver& resolver_;
  const NodeServices& services_;
  ResolveOptions opts_;
  const Identity id_;
  const Value definition_value_;  // shared by every state (no copy per slot)
  AssignmentCache assignments_;
  std::deque<Message> prefetched_;
  // The state after last_stored_slot_ as the process cache holds it (a message; usually the same
  // object as the worker's live state), the base of the next slot's delta.
  static constexpr int64_t kUnknown = INT64_MIN;
  Value last_stored_;
  int64_t last_stored_slot_ = kUnknown;
};

const NodeServices* ServicesOf(const DeviceCall& c) {
  const NodeServices* s = c.opts.services;
  if (s == nullptr || s->process_cache == nullptr || s->store == nullptr || s->content == nullptr) return nullptr;
  return s;
}

ResolveResult NoNode() {
  return ErrorResult(500, "process@1.0 needs a node (store, process cache and schedulers)");
}

// Computes the state after `slot` (>= -1).
Result<ResolveResult> ComputeSlot(const DeviceCall& c, const NodeServices& services, const Identity& id,
                                  int64_t slot) {
  if (slot < -1) return ErrorResult(400, "slot " + std::to_string(slot) + " is below -1");
  if (services.process_workers && services.workers != nullptr && ProcessWorker::Current() == nullptr) {
    const Resolver& resolver = c.resolver;
    ResolveOptions opts = c.opts;
    Result<std::shared_ptr<ProcessWorker>> worker =
        services.workers->FindOrStart(id.id, [&]() -> Result<std::unique_ptr<ProcessEngine>> {
          return std::unique_ptr<ProcessEngine>(std::make_unique<Engine>(resolver, services, opts, id));
        });
    if (!worker.ok()) return worker.status();
    // request_timeout bounds how long the worker may go without progress, not the whole
    // computation: thousands of slots may take longer than it (the worker keeps going after a
    // DeadlineExceeded either way).
    return (*worker)->ComputeAndWait(slot, std::chrono::milliseconds(std::max<int64_t>(services.request_timeout_ms, 1)));
  }
  Engine engine(c.resolver, services, c.opts, id);
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

// A process whose `scheduler` is a peer of the node (NodeServices::peers): its assignments are
// pulled from the peer (verified, stored) before it is computed here.
struct PeerPull {
  bool remote = false;
  int64_t latest = -1;                // the last slot stored here after the pull
  std::optional<ResolveResult> error;  // the pull failed (422 tampered, 503/504 peer, ...)
};

PeerPull PullFromPeer(const NodeServices& services, const Identity& id, std::optional<int64_t> up_to) {
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

Result<int64_t> CurrentSlot(const NodeServices& services, const std::string& pid) {
  if (services.schedulers != nullptr) {
    return services.schedulers->CurrentSlot(pid);
  }
  AssignmentCache cache(*services.store, *services.content);
  AO_ASSIGN_OR_RETURN(std::optional<uint64_t> latest, cache.LatestSlot(pid));
  return latest ? static_cast<int64_t>(*latest) : int64_t{-1};
}

Result<ResolveResult> Now(const DeviceCall& c) {
  const NodeServices* services = ServicesOf(c);
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

Result<ResolveResult> Compute(const DeviceCall& c) {
  const NodeServices* services = ServicesOf(c);
  if (services == nullptr) return NoNode();
  AO_ASSIGN_OR_RETURN(Identity id, process::IdentityOf(c.base));
  const Value* raw = MessageFind(c.req, "slot");
  if (raw == nullptr) {
    // compute without a slot: the latest cached state, else now (§1.6 step 2, §1.13).
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

// The base with its `process` key ensured (§1.3), for run_as.
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
  return RunAs(c.resolver, role, base, c.req, c.opts);
}

// spawn (aocore's `POST /~process@1.0/spawn`): the request's `body` message, else the request's
// own fields, is a process definition. An unsigned one gets `type: Process` and `scheduler:
// <this node>` when absent and is signed with the node wallet (so every spawn is a new
// process, as node.spawn()); a signed one is taken as it is. It is then scheduled on its
// scheduler device, as `POST /~scheduler@1.0/schedule` does: the answer is the same signed
// slot-0 assignment, whose `process` is the process ID.
Result<ResolveResult> Spawn(const DeviceCall& c) {
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
    if (!definition.Contains("scheduler") && c.opts.services != nullptr && !c.opts.services->address.empty()) {
      definition.Set("scheduler", Value(std::string(c.opts.services->address)));
    }
    if (c.opts.services == nullptr || c.opts.services->wallet == nullptr) {
      return ErrorResult(500, "spawn needs a node (its wallet signs the definition)");
    }
    AO_ASSIGN_OR_RETURN(definition, Commit(definition, *c.opts.services->wallet));
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

Result<ResolveResult> SnapshotKey(const DeviceCall& c) {
  AO_ASSIGN_OR_RETURN(Message base, WithProcessKey(c.base));
  ResolveOptions opts = c.opts;
  opts.hashpath = HashpathMode::kIgnore;
  return RunAs(c.resolver, "execution", base, Message{{"path", "snapshot"}, {"mode", "Map"}}, opts);
}

}  // namespace

namespace process {

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

DevicePtr MakeProcessDevice() {
  auto dev = FunctionDevice::Module(kProcessDevice);
  dev->AddKey("schedule", Schedule)
      .AddKey("slot", Slot)
      .AddKey("compute", Compute)
      .AddKey("now", Now)
      .AddKey("snapshot", SnapshotKey)
      .AddKey("push", Push)
      .AddKey("spawn", Spawn)
      .SetExports({"schedule", "slot", "compute", "now", "snapshot", "push", "spawn"});
  return dev;
}

}  // namespace ao
