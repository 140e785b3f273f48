#include "aocore/cache/process_cache.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/message/key.h"
#include "aocore/store/keys.h"

namespace ao {
namespace {

// How many slot names one page of the reverse walk (Latest with a general path) reads.
constexpr size_t kWalkPage = 64;

// The reserved key that marks a delta entry (see the header comment).
constexpr char kDeltaOf[] = "ao-delta-of";

// A delta entry: {ao-delta-of: integer, at-slot: integer, set: message, unset?: list}.
bool IsDelta(const Message& m) {
  const Value* of = m.Find(kDeltaOf);
  return of != nullptr && of->is_integer() && m.FindMessage("set") != nullptr;
}

// Keys a stored state never has (private keys are not stored; `snapshot` marks restore points).
bool Ignored(std::string_view key) { return key == "snapshot" || IsPrivateKey(key); }

// Whether a[0..n) equals b[0..n) element by element. Integers (a log of slots, test-device's
// `already-seen`) are compared here, inline: comparing a grown list with the previous one is
// the O(length) part of every delta, and the general operator== is an out-of-line call per
// element.
bool SameRun(const Value* a, const Value* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i].is_integer() && b[i].is_integer()) {
      if (a[i].integer() != b[i].integer()) return false;
    } else if (!(a[i] == b[i])) {
      return false;
    }
  }
  return true;
}

// {ao-delta-of: slot-1, at-slot: slot, set: changed keys, unset: removed keys,
//  prepend/append: {key: elements} for a list that only grew at one end}. The list forms keep
// a growing list (a log, test-device's `already-seen`) from being rewritten whole every slot.
Message MakeDelta(uint64_t slot, const Message& state, const Message& previous) {
  Message set, prepend, append;
  Value::List unset;
  for (const auto& [k, v] : state) {
    if (Ignored(k)) continue;
    const Value* p = previous.Find(k);
    if (p != nullptr && *p == v) continue;
    if (p != nullptr && p->is_list() && v.is_list() && p->list_size() > 0 && v.list_size() > p->list_size()) {
      // A list grown by Value::Prepend from the previous one: its new front, without comparing
      // (or flattening) the shared rest.
      if (std::optional<size_t> extra = v.ListPrependedTo(*p)) {
        prepend.Set(k, Value(v.ListFront(*extra)));
        continue;
      }
      const Value::List& o = p->list();
      const Value::List& n = v.list();
      const size_t extra = n.size() - o.size();
      if (SameRun(o.data(), n.data() + extra, o.size())) {
        prepend.Set(k, Value(Value::List(n.begin(), n.begin() + static_cast<std::ptrdiff_t>(extra))));
        continue;
      }
      if (SameRun(o.data(), n.data(), o.size())) {
        append.Set(k, Value(Value::List(n.begin() + static_cast<std::ptrdiff_t>(o.size()), n.end())));
        continue;
      }
    }
    set.Set(k, v);
  }
  for (const auto& [k, v] : previous) {
    if (!Ignored(k) && !state.Contains(k)) unset.push_back(Value(k));
  }
  Message delta{{kDeltaOf, Value(static_cast<int64_t>(slot) - 1)},
                {"at-slot", Value(static_cast<int64_t>(slot))},
                {"set", Value(std::move(set))}};
  if (!unset.empty()) delta.Set("unset", Value(std::move(unset)));
  if (!prepend.empty()) delta.Set("prepend", Value(std::move(prepend)));
  if (!append.empty()) delta.Set("append", Value(std::move(append)));
  return delta;
}

// Whether `m` holds, at any depth, a binary the content cache stores in chunks.
bool HasLongBinary(const Message& m);
bool HasLongBinary(const Value& v) {
  if (v.is_binary()) return v.binary().size() > ContentCache::kChunkedBinaryMin;
  if (v.is_message()) return HasLongBinary(v.message());
  if (v.is_list()) {
    for (const Value& e : v.list()) {
      if (HasLongBinary(e)) return true;
    }
  }
  return false;
}
bool HasLongBinary(const Message& m) {
  for (const auto& [k, v] : m) {
    if (HasLongBinary(v)) return true;
  }
  return false;
}

