#include "aocore/message/message.h"

namespace ao {

const Value* Message::Find(std::string_view key) const {
  auto it = fields_.find(key);
  return it == fields_.end() ? nullptr : &it->second;
}

bool Message::Erase(std::string_view key) {
  auto it = fields_.find(key);
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

const Bytes* Message::FindBinary(std::string_view key) const {
  const Value* v = Find(key);
  return v && v->is_binary() ? &v->binary() : nullptr;
}

const Message* Message::FindMessage(std::string_view key) const {
  const Value* v = Find(key);
  return v && v->is_message() ? &v->message() : nullptr;
}

std::string Message::DebugString() const {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : fields_) {
    if (!first) out += ", ";
    first = false;
    out += k;
    out += ": ";
    out += v.DebugString();
  }
  return out + "}";
}

}  // namespace ao
