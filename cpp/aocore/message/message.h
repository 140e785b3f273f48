// Message: a map from keys (byte strings) to Values, the unit everything in AO-Core operates on.
// Entries are kept sorted bytewise by key (std::map over std::string compares unsigned bytes),
// which is the order every encoding in the reference needs. Message does not normalise keys
// itself: producers do (see key.h); Set/Find use the key exactly as given.
//
// Thread-safety: a value type; concurrent const access is safe, mutation needs exclusive access.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "aocore/message/value.h"

namespace ao {

class Message {
 public:
  using Map = std::map<std::string, Value, std::less<>>;
  using const_iterator = Map::const_iterator;

  Message() = default;
  Message(std::initializer_list<std::pair<const std::string, Value>> init) : fields_(init) {}
  explicit Message(Map fields) : fields_(std::move(fields)) {}

  // The value under exactly `key`, or nullptr.
  const Value* Find(std::string_view key) const;
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Inserts or replaces.
  void Set(std::string key, Value value) { fields_.insert_or_assign(std::move(key), std::move(value)); }
  // Removes `key`; returns whether it was present.
  bool Erase(std::string_view key);

  // Convenience readers: the value under `key` when it has the requested kind, else nullptr.
  const Bytes* FindBinary(std::string_view key) const;
  const Message* FindMessage(std::string_view key) const;

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  const Map& fields() const { return fields_; }
  Map& mutable_fields() { return fields_; }

  friend bool operator==(const Message& a, const Message& b) { return a.fields_ == b.fields_; }

  std::string DebugString() const;

 private:
  Map fields_;
};

// The deepest nesting of messages and lists any input may have (the Python converter, the JSON
// codec and the content cache refuse deeper ones); the engine refuses to build deeper ones.
inline constexpr size_t kMaxNesting = 256;

// The nesting depth of `value` (a scalar is 0, a message or list of scalars 1), counted without
// recursion and only up to `limit`: the result is min(depth, limit + 1), so a caller can tell
// "too deep" from any depth without walking a hostile value in full.
size_t NestingDepth(const Value& value, size_t limit = kMaxNesting);

}  // namespace ao
