#include "aocore/cache/process_cache.h"

#include "aocore/common/bytes.h"
#include "aocore/store/keys.h"

namespace ao {
namespace {

// How many slot names one page of the reverse walk (Latest with a general path) reads.
constexpr size_t kWalkPage = 64;

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
  WriteBatch batch;
  std::string state_group;
  AO_ASSIGN_OR_RETURN(std::string state_id, content_.AddToBatch(state, &batch, &state_group));
  const std::string slot_path = ComputedSlotPath(process_id, slot);
  AO_ASSIGN_OR_RETURN(std::optional<std::string> existing, LinkTarget(slot_path));
  if (existing && *existing != state_group) {
    return Status::AlreadyExists("slot " + std::to_string(slot) + " of process " +
                                 std::string(process_id) + " already holds state " + *existing +
                                 "; the different state " + state_id + " was not stored");
  }
  batch.MakeLink(state_id, slot_path);
  batch.MakeLink(state_id, ComputedIdPath(process_id, state_id));
  for (const std::string& id : extra_ids) batch.MakeLink(state_id, ComputedIdPath(process_id, id));
  if (state.Contains("snapshot")) batch.MakeLink(state_id, SnapshotPath(process_id, slot));
  AO_RETURN_IF_ERROR(store_.Apply(batch, options));
  return state_id;
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
  return std::optional<Message>(std::move(m).value());
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
  return std::optional<CachedState>(
      CachedState{static_cast<uint64_t>(at->integer()), std::move(m).value()});
}

Result<bool> ProcessCache::HasSnapshot(std::string_view process_id, uint64_t slot) const {
  AO_ASSIGN_OR_RETURN(std::optional<std::string> target, LinkTarget(SnapshotPath(process_id, slot)));
  return target.has_value();
}

Result<std::optional<CachedState>> ProcessCache::Latest(std::string_view process_id,
                                                        const std::vector<std::string>& required_path,
                                                        std::optional<uint64_t> limit) const {
  auto read_at = [&](const std::string& path, uint64_t slot) -> Result<std::optional<CachedState>> {
    AO_ASSIGN_OR_RETURN(Message state, content_.ReadMessage(path));
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
