#include "aocore/message/message.h"

#include <algorithm>
#include <utility>
#include <vector>

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

size_t NestingDepth(const Value& value, size_t limit) {
  // Depth-first with an explicit stack of (value, depth); a level past limit + 1 is not entered.
  size_t deepest = 0;
  std::vector<std::pair<const Value*, size_t>> pending{{&value, 0}};
  while (!pending.empty()) {
    auto [v, depth] = pending.back();
    pending.pop_back();
    if (!v->is_message() && !v->is_list()) continue;
    deepest = std::max(deepest, depth + 1);
    if (deepest > limit) return limit + 1;
    if (v->is_message()) {
      for (const auto& [k, child] : v->message()) pending.emplace_back(&child, depth + 1);
    } else {
      for (const Value& child : v->list()) pending.emplace_back(&child, depth + 1);
    }
  }
  return deepest;
}

}  // namespace ao