Status ApplyDelta(const Message& delta, Message& state) {
  for (const auto& [k, v] : *delta.FindMessage("set")) state.Set(k, v);
  for (const char* end : {"prepend", "append"}) {
    const Message* grown = delta.FindMessage(end);
    if (grown == nullptr) continue;
    for (const auto& [k, v] : *grown) {
      const Value* old = state.Find(k);
      if (old == nullptr || !old->is_list() || !v.is_list()) {
        return Status::Corruption("a state delta grows '" + k + "', which is not a list in the previous state");
      }
      if (end[0] == 'p') {  // shares the list before (no copy of it per replayed slot)
        state.Set(k, Value::Prepend(v.list(), *old));
        continue;
      }
      Value::List l;
      l.reserve(old->list().size() + v.list().size());
      const Value::List& first = end[0] == 'p' ? v.list() : old->list();
      const Value::List& second = end[0] == 'p' ? old->list() : v.list();
      l.insert(l.end(), first.begin(), first.end());
      l.insert(l.end(), second.begin(), second.end());
      state.Set(k, Value(std::move(l)));
    }
  }
  if (const Value* unset = delta.Find("unset")) {
    if (!unset->is_list()) return Status::Corruption("a state delta's `unset` is not a list");
    for (const Value& k : unset->list()) {
      if (!k.is_binary()) return Status::Corruption("a state delta's `unset` holds a non-key");
      state.Erase(k.binary());
    }
  }
  return Status::OK();
}

// The value at `parts` inside `m` (nested messages), or nullptr.
const Value* FindPath(const Message& m, const std::vector<std::string>& parts) {
  const Message* at = &m;
  const Value* v = nullptr;
  for (const std::string& p : parts) {
    if (at == nullptr) return nullptr;
    v = at->Find(p);
    if (v == nullptr) return nullptr;
    at = v->is_message() ? &v->message() : nullptr;
  }
  return v;
}

Status CheckId(std::string_view what, std::string_view id) {
  if (!IsHumanId(id)) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(id) +
                                   "' is not a 43-character ID");
  }
  return Status::OK();
}

}  // namespace

std::string ProcessCache::SnapshotGroup(std::string_view process_id) {
  return JoinPath({"computed", process_id, "snapshot"});
}

std::string ProcessCache::SnapshotPath(std::string_view process_id, uint64_t slot) {
  return JoinPath({"computed", process_id, "snapshot", EncodeSlot(slot)});
}

Result<std::optional<std::string>> ProcessCache::LinkTarget(std::string_view path) const {
  AO_ASSIGN_OR_RETURN(std::string resolved, store_.Resolve(path));
  AO_ASSIGN_OR_RETURN(NodeType type, store_.Type(resolved));
  if (type == NodeType::kNotFound) return std::optional<std::string>();
  return std::optional<std::string>(std::move(resolved));
}

Result<std::string> ProcessCache::Write(std::string_view process_id, uint64_t slot,
                                        const Message& state,
                                        const std::vector<std::string>& extra_ids,
                                        const WriteOptions& options) {
  AO_RETURN_IF_ERROR(CheckId("process ID", process_id));
  for (const std::string& id : extra_ids) AO_RETURN_IF_ERROR(CheckId("message ID", id));
  if (state.Contains(kDeltaOf)) {
    return Status::InvalidArgument(std::string("the state carries the reserved key ") + kDeltaOf);
  }
  WriteBatch batch;
  std::string state_group;
  AO_ASSIGN_OR_RETURN(std::string state_id, content_.AddToBatch(state, &batch, &state_group));
  const std::string slot_path = ComputedSlotPath(process_id, slot);
  AO_ASSIGN_OR_RETURN(std::optional<std::string> existing, LinkTarget(slot_path));
  if (existing && *existing != state_group) {
    // A delta entry for the same state is not a conflict (its group differs by construction).
    AO_ASSIGN_OR_RETURN(Message stored, content_.ReadMessage(slot_path));
    bool same = false;
    if (IsDelta(stored)) {
      AO_ASSIGN_OR_RETURN(same, SameAsStored(process_id, slot, state));
    }
    if (!same) {
      return Status::AlreadyExists("slot " + std::to_string(slot) + " of process " +
                                   std::string(process_id) + " already holds state " + *existing +
                                   "; the different state " + state_id + " was not stored");
    }
  }
  batch.MakeLink(state_id, slot_path);
  batch.MakeLink(state_id, ComputedIdPath(process_id, state_id));
  for (const std::string& id : extra_ids) batch.MakeLink(state_id, ComputedIdPath(process_id, id));
  if (state.Contains("snapshot")) batch.MakeLink(state_id, SnapshotPath(process_id, slot));
  AO_RETURN_IF_ERROR(store_.Apply(batch, options));
  return state_id;
}

