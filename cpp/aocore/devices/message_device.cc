#include "aocore/devices/message_device.h"

#include <algorithm>

#include "aocore/ao/resolve_options.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
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

bool IsWord(const Value* v, std::string_view word) {
  return v != nullptr && ((v->is_binary() && v->binary() == word) || v->IsAtom(word));
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
  AO_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectCommitments(c.base, committers, selected));
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
  for (std::string& who : Committers(c.base)) out.emplace_back(std::move(who));
  return ResolveResult::Ok(Value(std::move(out)));
}

Result<ResolveResult> CommittedKey(const DeviceCall& c) {
  AO_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                      Committed(c.base, c.req.Find("committers"), c.req.Find("commitments")));
  Value::List out;
  for (std::string& k : keys) out.emplace_back(std::move(k));
  return ResolveResult::Ok(Value(std::move(out)));
}

// verify: the target is the base itself (`target` absent or "self"), else req[target],
// falling back to req.body; true only if every selected commitment verifies.
Result<ResolveResult> VerifyKey(const DeviceCall& c) {
  const Value* target = c.req.Find("target");
  const Message* subject = &c.base;
  if (target != nullptr && !IsWord(target, "self")) {
    const Value* t = target->is_binary() ? MessageFind(c.req, target->binary()) : nullptr;
    if (t == nullptr) t = c.req.Find("body");
    if (t == nullptr || !t->is_message()) {
      return Status::InvalidArgument("message@1.0 verify: the target is not a message");
    }
    subject = &t->message();
  }
  AO_ASSIGN_OR_RETURN(bool ok, VerifySelected(*subject, c.req.Find("committers"), c.req.Find("commitments")));
  return ResolveResult::Ok(Value(ok));
}

// commit: signs the base with the `priv_wallet` option through httpsig@1.0 (the only
// commitment device so far).
Result<ResolveResult> CommitKey(const DeviceCall& c) {
  const Value* device = c.req.Find("commitment-device");
  if (device != nullptr && !(device->is_binary() && device->binary() == kHttpsigDevice)) {
    return Status::InvalidArgument("message@1.0 commit: unsupported commitment device " + device->DebugString());
  }
  if (!c.opts.priv_wallet) return Status::InvalidArgument("message@1.0 commit: no priv_wallet option");
  AO_ASSIGN_OR_RETURN(Message committed, Commit(c.base, *c.opts.priv_wallet));
  return ResolveResult::Ok(Value(std::move(committed)));
}

Result<ResolveResult> GetDefault(const DeviceCall& c) { return MessageGet(c.base, c.key); }

}  // namespace

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

Result<Message> MessageSet(const Message& base, const Message& req) {
  const bool explicit_mode = IsWord(req.Find("set-mode"), "explicit");
  Message merged = base;
  std::vector<std::string> candidates;
  for (const auto& [k, v] : req) {
    if (IsPrivateKey(k) || IsReservedSetKey(k) || v.IsAtom("undefined")) continue;
    candidates.push_back(k);
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
  if (!base.Contains("commitments")) return merged;
  return InvalidateCommitmentsOnSet(base, std::move(merged), candidates);
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
      .AddKey("commit", CommitKey)
      .AddKey("verify", VerifyKey)
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
