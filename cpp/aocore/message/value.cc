#include "aocore/message/value.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <utility>
#include <vector>

#include "aocore/message/message.h"

namespace ao {

// A list built by Value::Prepend: `head` ++ `rest`, where `rest` is a list Value (flat, or
// another chain) shared with whoever else holds it. Immutable once made, except `flat`, the
// flattened elements, computed at most once (std::call_once) by the first list() and then
// read-only: concurrent const access stays safe.
//
// Heads are merged like a binary counter: a prepend whose head is at least as long as the head
// below it absorbs that head (a copy of it), so heads grow in length towards the flat list at
// the bottom, a chain is O(log n) nodes deep and a prepend copies O(log n) elements amortised.
// The flat list a chain started from is never copied.
struct ListChain {
  Value::List head;  // the elements in front of `rest` (not empty)
  Value rest;        // a list
  size_t size = 0;   // head.size() + the size of `rest`
  size_t depth = 1;  // chain nodes from this one down to a flat list
  // The versions whose heads this node absorbed when its prepend merged heads (each was a list
  // Prepend returned; this node is `offset` elements ++ that version), so ListPrependedTo still
  // finds them: the nearest kMaxAbsorbed, inherited through later merges. Weak: a later
  // version does not keep earlier ones alive; an expired entry still owns its control block,
  // so no other list can be mistaken for it.
  std::vector<std::pair<std::weak_ptr<const ListChain>, size_t>> absorbed;
  mutable std::once_flag flatten_once;
  mutable std::atomic<bool> has_flat{false};
  mutable Value::List flat;
};

namespace {

// A chain this deep (only reachable by heads that shrink towards the back) is merged anyway, so
// no walk along a chain, nor the recursive release of one, is longer than this.
constexpr size_t kMaxChainDepth = 48;
constexpr size_t kMaxAbsorbed = 16;

const ListChain* ChainOf(const std::variant<Atom, int64_t, double, Bytes, std::shared_ptr<const Bytes>,
                                            std::shared_ptr<const Value::List>, std::shared_ptr<const ListChain>,
                                            std::shared_ptr<const Message>, std::shared_ptr<Device>>& v) {
  const auto* c = std::get_if<std::shared_ptr<const ListChain>>(&v);
  return c != nullptr ? c->get() : nullptr;
}

}  // namespace

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

std::shared_ptr<const Value::List> Value::list_ptr() const {
  if (const auto* flat = std::get_if<std::shared_ptr<const List>>(&v_)) return *flat;
  const auto& chain = std::get<std::shared_ptr<const ListChain>>(v_);
  return std::shared_ptr<const List>(chain, &ChainElements());  // aliases the chain's flat copy
}

size_t Value::list_size() const {
  if (const auto* flat = std::get_if<std::shared_ptr<const List>>(&v_)) return (*flat)->size();
  return std::get<std::shared_ptr<const ListChain>>(v_)->size;
}

const Value::List& Value::ChainElements() const {
  const ListChain& chain = *std::get<std::shared_ptr<const ListChain>>(v_);
  std::call_once(chain.flatten_once, [&] {
    chain.flat.reserve(chain.size);
    chain.flat.insert(chain.flat.end(), chain.head.begin(), chain.head.end());
    AppendElements(chain.rest, chain.flat);
    chain.has_flat.store(true, std::memory_order_release);
  });
  return chain.flat;
}

void Value::AppendElements(const Value& list, List& out) {
  const Value* cur = &list;
  while (const auto* chain = std::get_if<std::shared_ptr<const ListChain>>(&cur->v_)) {
    const ListChain& node = **chain;
    if (node.has_flat.load(std::memory_order_acquire)) {
      out.insert(out.end(), node.flat.begin(), node.flat.end());
      return;
    }
    out.insert(out.end(), node.head.begin(), node.head.end());
    cur = &node.rest;
  }
  const List& flat = *std::get<std::shared_ptr<const List>>(cur->v_);
  out.insert(out.end(), flat.begin(), flat.end());
}

Value Value::Prepend(List front, const Value& list) {
  if (front.empty()) return list;
  auto node = std::make_shared<ListChain>();
  node->size = front.size() + list.list_size();
  const size_t added = front.size();
  node->head = std::move(front);
  const Value* rest = &list;
  size_t offset = added;  // elements in front of *rest
  while (const ListChain* below = ChainOf(rest->v_)) {
    if (node->head.size() < below->head.size() && below->depth < kMaxChainDepth) break;
    node->absorbed.emplace_back(std::get<std::shared_ptr<const ListChain>>(rest->v_), offset);
    for (const auto& [version, at] : below->absorbed) node->absorbed.emplace_back(version, offset + at);
    node->head.insert(node->head.end(), below->head.begin(), below->head.end());
    offset += below->head.size();
    rest = &below->rest;
  }
  if (node->absorbed.size() > kMaxAbsorbed) {
    std::stable_sort(node->absorbed.begin(), node->absorbed.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    node->absorbed.resize(kMaxAbsorbed);
  }
  node->rest = *rest;
  const ListChain* below = ChainOf(rest->v_);
  node->depth = below != nullptr ? below->depth + 1 : 1;
  Value out;
  out.v_ = std::shared_ptr<const ListChain>(std::move(node));
  return out;
}

const void* Value::ListIdentity() const {
  if (const auto* f = std::get_if<std::shared_ptr<const List>>(&v_)) return f->get();
  return ChainOf(v_);
}

std::optional<size_t> Value::ListPrependedTo(const Value& older) const {
  if (!is_list() || !older.is_list()) return std::nullopt;
  const void* target = older.ListIdentity();
  const std::shared_ptr<const ListChain>* older_chain = std::get_if<std::shared_ptr<const ListChain>>(&older.v_);
  const Value* cur = this;
  size_t in_front = 0;
  while (true) {
    if (cur->ListIdentity() == target) return in_front;
    const ListChain* node = ChainOf(cur->v_);
    if (node == nullptr) return std::nullopt;
    if (older_chain != nullptr) {
      for (const auto& [version, at] : node->absorbed) {
        // Owner equivalence: the same control block, which the live `older` still owns.
        if (!version.owner_before(*older_chain) && !older_chain->owner_before(version)) return in_front + at;
      }
    }
    in_front += node->head.size();
    cur = &node->rest;
  }
}

Value::List Value::ListFront(size_t n) const {
  List out;
  out.reserve(n);
  const Value* cur = this;
  while (out.size() < n) {
    const auto* chain = std::get_if<std::shared_ptr<const ListChain>>(&cur->v_);
    const List& elements = chain == nullptr                                      ? cur->list()
                           : (*chain)->has_flat.load(std::memory_order_acquire) ? (*chain)->flat
                                                                                : (*chain)->head;
    const size_t take = std::min(n - out.size(), elements.size());
    out.insert(out.end(), elements.begin(), elements.begin() + static_cast<std::ptrdiff_t>(take));
    if (chain == nullptr || &elements == &(*chain)->flat) break;
    cur = &(*chain)->rest;
  }
  return out;
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
    case Value::Kind::kList:
      if (a.ListIdentity() == b.ListIdentity()) return true;  // the same list object
      return a.list_size() == b.list_size() && a.list() == b.list();
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