Status ProcessCache::AddDeltaEntry(std::string_view process_id, uint64_t slot, const Message& delta,
                                   const std::vector<std::string>& extra_ids, WriteBatch* batch,
                                   std::string_view slot_id, bool fresh) const {
  const std::string slot_path = ComputedSlotPath(process_id, slot);
  if (HasLongBinary(*delta.FindMessage("set"))) {
    // A long binary (a WebAssembly memory that changed): a content tree stores it in chunks, only
    // the changed ones new, where one leaf would rewrite all of it.
    AO_ASSIGN_OR_RETURN(std::string id, content_.AddToBatch(delta, batch));
    fresh ? batch->MakeContentLink(id, slot_path) : batch->MakeNewLink(id, slot_path);
  } else {
    // One packed leaf, written once and read whole, stored at the slot path itself: no content
    // address to hash, no leaf and link pair (two records fewer per slot).
    AO_ASSIGN_OR_RETURN(Bytes leaf, ContentCache::PackedLeaf(Value(delta)));
    fresh ? batch->WriteContent(slot_path, std::move(leaf)) : batch->WriteNew(slot_path, std::move(leaf));
  }
  // A message scheduled twice keeps its first slot (first writer wins: a read); the assignment's
  // ID names this slot alone, so with the slot new nothing can be at its path.
  for (const std::string& extra : extra_ids) batch->MakeLink(slot_path, ComputedIdPath(process_id, extra));
  if (!slot_id.empty()) {
    std::string id_path = ComputedIdPath(process_id, slot_id);
    fresh ? batch->MakeContentLink(slot_path, std::move(id_path)) : batch->MakeLink(slot_path, std::move(id_path));
  }
  return Status::OK();
}

Status ProcessCache::WriteDelta(std::string_view process_id, uint64_t slot, const Message& state,
                                const Message& previous, const std::vector<std::string>& extra_ids,
                                const WriteOptions& options) {
  AO_RETURN_IF_ERROR(CheckId("process ID", process_id));
  for (const std::string& id : extra_ids) AO_RETURN_IF_ERROR(CheckId("message ID", id));
  if (slot == 0) return Status::InvalidArgument("WriteDelta: slot 0 has no previous slot");
  if (state.Contains(kDeltaOf)) {
    return Status::InvalidArgument(std::string("WriteDelta: the state carries the reserved key ") + kDeltaOf);
  }
  // The entry refuses a slot that holds another one (WriteNew/MakeNewLink), so the usual case
  // (a new slot) costs no read before the batch, and the same entry again (a replay) applies.
  WriteBatch batch;
  AO_RETURN_IF_ERROR(AddDeltaEntry(process_id, slot, MakeDelta(slot, state, previous), extra_ids, &batch));
  Status applied = store_.Apply(batch, options);
  if (!applied.IsAlreadyExists()) return applied;
  // The slot already holds another entry (nothing was written): the same state in another form
  // (a full state, or an entry against another base) is fine, a different state is refused.
  AO_ASSIGN_OR_RETURN(bool same, SameAsStored(process_id, slot, state));
  if (!same) {
    return Status::AlreadyExists("slot " + std::to_string(slot) + " of process " + std::string(process_id) +
                                 " already holds another state; a different state was not stored");
  }
  WriteBatch ids;  // the extra IDs still name the slot (first writer wins)
  const std::string slot_path = ComputedSlotPath(process_id, slot);
  for (const std::string& extra : extra_ids) ids.MakeLink(slot_path, ComputedIdPath(process_id, extra));
  return store_.Apply(ids, options);
}

