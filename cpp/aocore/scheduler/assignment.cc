#include "aocore/scheduler/assignment.h"

#include <string>
#include <utility>

#include "aocore/store/keys.h"

namespace ao {

Value AssignmentPathFor(const Message& body) {
  const Value* path = body.Find("path");
  if (path != nullptr) {
    if (path->is_binary()) {
      std::vector<std::string> segments = SplitPath(path->binary());
      if (!segments.empty()) {
        Value::List list;
        list.reserve(segments.size());
        for (std::string& s : segments) list.emplace_back(Bytes(std::move(s)));
        return Value(std::move(list));
      }
    } else if (path->is_list() && !path->list().empty()) {
      return *path;
    }
  }
  return Value(kDefaultAssignmentPath);
}

Message BuildAssignment(const AssignmentFields& f) {
  Message m;
  m.Set("path", AssignmentPathFor(f.body));
  m.Set("data-protocol", Value(kAssignmentDataProtocol));
  m.Set("variant", Value(kAssignmentVariant));
  m.Set("process", Value(f.process_id));
  m.Set("epoch", Value(kAssignmentEpoch));
  m.Set("slot", Value(f.slot));
  m.Set("block-height", Value(f.block.height));
  m.Set("block-hash", Value(f.block.hash));
  m.Set("block-timestamp", Value(f.block.timestamp));
  m.Set("timestamp", Value(f.timestamp_ms));
  m.Set("hash-chain", Value(f.hash_chain));
  m.Set("body", Value(f.body));
  return m;
}

namespace {

Status Bad(std::string_view field, std::string_view why) {
  return Status::InvalidArgument("assignment field '" + std::string(field) + "' " +
                                 std::string(why));
}

Result<Bytes> GetBinary(const Message& m, std::string_view field) {
  const Value* v = m.Find(field);
  if (v == nullptr) return Bad(field, "is missing");
  if (!v->is_binary()) return Bad(field, "must be a binary, is " + std::string(KindName(v->kind())));
  return v->binary();
}

Result<int64_t> GetInteger(const Message& m, std::string_view field) {
  const Value* v = m.Find(field);
  if (v == nullptr) return Bad(field, "is missing");
  if (!v->is_integer()) {
    return Bad(field, "must be an integer, is " + std::string(KindName(v->kind())));
  }
  return v->integer();
}

Status Expect(const Message& m, std::string_view field, std::string_view expected) {
  AO_ASSIGN_OR_RETURN(Bytes value, GetBinary(m, field));
  if (value != expected) return Bad(field, "must be '" + std::string(expected) + "'");
  return Status::OK();
}

}  // namespace

Result<ParsedAssignment> ParseAssignment(const Message& a) {
  ParsedAssignment p;
  AO_RETURN_IF_ERROR(Expect(a, "data-protocol", kAssignmentDataProtocol));
  AO_RETURN_IF_ERROR(Expect(a, "variant", kAssignmentVariant));
  AO_RETURN_IF_ERROR(Expect(a, "epoch", kAssignmentEpoch));
  AO_ASSIGN_OR_RETURN(p.process_id, GetBinary(a, "process"));
  AO_ASSIGN_OR_RETURN(p.slot, GetInteger(a, "slot"));
  if (p.slot < 0) return Bad("slot", "must not be negative");
  AO_ASSIGN_OR_RETURN(p.timestamp_ms, GetInteger(a, "timestamp"));
  AO_ASSIGN_OR_RETURN(p.block.height, GetInteger(a, "block-height"));
  AO_ASSIGN_OR_RETURN(p.block.timestamp, GetInteger(a, "block-timestamp"));
  AO_ASSIGN_OR_RETURN(p.block.hash, GetBinary(a, "block-hash"));
  AO_ASSIGN_OR_RETURN(p.hash_chain, GetBinary(a, "hash-chain"));
  const Value* path = a.Find("path");
  if (path == nullptr) return Bad("path", "is missing");
  if (!path->is_binary() && !path->is_list()) return Bad("path", "must be a binary or a list");
  p.path = *path;
  const Message* body = a.FindMessage("body");
  if (body == nullptr) return Bad("body", "must be a message");
  p.body = *body;
  return p;
}

}  // namespace ao
