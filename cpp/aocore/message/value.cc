#include "aocore/message/value.h"

#include <cstdio>

#include "aocore/message/message.h"

namespace ao {

// Made non-const (and held as const), so TakeMessage may move out of a message this Value alone holds.
Value::Value(Message m) : v_(std::shared_ptr<const Message>(std::make_shared<Message>(std::move(m)))) {}

Message Value::TakeMessage() && {
  std::shared_ptr<const Message>& held = std::get<std::shared_ptr<const Message>>(v_);
  if (held.use_count() != 1) return *held;
  Message out = std::move(const_cast<Message&>(*held));
  return out;
}
Value::Value(std::shared_ptr<const Message> m) : v_(std::move(m)) {}

Value::Value(Bytes b) {
  if (b.size() > kInlineBinaryMax) {
    v_ = std::make_shared<const Bytes>(std::move(b));
  } else {
    v_ = std::move(b);
  }
}

Value::Value(std::shared_ptr<const Bytes> b) {
  if (b == nullptr) {
    v_ = Bytes();
  } else if (b->size() > kInlineBinaryMax) {
    v_ = std::move(b);
  } else {
    v_ = Bytes(*b);
  }
}

std::shared_ptr<const Bytes> Value::binary_ptr() const {
  if (const auto* shared = std::get_if<std::shared_ptr<const Bytes>>(&v_)) return *shared;
  return std::make_shared<const Bytes>(binary());
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kAtom: return a.atom() == b.atom();
    case Value::Kind::kInteger: return a.integer() == b.integer();
    case Value::Kind::kFloat: return a.floating() == b.floating();
    case Value::Kind::kBinary: {
      const Bytes& x = a.binary();
      const Bytes& y = b.binary();
      return &x == &y || x == y;  // the same shared binary: no byte comparison
    }
    case Value::Kind::kList: return a.list_ptr() == b.list_ptr() || a.list() == b.list();
    case Value::Kind::kMessage:
      return a.message_ptr() == b.message_ptr() || a.message() == b.message();
    case Value::Kind::kDevice: return a.device() == b.device();
  }
  return false;
}

std::string_view KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kAtom: return "atom";
    case Value::Kind::kInteger: return "integer";
    case Value::Kind::kFloat: return "float";
    case Value::Kind::kBinary: return "binary";
    case Value::Kind::kList: return "list";
    case Value::Kind::kMessage: return "message";
    case Value::Kind::kDevice: return "device";
  }
  return "unknown";
}

std::string Value::DebugString() const {
  switch (kind()) {
    case Kind::kAtom: return atom().name;
    case Kind::kInteger: return std::to_string(integer());
    case Kind::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", floating());
      return buf;
    }
    case Kind::kBinary: {
      std::string out = "\"";
      for (unsigned char c : binary()) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
        if (out.size() > 200) { out += "..."; break; }
      }
      return out + "\"";
    }
    case Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < list().size(); ++i) {
        if (i) out += ", ";
        out += list()[i].DebugString();
      }
      return out + "]";
    }
    case Kind::kMessage: return message().DebugString();
    case Kind::kDevice: return "<device>";
  }
  return "?";
}

}  // namespace ao