Message ProcessCache::DeltaOf(uint64_t slot, const Message& state, const Message& previous) {
  return MakeDelta(slot, state, previous);
}

Result<bool> ProcessCache::WriteDeltas(std::string_view process_id, const Message& base,
                                       const std::vector<DeltaWrite>& run, const WriteOptions& options) {
  return WriteDeltasFrom(process_id, base, run, options, /*base_stored=*/true);
}

Status ProcessCache::DeferredRuns::TakeError() {
  std::lock_guard<std::mutex> lock(mu_);
  Status error = std::move(error_);
  error_ = Status::OK();
  return error;
}

void ProcessCache::DeferredRuns::WaitForFewerThan(size_t limit) {
  std::unique_lock<std::mutex> lock(mu_);
  finished_.wait(lock, [&] { return queued_ < limit; });
}

void ProcessCache::DeferredRuns::Queued() {
  std::lock_guard<std::mutex> lock(mu_);
  ++queued_;
}

void ProcessCache::DeferredRuns::Finished() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --queued_;
  }
  finished_.notify_all();
}

bool ProcessCache::DeferredRuns::base_stored() {
  std::lock_guard<std::mutex> lock(mu_);
  return base_stored_;
}

void ProcessCache::DeferredRuns::SetBaseStored(bool stored) {
  std::lock_guard<std::mutex> lock(mu_);
  base_stored_ = stored;
}

void ProcessCache::DeferredRuns::Fail(Status status) {
  Logger("process")->error("deferred_write_failed {}", status.ToString());
  std::lock_guard<std::mutex> lock(mu_);
  base_stored_ = false;
  if (error_.ok()) error_ = std::move(status);
}

void ProcessCache::WriteDeferred(std::string process_id, uint64_t slot, Value state, std::vector<std::string> extra_ids,
                                 std::shared_ptr<DeferredRuns> runs) {
  auto job = std::make_shared<std::tuple<std::string, Value, std::vector<std::string>>>(
      std::move(process_id), std::move(state), std::move(extra_ids));
  auto build = [this, job, runs, slot]() -> Result<WriteBatch> {
    auto& [pid, state_value, ids] = *job;
    Result<std::string> written = Write(pid, slot, state_value.message(), ids);
    if (!written.ok() && !written.status().IsAlreadyExists()) return written.status();
    if (!written.ok()) {
      // Another state is stored for this slot: it stays authoritative; the next run is full.
      Logger("process")->warn("computed_slot_conflict proc={} slot={} status={}", pid, slot,
                              written.status().ToString());
    }
    runs->SetBaseStored(written.ok());
    return WriteBatch();
  };
  auto done = [job, runs, slot](Status status) {
    if (!status.ok()) {
      runs->Fail(status.WithContext("storing slot " + std::to_string(slot) + " of process " + std::get<0>(*job) +
                                    " (deferred)"));
    }
    runs->Finished();
  };
  runs->Queued();
  store_.ApplyDeferred(std::move(build), std::move(done));
}

void ProcessCache::WriteDeltasDeferred(std::string process_id, Value base, std::vector<DeltaWrite> run,
                                       std::shared_ptr<DeferredRuns> runs) {
  if (run.empty()) return;
  // Shared, not copied, by the two callbacks (std::function needs copyable ones).
  auto job = std::make_shared<std::tuple<std::string, Value, std::vector<DeltaWrite>>>(
      std::move(process_id), std::move(base), std::move(run));
  auto build = [this, job, runs]() -> Result<WriteBatch> {
    auto& [pid, base_value, deltas] = *job;
    // Applied here (a conflict decides how the rest is written); nothing is left to apply.
    AO_ASSIGN_OR_RETURN(bool last_stored,
                        WriteDeltasFrom(pid, base_value.message(), deltas, WriteOptions{}, runs->base_stored()));
    runs->SetBaseStored(last_stored);
    return WriteBatch();
  };
  auto done = [job, runs](Status status) {
    if (!status.ok()) {
      const auto& [pid, base_value, deltas] = *job;
      runs->Fail(status.WithContext("storing slots " + std::to_string(deltas.front().slot) + "-" +
                                    std::to_string(deltas.back().slot) + " of process " + pid + " (deferred)"));
    }
    runs->Finished();
  };
  runs->Queued();
  store_.ApplyDeferred(std::move(build), std::move(done));
}

