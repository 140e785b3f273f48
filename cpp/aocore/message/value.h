// Value: one message value, the port of the Erlang terms a HyperBEAM message can hold:
// binary (byte string), integer (64-bit), float, atom (symbol; true/false/null among them),
// list, nested message, and device (an opaque, callable device object, the port of a
// "map device"'s functions). Nested messages, lists, devices and binaries longer than
// kInlineBinaryMax bytes are held by shared pointer to const, so copying a Value (and so a
// state) never copies them: a process state holding a 64 MiB WebAssembly memory or a growing
// list is copied per slot in constant time. Nothing is mutated in place (a Value has no
// mutators): "modifying" a list or binary builds a new one (copy-on-write by construction),
// and equality short-cuts when both sides share the same object.
//
// A list grown at the front (Value::Prepend: a log, test-device@1.0's `already-seen`) shares
// the list it grew from: a chain of heads over a flat list (heads merged like a binary counter:
// O(log n) nodes, O(log n) elements copied per prepend amortised), not a copy of the list.
// list() flattens a chain once, on first use (cached in the chain).
//
// Thread-safety: a Value is an immutable-by-sharing value type; concurrent const access is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aocore/common/bytes.h"

namespace ao {

class Message;
class Device;  // defined by the ao layer (aocore/ao/device.h)
struct ListChain;  // a list built by Value::Prepend (value.cc)

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
  Value(Bytes b);
  Value(const char* s) : Value(Bytes(s)) {}
  Value(std::string_view s) : Value(Bytes(s)) {}
  Value(Atom a) : v_(std::move(a)) {}
  Value(List l) : v_(std::make_shared<const List>(std::move(l))) {}
  // A binary or list already shared (no copy of the bytes or elements).
  Value(std::shared_ptr<const Bytes> b);
  Value(std::shared_ptr<const List> l) : v_(std::move(l)) {}

  // Binaries longer than this are held by shared pointer (shorter ones inline: a pointer and a
  // reference count would cost more than the copy).
  static constexpr size_t kInlineBinaryMax = 64;
  Value(Message m);
  Value(std::shared_ptr<const Message> m);
  Value(std::shared_ptr<Device> d) : v_(std::move(d)) {}

  static Value Symbol(std::string_view name) { return Value(Atom{std::string(name)}); }
  static Value Null() { return Value(); }

  Kind kind() const {
    static constexpr Kind kKinds[] = {Kind::kAtom, Kind::kInteger, Kind::kFloat,   Kind::kBinary, Kind::kBinary,
                                      Kind::kList, Kind::kList,    Kind::kMessage, Kind::kDevice};
    return kKinds[v_.index()];
  }
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
  const Bytes& binary() const {
    if (const Bytes* b = std::get_if<Bytes>(&v_)) return *b;
    return *std::get<std::shared_ptr<const Bytes>>(v_);
  }
  const List& list() const {
    if (const auto* flat = std::get_if<std::shared_ptr<const List>>(&v_)) return **flat;
    return ChainElements();
  }
  // The list as a shared object (to build a Value that shares it).
  std::shared_ptr<const List> list_ptr() const;
  // The number of elements of a list, without flattening a prepended one.
  size_t list_size() const;

  // `front` ++ `list`, sharing `list`'s elements (no copy of them; `list` is unchanged).
  // REQUIRES: list.is_list().
  static Value Prepend(List front, const Value& list);
  // When this list was built by Prepend from `older` (the same list object, through one or more
  // prepends), the number of elements in front of it; else nullopt. Finds every version whose
  // node is still in this list's chain and the nearest few absorbed by merges (so always the
  // last few versions); costs the chain's depth (O(log n)), never the length of the list.
  std::optional<size_t> ListPrependedTo(const Value& older) const;
  // The first n elements of a list (n <= list_size()), without flattening a prepended one.
  List ListFront(size_t n) const;
  // The binary as a shared object: the one this Value holds (a long binary), else a new copy.
  std::shared_ptr<const Bytes> binary_ptr() const;
  const Message& message() const { return *std::get<std::shared_ptr<const Message>>(v_); }
  const std::shared_ptr<const Message>& message_ptr() const {
    return std::get<std::shared_ptr<const Message>>(v_);
  }
  // The message, for a caller that will change it: moved out when this Value is its only holder
  // (a result just returned), copied otherwise. The Value is left holding an empty message.
  // (`std::move(v).message()` is a const reference, so initialising a Message from it copies.)
  // REQUIRES: is_message().
  Message TakeMessage() &&;
  const std::shared_ptr<Device>& device() const { return std::get<std::shared_ptr<Device>>(v_); }

  // Deep equality (messages and lists compared element by element; devices by identity).
  friend bool operator==(const Value& a, const Value& b);

  // A short, human-readable rendering for logs and error messages (not an encoding).
  std::string DebugString() const;

 private:
  const List& ChainElements() const;  // the flattened elements of a prepended list
  const void* ListIdentity() const;   // the list object this Value shares (flat or chain)
  // Appends the elements of `list` to `out`, walking its chain without recursion.
  static void AppendElements(const Value& list, List& out);

  // A binary is inline (Bytes, short) or shared (long); kind() maps both to kBinary. A list is
  // flat (shared vector) or prepended (ListChain); kind() maps both to kList.
  std::variant<Atom, int64_t, double, Bytes, std::shared_ptr<const Bytes>, std::shared_ptr<const List>,
               std::shared_ptr<const ListChain>, std::shared_ptr<const Message>, std::shared_ptr<Device>>
      v_;
};

// The name of a value's kind: "atom", "integer", "float", "binary", "list", "message", "device".
std::string_view KindName(Value::Kind kind);

}  // namespace ao
