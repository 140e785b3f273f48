#include "aocore/devices/message_device.h"

#include <algorithm>
#include <set>

#include "aocore/message/id.h"
#include "aocore/message/key.h"

namespace ao {
namespace {

// Keys `set` never writes (dev_message ?DEFAULT_... reserved list).
bool IsReservedSetKey(std::string_view k) {
  static constexpr std::string_view kReserved[] = {"id",     "commitments", "committers", "keys", "path",
                                                   "set",    "remove",      "verify",     "set-mode"};
  for (std::string_view r : kReserved) {
    if (k == r) return true;
  }
  return false;
}

Value DeepMerge(const Value& old_value, const Value& new_value) {
  if (!old_value.is_message() || !new_value.is_message()) return new_value;
  Message merged = old_value.message();
  for (const auto& [k, v] : new_value.message()) {
    const Value* existing = merged.Find(k);
    if (existing != nullptr && existing->is_message() && v.is_message()) {
      merged.Set(k, DeepMerge(*existing, v));
    } else {
      merged.Set(k, v);
    }
  }
  return Value(std::move(merged));
}

const Message& CommitmentsOf(const Message& base) {
  static const Message kEmpty;
  const Message* c = base.FindMessage("commitments");
  return c ? *c : kEmpty;
}

// Selector values: "all" / "none" / a single value / a list, normalised to a list of strings.
std::vector<std::string> SelectorList(const Value& v) {
  std::vector<std::string> out;
  if (v.is_list()) {
    for (const Value& e : v.list()) {
      if (e.is_binary()) out.push_back(e.binary());
    }
  } else if (v.is_binary()) {
    out.push_back(v.binary());
  } else if (v.is_atom()) {
    out.push_back(v.atom().name);
  }
  return out;
}

bool IsWord(const Value* v, std::string_view word) {
  return v != nullptr && ((v->is_binary() && v->binary() == word) || v->IsAtom(word));
}

// The commitment IDs a request selects (§3.6). `plain` is set when the request has no
// selectors at all (the default: every commitment).
Result<std::vector<std::string>> SelectCommitments(const Message& base, const Message& req) {
  const Message& commitments = CommitmentsOf(base);
  const Value* committers = req.Find("committers");
  const Value* selected = req.Find("commitments");
  const bool committers_none = committers == nullptr || IsWord(committers, "none");
  std::vector<std::string> out;
  if (!committers_none) {
    if (IsWord(committers, "all")) {
      for (const auto& [id, c] : commitments) {
        if (c.is_message() && c.message().Contains("committer")) out.push_back(id);
      }
    } else {
      for (const std::string& address : SelectorList(*committers)) {
        bool found = false;
        for (const auto& [id, c] : commitments) {
          const Bytes* who = c.is_message() ? c.message().FindBinary("committer") : nullptr;
          if (who != nullptr && *who == address) {
            out.push_back(id);
            found = true;
          }
        }
        if (!found) return Status::InvalidArgument("requested_committers_not_found: " + address);
      }
    }
  }
  const bool commitments_all = selected == nullptr ? committers_none : IsWord(selected, "all");
  if (commitments_all) {
    for (const auto& [id, c] : commitments) out.push_back(id);
  } else if (selected != nullptr && !IsWord(selected, "none")) {
    for (const std::string& id : SelectorList(*selected)) {
      if (commitments.Contains(id)) out.push_back(id);
    }
  }
  return out;
}

Result<ResolveResult> IdKey(const DeviceCall& c) {
  const Value* committers = c.req.Find("committers");
  const Value* selected = c.req.Find("commitments");
  // The common selectors map onto the ID modes of message/id.h.
  if (committers == nullptr && selected == nullptr) {
    AO_ASSIGN_OR_RETURN(std::string id, MessageId(c.base, IdMode::kUncommitted));
    return ResolveResult::Ok(Value(std::move(id)));
  }
  if (IsWord(committers, "all") && (selected == nullptr || IsWord(selected, "none"))) {
    AO_ASSIGN_OR_RETURN(std::string id, MessageId(c.base, IdMode::kAll));
    return ResolveResult::Ok(Value(std::move(id)));
  }
  if ((committers == nullptr || IsWord(committers, "none")) && IsWord(selected, "none")) {
    AO_ASSIGN_OR_RETURN(std::string id, MessageId(c.base, IdMode::kNone));
    return ResolveResult::Ok(Value(std::move(id)));
  }
  AO_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectCommitments(c.base, c.req));
  if (ids.empty()) {
    AO_ASSIGN_OR_RETURN(std::string id, MessageId(c.base, IdMode::kNone));
    return ResolveResult::Ok(Value(std::move(id)));
  }
  if (ids.size() == 1) return ResolveResult::Ok(Value(ids[0]));
  return ResolveResult::Ok(Value(CommitmentSetId(std::move(ids))));
}

Result<ResolveResult> KeysKey(const DeviceCall& c) {
  Value::List out;
  for (std::string& k : MessageKeys(c.base)) out.emplace_back(std::move(k));
  return ResolveResult::Ok(Value(std::move(out)));
}

Result<ResolveResult> SetKey(const DeviceCall& c) {
  AO_ASSIGN_OR_RETURN(Message m, MessageSet(c.base, c.req));
  return ResolveResult::Ok(Value(std::move(m)));
}

Result<ResolveResult> SetPathKey(const DeviceCall& c) {
  const Value* v = c.req.Find("value");
  if (v == nullptr) return Status::InvalidArgument("message@1.0 set_path: the request has no `value`");
  Message m = c.base;
  m.Set("path", *v);
  return ResolveResult::Ok(Value(std::move(m)));
}

Result<ResolveResult> RemoveKey(const DeviceCall& c) {
  Message m = c.base;
  if (const Value* item = c.req.Find("item")) {
    if (item->is_binary()) m.Erase(item->binary());
    return ResolveResult::Ok(Value(std::move(m)));
  }
  if (const Value* items = c.req.Find("items")) {
    if (!items->is_list()) return Status::InvalidArgument("message@1.0 remove: `items` must be a list");
    for (const Value& i : items->list()) {
      if (i.is_binary()) m.Erase(i.binary());
    }
    return ResolveResult::Ok(Value(std::move(m)));
  }
  return Status::InvalidArgument("message@1.0 remove: the request has neither `item` nor `items`");
}

Result<ResolveResult> CommittersKey(const DeviceCall& c) {
  Value::List out;
  for (const auto& [id, commitment] : CommitmentsOf(c.base)) {
    const Value* who = commitment.is_message() ? commitment.message().Find("committer") : nullptr;
    if (who != nullptr) out.push_back(*who);
  }
  return ResolveResult::Ok(Value(std::move(out)));
}

Result<ResolveResult> CommittedKey(const DeviceCall& c) {
  AO_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectCommitments(c.base, c.req));
  const Message& commitments = CommitmentsOf(c.base);
  std::vector<std::string> common;
  bool first = true;
  for (const std::string& id : ids) {
    const Message* commitment = commitments.FindMessage(id);
    if (commitment == nullptr) continue;
    std::vector<std::string> keys = CommittedKeysOf(*commitment);
    if (first) {
      common = std::move(keys);
      first = false;
    } else {
      std::vector<std::string> kept;
      for (const std::string& k : common) {
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) kept.push_back(k);
      }
      common = std::move(kept);
    }
  }
  Value::List out;
  for (std::string& k : common) out.emplace_back(std::move(k));
  return ResolveResult::Ok(Value(std::move(out)));
}