Result<bool> ProcessCache::WriteDeltasFrom(std::string_view process_id, const Message& base,
                                           const std::vector<DeltaWrite>& run, const WriteOptions& options,
                                           bool base_stored) {
  AO_RETURN_IF_ERROR(CheckId("process ID", process_id));
  WriteBatch batch;
  // The usual case, a run of slots never stored (one seek tells, and the batch checks it again
  // atomically): the entries are written without an existence read each. A replay (slots
  // already stored, the same entries) keeps the checked operations, which accept the same entry.
  bool fresh = false;
  if (!run.empty() && base_stored) {
    ScanOptions taken;
    taken.start = EncodeSlot(run.front().slot);
    taken.end = EncodeSlot(run.back().slot + 1);
    taken.limit = 1;
    Result<std::vector<std::string>> names = store_.ScanChildren(ComputedSlotGroup(process_id), taken);
    if (!names.ok() && !names.status().IsNotFound()) return names.status();
    fresh = !names.ok() || names->empty();
    if (fresh) batch.ExpectNoChildren(ComputedSlotGroup(process_id), taken.start, taken.end);
  }
  for (size_t i = 0; i < run.size(); ++i) {
    const DeltaWrite& d = run[i];
    for (const std::string& id : d.extra_ids) AO_RETURN_IF_ERROR(CheckId("message ID", id));
    if (!d.slot_id.empty()) AO_RETURN_IF_ERROR(CheckId("message ID", d.slot_id));
    if (d.slot == 0) return Status::InvalidArgument("WriteDeltas: slot 0 has no previous slot");
    if (i > 0 && d.slot != run[i - 1].slot + 1) {
      return Status::InvalidArgument("WriteDeltas: the slots are not consecutive");
    }
    const Value* of = d.delta.Find(kDeltaOf);
    if (!IsDelta(d.delta) || of->integer() != static_cast<int64_t>(d.slot) - 1) {
      return Status::InvalidArgument("WriteDeltas: an entry is not the delta of its slot (DeltaOf)");
    }
    AO_RETURN_IF_ERROR(AddDeltaEntry(process_id, d.slot, d.delta, d.extra_ids, &batch, d.slot_id, fresh));
  }
  if (base_stored) {
    Status applied = store_.Apply(batch, options);
    if (applied.ok()) return true;
    if (!applied.IsAlreadyExists()) return applied;
  }
  // A slot of the run already holds an entry (a replay after a crash or a retire, or another
  // writer), or the base is not stored: one by one, each state rebuilt from the base and the
  // deltas.
  Message previous = base;
  bool known = base_stored;  // the previous slot holds `previous`
  for (const DeltaWrite& d : run) {
    Message state = previous;
    AO_RETURN_IF_ERROR(ApplyDelta(d.delta, state));
    std::vector<std::string> ids = d.extra_ids;
    if (!d.slot_id.empty()) ids.push_back(d.slot_id);
    Status s = known ? WriteDelta(process_id, d.slot, state, previous, ids, options)
                     : Write(process_id, d.slot, state, ids, options).status();
    if (!s.ok() && !s.IsAlreadyExists()) return s;
    known = s.ok();
    if (!known) {
      Logger("process")->warn("computed_slot_conflict proc={} slot={} status={}", process_id, d.slot,
                              s.ToString());
    }
    previous = std::move(state);
  }
  return known;
}

Result<bool> ProcessCache::SameAsStored(std::string_view process_id, uint64_t slot,
                                        const Message& state) const {
  AO_ASSIGN_OR_RETURN(std::optional<Message> stored, Read(process_id, slot));
  if (!stored) return false;
  // Compared in stored form: the group address is a Merkle hash of the stored content.
  auto group_of = [&](Message m) -> Result<std::string> {
    m.Erase("snapshot");
    WriteBatch scratch;
    std::string group;
    AO_RETURN_IF_ERROR(content_.AddToBatch(m, &scratch, &group).status());
    return group;
  };
  AO_ASSIGN_OR_RETURN(std::string a, group_of(std::move(*stored)));
  AO_ASSIGN_OR_RETURN(std::string b, group_of(state));
  return a == b;
}

