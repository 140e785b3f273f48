#include "aocore/devices/process_engine.h"

#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "aocore/ao/resolver.h"
#include "aocore/cache/process_cache.h"
#include "aocore/common/logging.h"
#include "aocore/devices/message_device.h"
#include "aocore/message/id.h"

namespace ao {
namespace process {
namespace {

// Roughly the bytes a message or value holds (its binaries and keys): what a page read ahead
// keeps in memory.
size_t ApproxBytes(const Message& m);
size_t ApproxBytes(const Value& v) {
  size_t n = 8;
  if (v.is_binary()) {
    n += v.binary().size();
  } else if (v.is_message()) {
    n += ApproxBytes(v.message());
  } else if (v.is_list()) {
    for (const Value& x : v.list()) n += ApproxBytes(x);
  }
  return n;
}
size_t ApproxBytes(const Message& m) {
  size_t n = 0;
  for (const auto& [k, x] : m) n += k.size() + ApproxBytes(x);
  return n;
}

// E + {phase, attempted-slot}; E wrapped as {error: E} when it is not a message.
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

bool SameDevice(const Value* a, const Value& b) { return a != nullptr && *a == b; }

// The working message every computation starts from: the definition, without commitments,
// with its `process` key.
Message InitialState(const Identity& id) {
  Message m = id.definition;
  m.Erase("commitments");
  m.Set("process", Value(id.definition));
  m.Set("device", Value(kProcessDevice));
  return m;
}

// The returned form of every state: device process@1.0, no `snapshot`.
void Present(Message& m) {
  m.Set("device", Value(kProcessDevice));
  m.Erase("snapshot");
}

}  // namespace

std::optional<Value> RoleDevice(const Message& base, std::string_view role) {
  if (const Value* d = MessageFind(base, std::string(role) + "-device")) return *d;
  if (role == "scheduler") return Value("scheduler@1.0");
  if (role == "push") return Value("push@1.0");
  if (role == "execution" && MessageFind(base, "device-stack") != nullptr) return Value("stack@1.0");
  return std::nullopt;
}

Result<ResolveResult> RunAs(const Resolver& resolver, std::string_view role, Message base,
                            const Message& req, const ResolveOptions& opts, std::string_view default_execution_device) {
  std::optional<Value> device = RoleDevice(base, role);
  if (!device && role == "execution" && !default_execution_device.empty()) {
    device = Value(std::string(default_execution_device));  // the node's policy (NodeOptions)
  }
  if (!device) {
    return ErrorResult(422, "process has no execution device: set `execution-device` (or "
                            "`device-stack` for stack@1.0)");
  }
  std::optional<Value> original;
  if (const Value* d = base.Find("device")) original = *d;
  Message prepared = std::move(base);
  prepared.Set("device", *device);
  prepared.Erase("commitments");  // swapping a committed `device` drops the commitments
  if (!prepared.Contains("input-prefix")) prepared.Set("input-prefix", Value("process"));
  if (const Value* p = MessageFind(base, std::string(role) + "-output-prefixes")) {
    prepared.Set("output-prefixes", *p);
  }
  AO_ASSIGN_OR_RETURN(ResolveResult r, resolver.Resolve(Value(std::move(prepared)), req, opts));
  if (r.ok() && r.value.is_message() && original &&
      SameDevice(r.value.message().Find("device"), *device)) {
    Message restored = std::move(r.value).TakeMessage();
    restored.Set("device", *original);
    r.value = Value(std::move(restored));
  }
  return r;
}

int64_t AtSlot(const Message& state, int64_t fallback) {
  const Value* at = state.Find("at-slot");
  return at != nullptr && at->is_integer() ? at->integer() : fallback;
}

Engine::Engine(const Resolver& resolver, const EngineStorage& storage, ResolveOptions opts, Identity identity,
               std::string default_execution_device)
    : resolver_(resolver),
      store_(storage.store),
      process_cache_(storage.process_cache),
      cache_frequency_(std::max<int64_t>(storage.cache_frequency, 1)),
      opts_(std::move(opts)),
      default_execution_device_(std::move(default_execution_device)),
      id_(std::move(identity)),
      definition_value_(id_.definition),
      assignments_(storage.store, storage.content) {
  opts_.hashpath = HashpathMode::kIgnore;
}

Engine::~Engine() {
  DropPagesAhead();
  store_.WaitForDeferred();
}

Result<std::optional<Message>> Engine::ReadCached(int64_t slot) {
  if (slot < 0) return std::optional<Message>();
  AO_RETURN_IF_ERROR(Flush());
  Result<std::optional<Message>> m = process_cache_.Read(id_.id, static_cast<uint64_t>(slot));
  AO_RETURN_IF_ERROR(DeferredError());  // the read waited for the runs before it
  if (!m.ok()) return m.status();
  if (*m) Present(**m);
  return m;
}

ComputeResult Engine::Load(int64_t target) {
  AO_RETURN_IF_ERROR(Flush());
  if (target >= 0) {
    Result<std::optional<CachedState>> restore =
        process_cache_.Latest(id_.id, {"snapshot"}, static_cast<uint64_t>(target));
    AO_RETURN_IF_ERROR(DeferredError());
    if (!restore.ok()) return restore.status();
    if (*restore) return Restore(std::move((*restore)->state), static_cast<int64_t>((*restore)->slot));
  }
  return Boot();
}

ComputeResult Engine::Advance(const Message& state, int64_t slot) {
  const int64_t next = slot + 1;
  AO_ASSIGN_OR_RETURN(std::optional<Scheduled> scheduled, NextAssignment(next));
  if (!scheduled) {
    return PhaseError(ErrorResult(503, "No assignment found for next slot."), "get-schedule", next);
  }
  const Message* assignment = &scheduled->assignment;
  const Value* a_slot = assignment->Find("slot");
  const Bytes* a_process = assignment->FindBinary("process");
  if (a_slot == nullptr || !a_slot->is_integer() || a_slot->integer() != next || a_process == nullptr ||
      *a_process != id_.id) {
    return PhaseError(ErrorResult(500, "the assignment for slot " + std::to_string(next) +
                                           " does not belong to this process and slot"),
                      "get-schedule", next);
  }
  Message input = std::move(scheduled->assignment);
  input.Set("path", Value("compute"));  // a scheduled message never selects the key
  Message st = state;
  st.Erase("results");
  Result<ResolveResult> r = RunAs(resolver_, "execution", std::move(st), input, opts_, default_execution_device_);
  if (!r.ok()) {
    return r.status().WithContext("process " + id_.id + " slot " + std::to_string(next) + " (phase compute)");
  }
  if (!r->ok()) return PhaseError(*r, "compute", next);
  if (!r->value.is_message()) {
    return PhaseError(ResolveResult::Error(Value("the execution device returned a non-message state")),
                      "compute", next);
  }
  Message out = std::move(r->value).TakeMessage();
  Pin(out, next);
  Value next_state(std::move(out));  // shared by the answer and the next slot's delta base
  AO_RETURN_IF_ERROR(Store(next_state, next, std::move(scheduled->ids), std::move(scheduled->assignment_id)));
  return ResolveResult::Ok(std::move(next_state));
}

Status Engine::Snapshot(const Message& state, int64_t slot) {
  AO_RETURN_IF_ERROR(Flush());
  Result<bool> has = process_cache_.HasSnapshot(id_.id, static_cast<uint64_t>(slot));
  AO_RETURN_IF_ERROR(DeferredError());
  if (!has.ok()) return has.status();
  if (*has) return Status::OK();
  AO_ASSIGN_OR_RETURN(Value snap, SnapshotOf(state));
  Message stored = state;
  stored.Set("snapshot", std::move(snap));
  return process_cache_.WriteSnapshot(id_.id, static_cast<uint64_t>(slot), stored);
}

ComputeResult Engine::ComputeInline(int64_t slot, const Message* live) {
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
  Status flushed = Sync();  // what this call computed is stored when it returns
  if (!flushed.ok()) return flushed;
  return r;
}

// The process's identity and slot are the worker's, whatever the devices did.
void Engine::Pin(Message& m, int64_t slot) const {
  m.Set("device", Value(kProcessDevice));
  m.Set("process", definition_value_);
  m.Set("at-slot", Value(slot));
  m.Erase("snapshot");
}

ComputeResult Engine::Boot() {
  Message base = InitialState(id_);
  AO_ASSIGN_OR_RETURN(ResolveResult r, RunAs(resolver_, "execution", std::move(base), Message{{"path", "init"}}, opts_,
                                             default_execution_device_));
  if (!r.ok()) return PhaseError(r, "init", -1);
  if (!r.value.is_message()) {
    return PhaseError(ResolveResult::Error(Value("init returned a non-message state")), "init", -1);
  }
  Message out = std::move(r.value).TakeMessage();
  out.Set("initialized", Value("true"));
  Pin(out, -1);
  last_stored_slot_ = kUnknown;  // slot -1 is never stored: slot 0 is written in full
  return ResolveResult::Ok(Value(std::move(out)));
}

ComputeResult Engine::Restore(Message state, int64_t slot) {
  // The next slot's delta is taken against the state as stored, not as normalize rebuilt it
  // (a key normalize changes and compute leaves alone must read back as stored).
  Message stored = state;
  stored.Erase("snapshot");
  last_stored_ = Value(std::move(stored));
  last_stored_slot_ = slot;
  AO_ASSIGN_OR_RETURN(ResolveResult r,
                      RunAs(resolver_, "execution", state, Message{{"path", "normalize"}}, opts_,
                            default_execution_device_));
  Message out;
  if (r.ok() && r.value.is_message()) {
    out = std::move(r.value).TakeMessage();
  } else if (r.IsNotFound()) {
    out = std::move(state);  // the execution device has no normalize
  } else {
    return PhaseError(r, "normalize", slot);
  }
  out.Set("initialized", Value("true"));
  Pin(out, slot);
  return ResolveResult::Ok(Value(std::move(out)));
}

Result<Value> Engine::SnapshotOf(const Message& state) {
  AO_ASSIGN_OR_RETURN(ResolveResult r, RunAs(resolver_, "execution", state,
                                             Message{{"path", "snapshot"}, {"mode", "Map"}}, opts_,
                                             default_execution_device_));
  if (!r.ok() || !r.value.is_message()) {
    return Status::Internal("process " + id_.id + ": snapshot failed: " + r.DebugString());
  }
  return r.value;
}

std::vector<Engine::Scheduled> Engine::WithIds(std::vector<Message> page) {
  std::vector<Scheduled> out;
  out.reserve(page.size());
  for (Message& assignment : page) {
    Scheduled s;
    if (const Message* body = assignment.FindMessage("body")) {
      if (Result<std::string> id = MessageId(*body, IdMode::kAll); id.ok()) s.ids.push_back(std::move(id).value());
    }
    if (Result<std::string> id = MessageId(assignment, IdMode::kAll); id.ok()) s.assignment_id = std::move(id).value();
    s.assignment = std::move(assignment);
    s.bytes = ApproxBytes(s.assignment);
    out.push_back(std::move(s));
  }
  return out;
}

// Stores the state after `slot`: in full with `snapshot` every cache_frequency_ slots,
// otherwise as a delta against the previous slot's stored state (docs/devices.md#process-compute:
// the per-slot write
// depends on what changed, not on the size of the state), or in full when that previous
// state is not known here (the first slot after a replay or a conflict).
Status Engine::Store(const Value& state_value, int64_t slot, std::vector<std::string> ids, std::string assignment_id) {
  const Message& state = state_value.message();
  const int64_t freq = cache_frequency_;
  if (slot % freq != 0 && last_stored_slot_ == slot - 1) {
    // Kept for one batch with the slots around it (Flush); the state and its base are shared
    // Values, not copies.
    if (pending_.empty()) pending_base_ = last_stored_;
    // The assignment's ID names this slot alone (ProcessCache links it without a read).
    pending_.push_back(ProcessCache::DeltaWrite{
        static_cast<uint64_t>(slot), ProcessCache::DeltaOf(static_cast<uint64_t>(slot), state, last_stored_.message()),
        std::move(ids), std::move(assignment_id)});
    last_stored_ = state_value;
    last_stored_slot_ = slot;
    if (pending_.size() >= kMaxPendingSlots) return Flush();
    return Status::OK();
  }
  AO_RETURN_IF_ERROR(Flush());  // the slots before this one first: entries stay in slot order
  if (!assignment_id.empty()) ids.push_back(std::move(assignment_id));
  Value stored = state_value;  // shared, not copied
  if (slot % freq == 0) {
    AO_ASSIGN_OR_RETURN(Value snap, SnapshotOf(state));
    Message with_snapshot = state;
    with_snapshot.Set("snapshot", std::move(snap));
    stored = Value(std::move(with_snapshot));
  }
  // Written by the store's thread in order with the runs (its content tree hashed there too).
  // When the slot holds another state (a non-deterministic device, or a concurrent writer), that
  // one stays authoritative (reported in the log) and the run after it starts in full.
  process_cache_.WriteDeferred(id_.id, static_cast<uint64_t>(slot), std::move(stored), std::move(ids), deferred_);
  last_stored_ = state_value;
  last_stored_slot_ = slot;
  return Status::OK();
}

void Engine::PrefetchPage(int64_t from) {
  auto promise = std::make_shared<std::promise<std::vector<Scheduled>>>();
  pages_ahead_.push_back(PageAhead{from, promise->get_future()});
  // The engine outlives the read (~Engine waits for its pages ahead).
  AssignmentCache* assignments = &assignments_;
  const std::string pid = id_.id;
  // Ahead of the runs queued for writing: this worker waits for the page, nobody for the runs.
  // A page read before an assignment write still queued there comes back short (assignments
  // are written in slot order), and NextAssignment reads the rest the usual way.
  store_.ReadAhead([assignments, pid, from, promise](Status open) {
    if (!open.ok()) return promise->set_value({});  // never read (the store closed)
    Result<std::vector<Message>> page = assignments->Range(
        pid, static_cast<uint64_t>(from), static_cast<uint64_t>(from) + kPageSlots - 1, kPageSlots);
    // A failed read gives an empty page: NextAssignment reads again and reports the error.
    // The IDs are computed here too, off the worker's thread.
    promise->set_value(page.ok() ? WithIds(std::move(page).value()) : std::vector<Scheduled>());
  });
}

void Engine::DropPagesAhead() {
  for (PageAhead& p : pages_ahead_) p.page.wait();  // each read refers to this engine
  pages_ahead_.clear();
}

Status Engine::DeferredError() {
  Status error = deferred_->TakeError();
  if (!error.ok()) last_stored_slot_ = kUnknown;  // what the cache holds is no longer known here
  return error;
}

Status Engine::Flush() {
  AO_RETURN_IF_ERROR(DeferredError());
  if (pending_.empty()) return Status::OK();
  std::vector<ProcessCache::DeltaWrite> run = std::move(pending_);
  pending_.clear();
  Value base = std::move(pending_base_);
  pending_base_ = Value();
  // Written on the store's thread while this one computes on. A conflict at the run's last slot
  // (its stored state is not ours) is the next run's affair: it then starts with a full state.
  process_cache_.WriteDeltasDeferred(id_.id, std::move(base), std::move(run), deferred_);
  // Nothing else holds this engine back when the store writes slower than it computes (its
  // pages are read ahead of the runs): the runs it may have queued are bounded here.
  deferred_->WaitForFewerThan(kMaxQueuedRuns);
  return Status::OK();
}

Status Engine::Sync() {
  AO_RETURN_IF_ERROR(Flush());
  store_.WaitForDeferred();
  return DeferredError();
}

Result<std::optional<Engine::Scheduled>> Engine::NextAssignment(int64_t slot) {
  while (!prefetched_.empty()) {
    const Value* s = prefetched_.front().assignment.Find("slot");
    if (s != nullptr && s->is_integer() && s->integer() == slot) break;
    prefetched_.pop_front();
  }
  if (prefetched_.empty()) {
    std::vector<Scheduled> page;
    if (!pages_ahead_.empty() && pages_ahead_.front().from == slot) {
      page = pages_ahead_.front().page.get();
      pages_ahead_.pop_front();
    }
    if (page.empty()) {
      DropPagesAhead();  // read for other slots, or after a short page: read on the usual way
      AO_ASSIGN_OR_RETURN(std::vector<Message> read,
                          assignments_.Range(id_.id, static_cast<uint64_t>(slot),
                                             static_cast<uint64_t>(slot) + kPageSlots - 1, kPageSlots));
      page = WithIds(std::move(read));
    }
    const size_t got = page.size();
    size_t page_bytes = 0;
    for (Scheduled& a : page) {
      page_bytes += a.bytes;
      prefetched_.push_back(std::move(a));
    }
    if (prefetched_.empty()) return std::optional<Scheduled>();
    // A whole page: there may be more; the store's thread reads the next pages while this one
    // computes, several ahead (a read waits there while a long write, a restore point, ends),
    // as many as hold about kAheadBytes if they are like this one (at least one).
    if (got == kPageSlots) {
      const size_t wanted = std::clamp<size_t>(kAheadBytes / std::max<size_t>(page_bytes, 1), 1, kPagesAhead);
      int64_t from = pages_ahead_.empty() ? slot + static_cast<int64_t>(kPageSlots)
                                          : pages_ahead_.back().from + static_cast<int64_t>(kPageSlots);
      for (; pages_ahead_.size() < wanted; from += static_cast<int64_t>(kPageSlots)) PrefetchPage(from);
    }
  }
  Scheduled head = std::move(prefetched_.front());
  prefetched_.pop_front();
  return std::optional<Scheduled>(std::move(head));
}

}  // namespace process
}  // namespace ao
