#include "aocore/cache/assignment_cache.h"

#include <limits>
#include <map>
#include <string>
#include <utility>

#include "aocore/store/keys.h"

namespace ao {
namespace {

constexpr char kLatestName[] = "latest";
// assignment-data/<pid>/<EncodeSlot(slot)>: the packed copy of the slot's assignment.
constexpr char kPackedGroup[] = "assignment-data";

bool IsDigitLed(std::string_view name) { return !name.empty() && name[0] >= '0' && name[0] <= '9'; }

}  // namespace

std::string AssignmentCache::LatestPointerPath(std::string_view process_id) {
  return AssignmentsGroup(process_id) + "/" + kLatestName;
}

std::string AssignmentCache::PackedPath(std::string_view process_id, uint64_t slot) {
  return JoinPath({kPackedGroup, process_id, EncodeSlot(slot)});
}

Result<std::pair<std::string, uint64_t>> AssignmentCache::ProcessAndSlot(const Message& assignment) {
  const Bytes* process = assignment.FindBinary("process");
  if (process == nullptr || process->empty() || process->find('/') != std::string::npos) {
    return Status::InvalidArgument("assignment has no valid 'process' field");
  }
  const Value* slot_value = assignment.Find("slot");
  if (slot_value == nullptr || !slot_value->is_integer() || slot_value->integer() < 0) {
    return Status::InvalidArgument("assignment has no valid 'slot' field");
  }
  return std::make_pair(*process, static_cast<uint64_t>(slot_value->integer()));
}

Result<std::string> AssignmentCache::AddToBatch(const Message& assignment,
                                                WriteBatch* batch) const {
  AO_ASSIGN_OR_RETURN(auto process_and_slot, ProcessAndSlot(assignment));
  const auto& [process, slot] = process_and_slot;
  const std::string slot_path = AssignmentPath(process, slot);
  AO_ASSIGN_OR_RETURN(NodeType existing, store_.Type(slot_path));
  if (existing != NodeType::kNotFound) {
    return Status::AlreadyExists("slot " + std::to_string(slot) + " of process " + process +
                                 " is already assigned");
  }
  AO_ASSIGN_OR_RETURN(std::string id, content_.AddToBatch(assignment, batch));
  batch->MakeLink(id, slot_path);
  batch->Write(LatestPointerPath(process), EncodeSlot(slot));
  if (Result<Bytes> packed = ContentCache::EncodePacked(Value(assignment)); packed.ok() && packed->size() <= kPackedMax) {
    batch->Write(PackedPath(process, slot), std::move(packed).value());
  }
  return id;
}

Status AssignmentCache::Write(const Message& assignment, const WriteOptions& options) const {
  WriteBatch batch;
  AO_ASSIGN_OR_RETURN(std::string id, AddToBatch(assignment, &batch));
  (void)id;
  return store_.Apply(batch, options);
}

Result<Message> AssignmentCache::Read(std::string_view process_id, uint64_t slot) const {
  Result<Bytes> packed = store_.Read(PackedPath(process_id, slot));
  if (packed.ok()) {
    AO_ASSIGN_OR_RETURN(Value v, ContentCache::DecodePacked(*packed));
    if (!v.is_message()) return Status::Corruption("the packed assignment of slot " + std::to_string(slot) + " is not a message");
    return std::move(v).TakeMessage();
  }
  if (!packed.status().IsNotFound()) return packed.status();
  // Stored without a packed copy (by an older aocore, or too large): read the content tree.
  return content_.ReadMessage(AssignmentPath(process_id, slot));
}

Result<std::optional<uint64_t>> AssignmentCache::LatestSlot(std::string_view process_id) const {
  Result<Bytes> pointer = store_.Read(LatestPointerPath(process_id));
  if (!pointer.ok()) {
    if (pointer.status().IsNotFound()) return std::optional<uint64_t>();
    return pointer.status();
  }
  Result<uint64_t> slot = DecodeSlot(*pointer);
  if (!slot.ok()) {
    return Status::Corruption("latest pointer of process " + std::string(process_id) +
                              " is damaged: " + slot.status().message());
  }
  return std::optional<uint64_t>(*slot);
}

Result<std::optional<LatestAssignment>> AssignmentCache::Latest(
    std::string_view process_id) const {
  AO_ASSIGN_OR_RETURN(std::optional<uint64_t> pointer, LatestSlot(process_id));
  AO_ASSIGN_OR_RETURN(std::optional<uint64_t> highest,
                      ::ao::LatestSlot(store_, AssignmentsGroup(process_id)));
  if (pointer != highest) {
    auto show = [](const std::optional<uint64_t>& s) {
      return s ? std::to_string(*s) : std::string("none");
    };
    return Status::Corruption("schedule of process " + std::string(process_id) +
                              " is inconsistent: latest pointer " + show(pointer) +
                              ", highest slot link " + show(highest));
  }
  if (!pointer) return std::optional<LatestAssignment>();
  LatestAssignment latest;
  latest.slot = *pointer;
  const std::string path = AssignmentPath(process_id, *pointer);
  // Two lazy field reads instead of the whole assignment (and its body).
  Result<Value> chain = content_.Read(path + "/hash-chain");
  Result<Value> timestamp = content_.Read(path + "/timestamp");
  if (!chain.ok() || !chain->is_binary() || !timestamp.ok() || !timestamp->is_integer()) {
    Status cause = !chain.ok() ? chain.status() : !timestamp.ok() ? timestamp.status()
                                                                   : Status::OK();
    return Status::Corruption("latest assignment (slot " + std::to_string(*pointer) +
                              ") of process " + std::string(process_id) +
                              " has no readable hash-chain/timestamp" +
                              (cause.ok() ? std::string() : ": " + cause.ToString()));
  }
  latest.hash_chain = chain->binary();
  latest.timestamp_ms = timestamp->integer();
  return std::optional<LatestAssignment>(std::move(latest));
}

Result<std::vector<Message>> AssignmentCache::Range(std::string_view process_id, uint64_t from,
                                                    uint64_t to, size_t limit) const {
  std::vector<Message> out;
  if (from > to) return out;
  ScanOptions scan;
  scan.start = EncodeSlot(from);
  if (to != std::numeric_limits<uint64_t>::max()) scan.end = EncodeSlot(to + 1);
  scan.limit = limit;
  // A whole page of packed copies from `from` on is the answer: a packed copy is written in the
  // batch of its slot link, so each of those slots is assigned (one scan, no list of names).
  {
    Result<std::vector<std::pair<std::string, Bytes>>> values = store_.ScanValues(JoinPath({kPackedGroup, process_id}), scan);
    if (!values.ok() && !values.status().IsNotFound()) return values.status();
    const size_t wanted = to - from < std::numeric_limits<size_t>::max() ? static_cast<size_t>(to - from) + 1 : 0;
    if (values.ok() && !values->empty() && (values->size() == limit || values->size() == wanted)) {
      std::vector<Message> page;
      page.reserve(values->size());
      uint64_t expected = from;
      for (auto& [name, bytes] : *values) {
        Result<uint64_t> slot = DecodeSlot(name);
        if (!slot.ok() || *slot != expected) break;
        AO_ASSIGN_OR_RETURN(Value v, ContentCache::DecodePacked(bytes));
        if (!v.is_message()) {
          return Status::Corruption("the packed assignment of slot " + std::to_string(*slot) + " is not a message");
        }
        page.push_back(std::move(v).TakeMessage());
        ++expected;
      }
      if (page.size() == values->size()) return page;
    }
  }
  Result<std::vector<std::string>> names = store_.ScanChildren(AssignmentsGroup(process_id), scan);
  if (!names.ok()) {
    if (names.status().IsNotFound()) return out;
    return names.status();
  }
  // The packed copies of the page in one scan (a slot without one is read on its own).
  std::map<std::string, Bytes, std::less<>> packed;
  if (!names->empty()) {
    Result<std::vector<std::pair<std::string, Bytes>>> values =
        store_.ScanValues(JoinPath({kPackedGroup, process_id}), scan);
    if (values.ok()) {
      for (auto& [name, bytes] : *values) packed.emplace(std::move(name), std::move(bytes));
    } else if (!values.status().IsNotFound()) {
      return values.status();
    }
  }
  uint64_t expected = from;
  for (const std::string& name : *names) {
    if (!IsDigitLed(name)) break;  // "latest" sorts after every slot
    AO_ASSIGN_OR_RETURN(uint64_t slot, DecodeSlot(name));
    if (slot != expected) break;  // a gap hides everything after it
    if (auto it = packed.find(name); it != packed.end()) {
      AO_ASSIGN_OR_RETURN(Value v, ContentCache::DecodePacked(it->second));
      if (!v.is_message()) {
        return Status::Corruption("the packed assignment of slot " + std::to_string(slot) + " is not a message");
      }
      out.push_back(std::move(v).TakeMessage());
    } else {
      AO_ASSIGN_OR_RETURN(Message assignment, Read(process_id, slot));
      out.push_back(std::move(assignment));
    }
    if (expected == std::numeric_limits<uint64_t>::max()) break;
    ++expected;
  }
  return out;
}

}  // namespace ao