Result<Message> ProcessCache::Materialize(std::string_view process_id, uint64_t slot, Message entry) const {
  if (!IsDelta(entry)) return entry;
  // Walk back to the nearest full state: a full slot entry, or the highest restore point at or
  // below `slot` (one seek), whichever comes first. A restore point at `slot` itself (written
  // when a worker retired or the node closed there) is that state: no delta is read.
  AO_ASSIGN_OR_RETURN(std::optional<uint64_t> restore, LatestSlot(store_, SnapshotGroup(process_id), slot));
  if (restore && *restore == slot) {
    AO_ASSIGN_OR_RETURN(Message state, content_.ReadMessage(SnapshotPath(process_id, slot)));
    state.Erase("snapshot");
    return state;
  }
  std::vector<Message> deltas;
  uint64_t at = slot;
  Message base;
  while (true) {
    const Value* of = entry.Find(kDeltaOf);
    if (at == 0 || of->integer() != static_cast<int64_t>(at) - 1) {
      return Status::Corruption("computed slot " + std::to_string(at) + " of process " +
                                std::string(process_id) + " is a delta that does not follow slot " +
                                std::to_string(at - 1));
    }
    deltas.push_back(std::move(entry));
    --at;
    const bool from_restore = restore && *restore == at;
    Result<Message> next = content_.ReadMessage(from_restore ? SnapshotPath(process_id, at)
                                                             : ComputedSlotPath(process_id, at));
    if (!next.ok()) {
      if (next.status().IsNotFound()) {
        return Status::Corruption("computed slot " + std::to_string(at + 1) + " of process " +
                                  std::string(process_id) + " is a delta whose previous slot is missing");
      }
      return next.status();
    }
    entry = std::move(next).value();
    if (!IsDelta(entry)) {
      base = std::move(entry);
      break;
    }
  }
  base.Erase("snapshot");
  for (auto it = deltas.rbegin(); it != deltas.rend(); ++it) AO_RETURN_IF_ERROR(ApplyDelta(*it, base));
  return base;
}

Status ProcessCache::WriteSnapshot(std::string_view process_id, uint64_t slot,
                                   const Message& state, const WriteOptions& options) {
  AO_RETURN_IF_ERROR(CheckId("process ID", process_id));
  if (!state.Contains("snapshot")) {
    return Status::InvalidArgument("WriteSnapshot: the state has no `snapshot`");
  }
  AO_ASSIGN_OR_RETURN(bool has, HasSnapshot(process_id, slot));
  if (has) return Status::OK();
  WriteBatch batch;
  AO_ASSIGN_OR_RETURN(std::string state_id, content_.AddToBatch(state, &batch));
  batch.MakeLink(state_id, SnapshotPath(process_id, slot));
  // The slot index keeps its first state; link this one only where the slot has none yet.
  batch.MakeLink(state_id, ComputedSlotPath(process_id, slot));
  batch.MakeLink(state_id, ComputedIdPath(process_id, state_id));
  return store_.Apply(batch, options);
}

Result<std::optional<Message>> ProcessCache::Read(std::string_view process_id, uint64_t slot) const {
  Result<Message> m = content_.ReadMessage(ComputedSlotPath(process_id, slot));
  if (!m.ok()) {
    if (m.status().IsNotFound()) return std::optional<Message>();
    return m.status();
  }
  AO_ASSIGN_OR_RETURN(Message state, Materialize(process_id, slot, std::move(m).value()));
  return std::optional<Message>(std::move(state));
}

Result<std::optional<CachedState>> ProcessCache::ReadById(std::string_view process_id,
                                                          std::string_view id) const {
  if (!IsHumanId(id)) return std::optional<CachedState>();
  Result<Message> m = content_.ReadMessage(ComputedIdPath(process_id, id));
  if (!m.ok()) {
    if (m.status().IsNotFound()) return std::optional<CachedState>();
    return m.status();
  }
  const Value* at = m->Find("at-slot");
  if (at == nullptr || !at->is_integer() || at->integer() < 0) {
    return Status::Corruption("computed state " + std::string(id) + " of process " +
                              std::string(process_id) + " has no valid `at-slot`");
  }
  const uint64_t slot = static_cast<uint64_t>(at->integer());
  AO_ASSIGN_OR_RETURN(Message state, Materialize(process_id, slot, std::move(m).value()));
  return std::optional<CachedState>(CachedState{slot, std::move(state)});
}

