#include "aocore/devices/cu_shapes.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/id.h"
#include "aocore/message/structured.h"
#include "aocore/scheduler/formats.h"

namespace ao::cu {
namespace {

using Json = nlohmann::ordered_json;

// JSON.stringify's text: no spaces, UTF-8 kept; invalid UTF-8 is replaced (as a JS string holds
// only what TextDecoder made of the bytes).
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string BinaryOr(const Message& m, std::string_view key) {
  const Bytes* b = m.FindBinary(key);
  return b == nullptr ? std::string() : *b;
}

int64_t IntOr(const Message& m, std::string_view key, int64_t fallback) {
  const Value* v = m.Find(key);
  if (v == nullptr) return fallback;
  if (v->is_integer()) return v->integer();
  if (v->is_binary()) {
    try {
      return std::stoll(v->binary());
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

// The ID of the message's signed ans104@1.0 commitment, if it has one.
std::optional<std::string> Ans104CommitmentId(const Message& m) {
  const Message* commitments = m.FindMessage("commitments");
  if (commitments == nullptr) return std::nullopt;
  for (const auto& [id, c] : *commitments) {
    if (!c.is_message()) continue;
    const Bytes* device = c.message().FindBinary("commitment-device");
    const Bytes* type = c.message().FindBinary("type");
    if (device != nullptr && *device == kAns104Device && type != nullptr && *type == kRsaPssSha256) return id;
  }
  return std::nullopt;
}

std::string FirstCommitter(const Message& m) {
  const Message* commitments = m.FindMessage("commitments");
  if (commitments == nullptr) return {};
  for (const auto& [id, c] : *commitments) {
    if (!c.is_message()) continue;
    if (const Bytes* committer = c.message().FindBinary("committer")) return *committer;
  }
  return {};
}

bool IsPrintable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool IsFieldKey(std::string_view key) {
  return key == "id" || key == "anchor" || key == "owner" || key == "data" || key == "target" ||
         key == "signature" || key == "commitments";
}

Json TagsJson(const MessageFields& f) {
  Json tags = Json::array();
  for (const auto& [name, value] : f.tags) tags.push_back(Json{{"name", name}, {"value", value}});
  return tags;
}

Json MessageObject(const MessageFields& f, int64_t epoch, int64_t nonce, int64_t timestamp, int64_t block_height,
                   const std::string& hash_chain, bool read_only) {
  const std::string* from_process = f.Tag("From-Process");
  Json out;
  out["Id"] = f.id;
  out["Signature"] = f.signature;
  out["Data"] = f.data;
  out["Owner"] = f.owner;
  out["Target"] = f.target;
  out["Anchor"] = f.anchor;
  out["From"] = from_process != nullptr ? *from_process : f.owner;
  out["Tags"] = TagsJson(f);
  out["Epoch"] = epoch;
  out["Nonce"] = nonce;
  out["Timestamp"] = timestamp;
  out["Block-Height"] = block_height;
  out["Hash-Chain"] = hash_chain;
  out["Cron"] = false;
  out["Read-Only"] = read_only;
  return out;
}

std::string JsonText(const Json& v) { return v.is_string() ? v.get<std::string>() : Dump(v); }

}  // namespace

const std::string* MessageFields::Tag(std::string_view name) const {
  for (const auto& [n, v] : tags) {
    if (n == name) return &v;
  }
  return nullptr;
}

Result<MessageFields> FieldsOf(const Message& message) {
  MessageFields f;
  if (std::optional<std::string> cid = Ans104CommitmentId(message)) {
    Result<DataItem> item = DataItemFromMessage(message, *cid);
    if (item.ok()) {
      f.id = DataItemId(*item);
      const Message* c = message.FindMessage("commitments")->FindMessage(*cid);
      f.owner = c != nullptr ? BinaryOr(*c, "committer") : std::string();
      f.signature = Base64UrlEncode(item->signature);
      if (item->target) f.target = Base64UrlEncode(*item->target);
      if (item->anchor) f.anchor = IsPrintable(*item->anchor) ? *item->anchor : Base64UrlEncode(*item->anchor);
      f.data = item->data;
      for (const Tag& t : item->tags) f.tags.emplace_back(t.name, t.value);
      return f;
    }
  }
  AO_ASSIGN_OR_RETURN(f.id, MessageId(message, IdMode::kAll));
  f.owner = FirstCommitter(message);
  f.target = BinaryOr(message, "target");
  f.anchor = BinaryOr(message, "anchor");
  f.data = BinaryOr(message, "data");
  Message uncommitted = message;
  uncommitted.Erase("commitments");
  AO_ASSIGN_OR_RETURN(Message tabm, MessageToTabm(uncommitted));
  for (const auto& [key, value] : tabm) {
    if (IsFieldKey(key) || !value.is_binary()) continue;
    f.tags.emplace_back(HeaderCase(key), value.binary());
  }
  return f;
}

Result<std::string> MessageJson(const Message& assignment, bool read_only) {
  const Message* body = assignment.FindMessage("body");
  if (body == nullptr) return Status::InvalidArgument("the assignment carries no message (`body`)");
  AO_ASSIGN_OR_RETURN(MessageFields f, FieldsOf(*body));
  // The CU's process message targets the process itself (loadMessages.js). AOS reads a message
  // whose Target is not ao.id as an assignment, which it refuses from a sender that is neither
  // Owner nor Authority: the first message of a process spawned by another one (From =
  // From-Process, the parent).
  const Bytes* pid = assignment.FindBinary("process");
  if (f.target.empty() && pid != nullptr && *pid == f.id) f.target = f.id;
  return Dump(MessageObject(f, IntOr(assignment, "epoch", 0), IntOr(assignment, "slot", 0),
                            IntOr(assignment, "timestamp", 0), IntOr(assignment, "block-height", 0),
                            BinaryOr(assignment, "hash-chain"), read_only));
}

Result<std::string> DryRunMessageJson(const Message& message, int64_t nonce, int64_t timestamp,
                                      int64_t block_height) {
  AO_ASSIGN_OR_RETURN(MessageFields f, FieldsOf(message));
  if (Ans104CommitmentId(message)) {
    // A signed item with keys added beside it (mainnet's `as=execution/compute&K=V`): the item
    // keeps its own tags, and the added keys follow them as tags, as the CU's dry-run JSON
    // carries every key of the request.
    std::vector<std::string> item_keys;
    for (const auto& [name, value] : f.tags) {
      std::string key = name;
      for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      item_keys.push_back(std::move(key));
    }
    for (const auto& [key, value] : message) {
      if (IsFieldKey(key) || !value.is_binary()) continue;
      if (std::find(item_keys.begin(), item_keys.end(), key) != item_keys.end()) continue;
      f.tags.emplace_back(HeaderCase(key), value.binary());
    }
  } else if (!message.Contains("commitments")) {
    // An unsigned dry run (legacy POST /dry-run): the client names its Id and Owner, which the CU
    // takes as given; From is the CU's own (From-Process, else Owner), not a tag.
    if (const Bytes* id = message.FindBinary("id")) f.id = *id;
    if (const Bytes* owner = message.FindBinary("owner")) f.owner = *owner;
    std::erase_if(f.tags, [](const auto& tag) { return tag.first == "From"; });
  }
  return Dump(MessageObject(f, 0, nonce, timestamp, block_height, "", true));
}

std::string EnvJson(const MessageFields& process, const MessageFields& module) {
  Json env;
  env["Process"] = Json{{"Id", process.id}, {"Owner", process.owner}, {"Tags", TagsJson(process)}};
  env["Module"] = Json{{"Id", module.id}, {"Owner", module.owner}, {"Tags", TagsJson(module)}};
  return Dump(env);
}

EvalResult ResultJson(std::string_view raw) {
  Json parsed = Json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return {Dump(Json{{"Error", "the module returned no JSON result"}}), true};
  }
  Json response = parsed.contains("response") ? parsed["response"] : Json();
  const bool ok = parsed.contains("ok") && parsed["ok"].is_boolean() && parsed["ok"].get<bool>();
  if (!ok) return {Dump(Json{{"Error", response}}), true};
  Json out = Json::object();
  bool error = false;
  if (response.is_object() && response.contains("Error")) {
    out["Error"] = response["Error"];
    error = true;
  }
  for (const char* key : {"Output", "Messages", "Spawns", "Assignments"}) {
    if (response.is_object() && response.contains(key)) out[key] = response[key];
  }
  Json patches = response.is_object() && response.contains("Patches") ? response["Patches"] : Json();
  out["Patches"] = patches.is_null() ? Json::array() : patches;
  out["GasUsed"] = 0;
  return {Dump(out), error};
}

EvalResult TrapResultJson(std::string_view kind, std::string_view message) {
  return {Dump(Json{{"Error", std::string(kind) + ": " + std::string(message)}}), true};
}

std::vector<Message> OutgoingMessages(std::string_view result_json, std::string_view list) {
  std::vector<Message> out;
  Json parsed = Json::parse(result_json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains(list) || !parsed[list].is_array()) return out;
  for (const Json& entry : parsed[list]) {
    if (!entry.is_object()) continue;
    Message m;
    if (entry.contains("Tags") && entry["Tags"].is_array()) {
      for (const Json& tag : entry["Tags"]) {
        if (!tag.is_object() || !tag.contains("name") || !tag["name"].is_string() || !tag.contains("value")) continue;
        std::string name = tag["name"].get<std::string>();
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name.empty() || IsFieldKey(name) || name.rfind("priv", 0) == 0) continue;
        m.Set(std::move(name), Value(JsonText(tag["value"])));
      }
    }
    for (const auto& [field, key] : {std::pair{"Target", "target"}, {"Data", "data"}, {"Anchor", "anchor"}}) {
      if (entry.contains(field) && !entry[field].is_null()) {
        std::string v = JsonText(entry[field]);
        if (!v.empty()) m.Set(key, Value(std::move(v)));
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ao::cu
