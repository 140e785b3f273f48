#include "aocore/devices/push_spawn.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "aocore/scheduler/formats.h"

namespace ao::push {
namespace {

using Json = nlohmann::ordered_json;

// A JSON tag value or Data as the text the MU would put in the item (strings as they are,
// anything else as its JSON text, as JSON.stringify would coerce it).
std::string JsonText(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<std::vector<SpawnRequest>> FromCuResult(const Message& results) {
  const Message* json = results.FindMessage("json");
  const Bytes* body = json != nullptr ? json->FindBinary("body") : nullptr;
  if (body == nullptr) return std::nullopt;
  Json parsed = Json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("Spawns") || !parsed["Spawns"].is_array()) {
    return std::nullopt;
  }
  std::vector<SpawnRequest> out;
  for (const Json& entry : parsed["Spawns"]) {
    if (!entry.is_object()) continue;
    SpawnRequest s;
    if (entry.contains("Tags") && entry["Tags"].is_array()) {
      for (const Json& tag : entry["Tags"]) {
        if (!tag.is_object() || !tag.contains("name") || !tag["name"].is_string() || !tag.contains("value")) continue;
        s.tags.push_back(Tag{tag["name"].get<std::string>(), JsonText(tag["value"])});
      }
    }
    if (entry.contains("Data") && !entry["Data"].is_null()) s.data = JsonText(entry["Data"]);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<SpawnRequest> FromSpawnMessages(const Message& results) {
  std::vector<SpawnRequest> out;
  const Message* spawns = results.FindMessage("spawns");
  if (spawns == nullptr) return out;
  // Numbered 1..n; stop at the first gap, as the outbox is read.
  for (size_t n = 1;; ++n) {
    const Message* m = spawns->FindMessage(std::to_string(n));
    if (m == nullptr) break;
    SpawnRequest s;
    for (const auto& [key, value] : *m) {
      if (key == "commitments" || key == "priv" || key == "target" || key == "anchor" || !value.is_binary()) continue;
      if (key == "data") {
        s.data = value.binary();
        continue;
      }
      s.tags.push_back(Tag{HeaderCase(key), value.binary()});
    }
    out.push_back(std::move(s));
  }
  return out;
}

const Bytes* TagValue(const std::vector<Tag>& tags, std::string_view name) {
  for (const Tag& t : tags) {
    if (t.name == name) return &t.value;
  }
  return nullptr;
}

std::string VariantOf(const SpawnRequest& spawn) {
  const Bytes* v = TagValue(spawn.tags, "Variant");
  return v != nullptr && *v == "ao.N.1" ? "ao.N.1" : "ao.TN.1";
}

Result<Message> SignAsMessage(DataItem item, const Wallet& wallet) {
  AO_ASSIGN_OR_RETURN(DataItem signed_item, SignDataItem(std::move(item), wallet));
  return DataItemToMessage(signed_item);
}

}  // namespace

std::vector<SpawnRequest> SlotSpawns(const Message& results) {
  if (std::optional<std::vector<SpawnRequest>> from_json = FromCuResult(results)) return std::move(*from_json);
  return FromSpawnMessages(results);
}

Result<Message> ChildProcessMessage(const SpawnRequest& spawn, const SpawnParent& parent, const Wallet& wallet) {
  if (TagValue(spawn.tags, "Module") == nullptr) {
    return Status::InvalidArgument("No Module tag found on 'Process' DataItem");
  }
  DataItem item;
  for (const Tag& t : spawn.tags) {
    if (t.name == "Data-Protocol" || t.name == "Type") continue;
    Tag copy = t;
    if (copy.name == "From-Module" && !parent.module.empty()) copy.value = parent.module;
    item.tags.push_back(std::move(copy));
  }
  item.tags.push_back(Tag{"Variant", VariantOf(spawn)});
  item.tags.push_back(Tag{"Data-Protocol", "ao"});
  item.tags.push_back(Tag{"Type", "Process"});
  item.tags.push_back(Tag{"From-Process", parent.id});
  if (TagValue(spawn.tags, "Scheduler") == nullptr && !parent.scheduler.empty()) {
    item.tags.push_back(Tag{"Scheduler", parent.scheduler});
  }
  if (TagValue(spawn.tags, "Device") == nullptr && !parent.device.empty()) {
    item.tags.push_back(Tag{"Device", parent.device});
  }
  if (TagValue(spawn.tags, "Execution-Device") == nullptr && !parent.execution_device.empty()) {
    item.tags.push_back(Tag{"Execution-Device", parent.execution_device});
  }
  item.data = spawn.data.empty() ? Bytes(" ") : spawn.data;
  return SignAsMessage(std::move(item), wallet);
}

Result<Message> SpawnedNoticeMessage(const SpawnRequest& spawn, std::string_view parent_id, std::string_view child_id,
                                     const Wallet& wallet) {
  AO_ASSIGN_OR_RETURN(Bytes target, Base64UrlDecode(parent_id));
  if (target.size() != kAns104TargetBytes) {
    return Status::InvalidArgument("the parent '" + std::string(parent_id) + "' is not a 43-character process ID");
  }
  DataItem item;
  item.target = std::move(target);
  for (const Tag& t : spawn.tags) {
    if ((t.name == "Data-Protocol" && t.value == "ao") || t.name == "Variant" || t.name == "Type") continue;
    item.tags.push_back(t);
  }
  item.tags.push_back(Tag{"Data-Protocol", "ao"});
  item.tags.push_back(Tag{"Type", "Message"});
  item.tags.push_back(Tag{"Process", std::string(child_id)});
  item.tags.push_back(Tag{"Action", "Spawned"});
  item.tags.push_back(Tag{"Variant", VariantOf(spawn)});
  item.data = " ";
  return SignAsMessage(std::move(item), wallet);
}

}  // namespace ao::push
