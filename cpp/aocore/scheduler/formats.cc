#include "aocore/scheduler/formats.h"

#include <cstdio>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/message/id.h"

namespace ao {
namespace {

using Json = nlohmann::ordered_json;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void AppendSfString(std::string_view s, std::string& out) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string FormatFloat(double v) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.20e", v);
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

// The structured codec's text of a list element: `"x"` or `"(ao-type-integer) 1"`.
Result<std::string> ListItemText(const Value& v) {
  std::string inner;
  switch (v.kind()) {
    case Value::Kind::kBinary:
      inner = v.binary();
      break;
    case Value::Kind::kInteger:
      inner = "(ao-type-integer) " + std::to_string(v.integer());
      break;
    case Value::Kind::kFloat:
      inner = "(ao-type-float) " + FormatFloat(v.floating());
      break;
    case Value::Kind::kAtom:
      inner = "(ao-type-atom) " + v.atom().name;
      break;
    default:
      return Status::InvalidArgument("list element of kind " + std::string(KindName(v.kind())));
  }
  std::string out;
  AppendSfString(inner, out);
  return out;
}

// The TABM text of a leaf and its ao-types entry ("" for a plain binary). nullopt: no tag.
struct TabmLeaf {
  std::string text;
  std::string type;
};
std::optional<TabmLeaf> ToTabmLeaf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBinary:
      if (v.binary().empty()) return std::nullopt;  // typed empty-binary, no field
      return TabmLeaf{v.binary(), ""};
    case Value::Kind::kInteger:
      return TabmLeaf{std::to_string(v.integer()), "integer"};
    case Value::Kind::kFloat:
      return TabmLeaf{FormatFloat(v.floating()), "float"};
    case Value::Kind::kAtom: {
      std::string text;
      AppendSfString(v.atom().name, text);
      return TabmLeaf{std::move(text), "atom"};
    }
    case Value::Kind::kList: {
      if (v.list().empty()) return std::nullopt;
      std::string text;
      for (const Value& e : v.list()) {
        Result<std::string> item = ListItemText(e);
        if (!item.ok()) return std::nullopt;
        if (!text.empty()) text += ", ";
        text += *item;
      }
      return TabmLeaf{std::move(text), "list"};
    }
    default:
      return std::nullopt;
  }
}

std::string TypeOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBinary:
      return v.binary().empty() ? "empty-binary" : "";
    case Value::Kind::kInteger:
      return "integer";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kAtom:
      return "atom";
    case Value::Kind::kList:
      return v.list().empty() ? "empty-list" : "list";
    case Value::Kind::kMessage:
      return v.message().empty() ? "empty-message" : "";
    default:
      return "";
  }
}

bool IsExcludedTag(std::string_view key, bool is_assignment) {
  return key == "id" || key == "anchor" || key == "owner" || key == "data" || key == "target" ||
         key == "signature" || key == "commitments" || key == "ao-types" ||
         key.substr(0, 4) == "priv" || (is_assignment && key == "body");
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

// dev_json_iface's message_to_json_struct, for the fields §5.2 lists.
Result<Json> JsonIfaceStruct(const Message& m, bool is_assignment) {
  AO_ASSIGN_OR_RETURN(std::string id, MessageId(m, IdMode::kAll));
  const std::string owner = OwnerOf(m);
  std::string from = BinaryField(m, "from-process");
  if (from.empty()) from = owner;
  std::string signature = BinaryField(m, "signature");
  if (signature.size() == 512) signature = Base64UrlEncode(signature);

  // ao-types of this level, then every tag, in key order ("ao-types" sorts among them).
  std::string types;
  for (const auto& [key, value] : m) {
    if (key == "commitments" || key.substr(0, 4) == "priv") continue;
    std::string type = TypeOf(value);
    if (type.empty()) continue;
    if (!types.empty()) types += ", ";
    types += key + "=\"" + type + "\"";
  }
  Json tags = Json::array();
  auto add_tag = [&tags](std::string_view key, std::string value) {
    tags.push_back(Json{{"name", HeaderCase(key)}, {"value", std::move(value)}});
  };
  bool types_added = types.empty();
  for (const auto& [key, value] : m) {
    if (!types_added && key > std::string_view("ao-types")) {
      add_tag("ao-types", types);
      types_added = true;
    }
    if (IsExcludedTag(key, is_assignment)) continue;
    std::optional<TabmLeaf> leaf = ToTabmLeaf(value);
    if (!leaf) continue;
    add_tag(key, std::move(leaf->text));
  }
  if (!types_added) add_tag("ao-types", types);

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
  return PercentDecode(accept) == kAos2ContentType ? ScheduleFormat::kAos2
                                                    : ScheduleFormat::kBundle;
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
