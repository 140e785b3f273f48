#include "aocore/scheduler/formats.h"

#include <cstdio>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/message/id.h"
#include "aocore/message/structured.h"

namespace ao {
namespace {

using Json = nlohmann::ordered_json;

bool IsExcludedTag(std::string_view key, bool is_assignment) {
  return key == "id" || key == "anchor" || key == "owner" || key == "data" || key == "target" ||
         key == "signature" || key == "commitments" || (is_assignment && key == "body");
}

std::string BinaryField(const Message& m, std::string_view key) {
  const Bytes* b = m.FindBinary(key);
  return b == nullptr ? std::string() : *b;
}

// The first signer's address: the `committer` of the first (in key order) commitment with one.
std::string OwnerOf(const Message& m) {
  const Message* commitments = m.FindMessage("commitments");
  if (commitments == nullptr) return {};
  for (const auto& [id, commitment] : *commitments) {
    if (!commitment.is_message()) continue;
    const Bytes* committer = commitment.message().FindBinary("committer");
    if (committer != nullptr) return *committer;
  }
  return {};
}

// dev_json_iface's message_to_json_struct, for the fields the aos-2 format carries.
Result<Json> JsonIfaceStruct(const Message& m, bool is_assignment) {
  AO_ASSIGN_OR_RETURN(std::string id, MessageId(m, IdMode::kAll));
  const std::string owner = OwnerOf(m);
  std::string from = BinaryField(m, "from-process");
  if (from.empty()) from = owner;
  std::string signature = BinaryField(m, "signature");
  if (signature.size() == 512) signature = Base64UrlEncode(signature);

  // Tags: the TABM of the message without its commitments, in key order ("ao-types", the
  // types of this level, sorts among them). Nested messages are not tags.
  Message uncommitted = m;
  uncommitted.Erase("commitments");
  AO_ASSIGN_OR_RETURN(Message tabm, MessageToTabm(uncommitted));
  Json tags = Json::array();
  for (const auto& [key, value] : tabm) {
    if (IsExcludedTag(key, is_assignment) || !value.is_binary()) continue;
    tags.push_back(Json{{"name", HeaderCase(key)}, {"value", value.binary()}});
  }

  Json out;
  out["Id"] = id;
  out["Anchor"] = BinaryField(m, "anchor");
  out["Owner"] = owner;
  out["From"] = from;
  out["Tags"] = std::move(tags);
  out["Target"] = BinaryField(m, "target");
  out["Data"] = BinaryField(m, "data");
  out["Signature"] = signature;
  return out;
}

Result<int64_t> SlotOf(const Message& assignment) {
  const Value* slot = assignment.Find("slot");
  if (slot == nullptr || !slot->is_integer()) {
    return Status::InvalidArgument("assignment has no integer slot");
  }
  return slot->integer();
}

}  // namespace

std::string HeaderCase(std::string_view key) {
  std::string out(key);
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = c == '-';
  }
  return out;
}

ScheduleFormat SelectScheduleFormat(std::string_view accept) {
  // A malformed escape in the header is compared as written (it matches no format).
  const std::string decoded = PercentDecode(accept).value_or(std::string(accept));
  return decoded == kAos2ContentType ? ScheduleFormat::kAos2 : ScheduleFormat::kBundle;
}

Result<Message> ScheduleToBundle(const SchedulePage& page) {
  Message assignments;
  for (const Message& a : page.assignments) {
    AO_ASSIGN_OR_RETURN(int64_t slot, SlotOf(a));
    assignments.Set(std::to_string(slot), Value(a));
  }
  Message out;
  out.Set("type", Value("schedule"));
  out.Set("process", Value(page.process_id));
  out.Set("continues", Value(page.has_next_page));
  out.Set("timestamp", Value(page.block.timestamp));
  out.Set("block-height", Value(page.block.height));
  out.Set("block-hash", Value(page.block.hash));
  out.Set("assignments", Value(std::move(assignments)));
  return out;
}

Result<std::string> ScheduleToAos2Json(const SchedulePage& page) {
  Json edges = Json::array();
  for (const Message& a : page.assignments) {
    AO_ASSIGN_OR_RETURN(int64_t slot, SlotOf(a));
    const Message* body = a.FindMessage("body");
    if (body == nullptr) {
      return Status::InvalidArgument("assignment of slot " + std::to_string(slot) +
                                     " has no body");
    }
    AO_ASSIGN_OR_RETURN(Json message, JsonIfaceStruct(*body, false));
    AO_ASSIGN_OR_RETURN(Json assignment, JsonIfaceStruct(a, true));
    Json node;
    node["message"] = std::move(message);
    node["assignment"] = std::move(assignment);
    Json edge;
    edge["cursor"] = slot;
    edge["node"] = std::move(node);
    edges.push_back(std::move(edge));
  }
  Json page_info;
  page_info["process"] = page.process_id;
  page_info["has_next_page"] = page.has_next_page;
  page_info["timestamp"] = std::to_string(page.block.timestamp);
  page_info["block-height"] = std::to_string(page.block.height);
  page_info["block-hash"] = page.block.hash;
  Json out;
  out["page_info"] = std::move(page_info);
  out["edges"] = std::move(edges);
  try {
    // Binary values that are not UTF-8 would make dump() throw; replace them visibly instead.
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("encoding aos-2 JSON: ") + e.what());
  }
}

Result<Message> ScheduleToAos2(const SchedulePage& page) {
  AO_ASSIGN_OR_RETURN(std::string json, ScheduleToAos2Json(page));
  Message out;
  out.Set("content-type", Value("application/json"));
  out.Set("body", Value(std::move(json)));
  return out;
}

}  // namespace ao