Result<ResolveResult> GetDefault(const DeviceCall& c) { return MessageGet(c.base, c.key); }

}  // namespace

namespace {
// NormalizeKey(key) == key, checked without allocating.
bool KeyIsNormal(std::string_view key) {
  if (key.size() == 32 || key.size() == 42 || key.size() == 43) return true;
  for (char c : key) {
    if ((c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}
}  // namespace

const Value* MessageFind(const Message& base, std::string_view key) {
  if (IsPrivateKey(key)) return nullptr;
  if (const Value* v = base.Find(key)) return v;
  std::string normalized;
  std::string_view nk = key;
  if (!KeyIsNormal(key)) {
    Result<std::string> n = NormalizeKey(key);
    if (!n.ok()) return nullptr;
    normalized = std::move(n).value();
    nk = normalized;
    if (const Value* v = base.Find(nk)) return v;
  }
  // Only base keys that are not already normal can still match case-insensitively.
  for (const auto& [k, v] : base) {
    if (KeyIsNormal(k)) continue;
    Result<std::string> nbk = NormalizeKey(k);
    if (nbk.ok() && *nbk == nk) return &v;
  }
  return nullptr;
}

ResolveResult MessageGet(const Message& base, std::string_view key) {
  const Value* v = MessageFind(base, key);
  return v ? ResolveResult::Ok(*v) : ResolveResult::NotFound();
}

std::vector<std::string> MessageKeys(const Message& base) {
  std::vector<std::string> out;
  out.reserve(base.size());
  for (const auto& [k, v] : base) {
    if (!IsPrivateKey(k)) out.push_back(k);
  }
  return out;
}

std::vector<std::string> CommittedKeysOf(const Message& commitment) {
  // signature-input is an SF dictionary: label=("c1" "c2" ...);params. The components are the
  // quoted items of the first inner list; derived components (@path...) name their field.
  std::vector<std::string> out;
  const Bytes* input = commitment.FindBinary("signature-input");
  if (input == nullptr) return out;
  size_t open = input->find('(');
  size_t close = open == std::string::npos ? std::string::npos : input->find(')', open);
  if (close == std::string::npos) return out;
  size_t i = open + 1;
  while (i < close) {
    size_t q1 = input->find('"', i);
    if (q1 == std::string::npos || q1 >= close) break;
    size_t q2 = input->find('"', q1 + 1);
    if (q2 == std::string::npos || q2 > close) break;
    std::string name = input->substr(q1 + 1, q2 - q1 - 1);
    if (!name.empty() && name[0] == '@') name.erase(0, 1);
    Result<std::string> nk = NormalizeKey(name);
    out.push_back(nk.ok() ? std::move(nk).value() : name);
    i = q2 + 1;
  }
  return out;
}

Result<Message> MessageSet(const Message& base, const Message& req) {
  const bool explicit_mode = IsWord(req.Find("set-mode"), "explicit");
  Message merged = base;
  bool touched_committed = false;
  std::set<std::string> committed;
  const Message* commitments = base.FindMessage("commitments");
  if (commitments != nullptr) {
    for (const auto& [id, c] : *commitments) {
      if (c.is_message() && c.message().Contains("committer")) {
        for (std::string& k : CommittedKeysOf(c.message())) committed.insert(std::move(k));
      }
    }
  }
  for (const auto& [k, v] : req) {
    if (IsPrivateKey(k) || IsReservedSetKey(k) || v.IsAtom("undefined")) continue;
    if (committed.count(k)) touched_committed = true;
    if (v.IsAtom("unset")) {
      merged.Erase(k);
      continue;
    }
    if (explicit_mode) {
      merged.Set(k, v);
    } else {
      const Value* old_value = merged.Find(k);
      merged.Set(k, old_value ? DeepMerge(*old_value, v) : v);
    }
  }
  // `priv` of the base is kept as it was (the request's priv is never applied: it is private).
  if (touched_committed && !(merged == base)) merged.Erase("commitments");
  return merged;
}

DevicePtr MakeMessageDevice() {
  auto dev = FunctionDevice::Module("message@1.0");
  dev->AddKey("keys", KeysKey)
      .AddKey("set", SetKey)
      .AddKey("set_path", SetPathKey)
      .AddKey("remove", RemoveKey)
      .AddKey("id", IdKey)
      .AddKey("committers", CommittersKey)
      .AddKey("committed", CommittedKey)
      .AddKey("commit", [](const DeviceCall&) -> Result<ResolveResult> {
        return Status::Unavailable("message@1.0 commit: not implemented yet (wallet issue)");
      })
      .AddKey("verify", [](const DeviceCall&) -> Result<ResolveResult> {
        return Status::Unavailable("message@1.0 verify: not implemented yet (wallet issue)");
      })
      .AddKey("get", [](const DeviceCall&) -> Result<ResolveResult> {
        return Status::InvalidArgument("message@1.0: `get` cannot be resolved as a key (the reference crashes)");
      })
      .AddKey("info", [](const DeviceCall&) -> Result<ResolveResult> {
        return Status::InvalidArgument("message@1.0: `info` cannot be resolved as a key (the reference crashes)");
      })
      .SetDefault(GetDefault);
  return dev;
}

}  // namespace ao
