// Value: one message value, the port of the Erlang terms a HyperBEAM message can hold:
// binary (byte string), integer (64-bit), float, atom (symbol; true/false/null among them),
// list, nested message, and device (an opaque, callable device object, the port of a
// "map device"'s functions). Nested messages and devices are held by shared pointer to const,
// so copying a Value is cheap and a nested message is never mutated in place: modify a copy.
//
// Thread-safety: a Value is an immutable-by-sharing value type; concurrent const access is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aocore/common/bytes.h"

namespace ao {

class Message;
class Device;  // defined by the ao layer (aocore/ao/device.h)

// A symbol. true/false/null map to Python True/False/None; `unset` and `undefined` have a
// meaning inside message@1.0 `set`; any other name is an ordinary value.
struct Atom {
  std::string name;
  friend bool operator==(const Atom&, const Atom&) = default;
};

class Value {
 public:
  using List = std::vector<Value>;
  enum class Kind { kAtom, kInteger, kFloat, kBinary, kList, kMessage, kDevice };

  Value() : v_(Atom{"null"}) {}  // the atom `null`
  Value(bool b) : v_(Atom{b ? "true" : "false"}) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(const char* s) : v_(Bytes(s)) {}
  Value(std::string_view s) : v_(Bytes(s)) {}
  Value(Atom a) : v_(std::move(a)) {}
  Value(List l) : v_(std::move(l)) {}
  Value(Message m);
  Value(std::shared_ptr<const Message> m);
  Value(std::shared_ptr<Device> d) : v_(std::move(d)) {}

  static Value Symbol(std::string_view name) { return Value(Atom{std::string(name)}); }
  static Value Null() { return Value(); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_atom() const { return kind() == Kind::kAtom; }
  bool is_integer() const { return kind() == Kind::kInteger; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_binary() const { return kind() == Kind::kBinary; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_message() const { return kind() == Kind::kMessage; }
  bool is_device() const { return kind() == Kind::kDevice; }
  // True when this is the atom named `name`.
  bool IsAtom(std::string_view name) const { return is_atom() && atom().name == name; }
  bool is_true() const { return IsAtom("true"); }
  bool is_null() const { return IsAtom("null"); }

  // REQUIRES: the matching kind.
  const Atom& atom() const { return std::get<Atom>(v_); }
  int64_t integer() const { return std::get<int64_t>(v_); }
  double floating() const { return std::get<double>(v_); }
  const Bytes& binary() const { return std::get<Bytes>(v_); }
  const List& list() const { return std::get<List>(v_); }
  const Message& message() const { return *std::get<std::shared_ptr<const Message>>(v_); }
  const std::shared_ptr<const Message>& message_ptr() const {
    return std::get<std::shared_ptr<const Message>>(v_);
  }
  const std::shared_ptr<Device>& device() const { return std::get<std::shared_ptr<Device>>(v_); }

  // Deep equality (messages and lists compared element by element; devices by identity).
  friend bool operator==(const Value& a, const Value& b);

  // A short, human-readable rendering for logs and error messages (not an encoding).
  std::string DebugString() const;

 private:
  std::variant<Atom, int64_t, double, Bytes, List, std::shared_ptr<const Message>, std::shared_ptr<Device>> v_;
};

// The name of a value's kind: "atom", "integer", "float", "binary", "list", "message", "device".
std::string_view KindName(Value::Kind kind);

}  // namespace ao