Result<bool> ProcessCache::HasSnapshot(std::string_view process_id, uint64_t slot) const {
  AO_ASSIGN_OR_RETURN(std::optional<std::string> target, LinkTarget(SnapshotPath(process_id, slot)));
  return target.has_value();
}

Result<std::optional<CachedState>> ProcessCache::Latest(std::string_view process_id,
                                                        const std::vector<std::string>& required_path,
                                                        std::optional<uint64_t> limit) const {
  auto read_at = [&](const std::string& path, uint64_t slot) -> Result<std::optional<CachedState>> {
    AO_ASSIGN_OR_RETURN(Message entry, content_.ReadMessage(path));
    AO_ASSIGN_OR_RETURN(Message state, Materialize(process_id, slot, std::move(entry)));
    return std::optional<CachedState>(CachedState{slot, std::move(state)});
  };
  if (required_path.empty() || (required_path.size() == 1 && required_path[0] == "snapshot")) {
    const bool snapshot = !required_path.empty();
    const std::string group = snapshot ? SnapshotGroup(process_id) : ComputedSlotGroup(process_id);
    AO_ASSIGN_OR_RETURN(std::optional<uint64_t> slot, LatestSlot(store_, group, limit));
    if (!slot) return std::optional<CachedState>();
    return read_at(snapshot ? SnapshotPath(process_id, *slot) : ComputedSlotPath(process_id, *slot), *slot);
  }
  // A general path: walk the slot index downwards, a page of names at a time.
  std::vector<std::string_view> parts;
  for (const std::string& p : required_path) parts.push_back(p);
  const std::string sub = JoinPath(parts);
  const std::string group = ComputedSlotGroup(process_id);
  ScanOptions scan;
  scan.start = "0";
  scan.end = ":";
  if (limit && *limit < UINT64_MAX) scan.end = EncodeSlot(*limit + 1);
  scan.reverse = true;
  scan.limit = kWalkPage;
  while (true) {
    Result<std::vector<std::string>> names = store_.ScanChildren(group, scan);
    if (!names.ok()) {
      if (names.status().IsNotFound()) return std::optional<CachedState>();
      return names.status();
    }
    for (const std::string& name : *names) {
      const std::string path = JoinPath({group, name});
      AO_ASSIGN_OR_RETURN(std::string entry, store_.Resolve(path));
      AO_ASSIGN_OR_RETURN(NodeType entry_type, store_.Type(entry));
      NodeType marker_type = NodeType::kNotFound;
      if (entry_type == NodeType::kComposite) {  // a content tree: a full state, or an older delta
        AO_ASSIGN_OR_RETURN(std::string marker, store_.Resolve(JoinPath({path, kDeltaOf})));
        AO_ASSIGN_OR_RETURN(marker_type, store_.Type(marker));
      }
      if (entry_type == NodeType::kSimple || marker_type != NodeType::kNotFound) {
        // A delta entry: the path is checked in the state it stands for.
        AO_ASSIGN_OR_RETURN(uint64_t slot, DecodeSlot(name));
        AO_ASSIGN_OR_RETURN(std::optional<Message> state, Read(process_id, slot));
        if (state && FindPath(*state, required_path) != nullptr) {
          return std::optional<CachedState>(CachedState{slot, std::move(*state)});
        }
        continue;
      }
      AO_ASSIGN_OR_RETURN(std::string resolved, store_.Resolve(JoinPath({path, sub})));
      AO_ASSIGN_OR_RETURN(NodeType type, store_.Type(resolved));
      if (type == NodeType::kNotFound) continue;
      AO_ASSIGN_OR_RETURN(uint64_t slot, DecodeSlot(name));
      return read_at(path, slot);
    }
    if (names->size() < kWalkPage) return std::optional<CachedState>();
    scan.end = names->back();  // exclusive: continue below the last name seen
  }
}

}  // namespace ao
