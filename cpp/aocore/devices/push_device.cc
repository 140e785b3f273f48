#include "aocore/devices/push_device.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <charconv>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/assignment_hooks.h"
#include "aocore/devices/process_device.h"
#include "aocore/devices/push_spawn.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "aocore/store/keys.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {
namespace {

std::optional<int64_t> IntOf(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_integer()) return v->integer();
  if (!v->is_binary() || v->binary().empty() || v->binary().size() > 20) return std::nullopt;
  int64_t n = 0;
  const std::string& s = v->binary();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// Pushes of one (store, process, slot) in progress: a second concurrent push of the same slot
// would race the delivery records.
class Claims {
 public:
  bool Claim(const std::string& key) {
    std::lock_guard lock(mu_);
    return held_.insert(key).second;
  }
  void Release(const std::string& key) {
    std::lock_guard lock(mu_);
    held_.erase(key);
  }

 private:
  std::mutex mu_;  // leaf lock
  std::set<std::string> held_;
};

Claims& GlobalClaims() {
  static Claims* claims = new Claims();  // never destroyed: used from detached threads at exit
  return *claims;
}

class ClaimGuard {
 public:
  explicit ClaimGuard(std::string key) : key_(std::move(key)), held_(GlobalClaims().Claim(key_)) {}
  ~ClaimGuard() {
    if (held_) GlobalClaims().Release(key_);
  }
  ClaimGuard(const ClaimGuard&) = delete;
  ClaimGuard& operator=(const ClaimGuard&) = delete;
  bool held() const { return held_; }

 private:
  std::string key_;
  bool held_;
};

// Outbox keys in numeric order where numeric ("2" before "10"), others after, bytewise.
std::vector<std::string> OrderedKeys(const Message& outbox) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : outbox) {
    if (k == "priv" || k == "commitments" || k == "hashpath") continue;
    keys.push_back(k);
  }
  auto number = [](const std::string& k) {
    const Value v(k);
    return IntOf(&v);
  };
  std::stable_sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    const std::optional<int64_t> ia = number(a), ib = number(b);
    if (ia && ib) return *ia < *ib;
    if (ia.has_value() != ib.has_value()) return ia.has_value();
    return a < b;
  });
  return keys;
}

std::string DeliveryPath(std::string_view pid, int64_t slot, std::string_view outbox_key) {
  return "push/" + std::string(pid) + "/" + EncodeSlot(static_cast<uint64_t>(slot)) + "/" +
         Base64UrlEncode(outbox_key);
}

struct Delivery {
  std::string target;
  int64_t slot = 0;
  std::string id;
};

Result<std::optional<Delivery>> ReadDelivery(Store& store, const std::string& path) {
  Result<Bytes> raw = store.Read(path);
  if (!raw.ok()) {
    if (raw.status().IsNotFound()) return std::optional<Delivery>();
    return raw.status();
  }
  const std::string& s = *raw;
  const size_t a = s.find(' ');
  const size_t b = a == std::string::npos ? a : s.find(' ', a + 1);
  if (b == std::string::npos) return Status::Corruption("push delivery record '" + path + "' is malformed");
  Delivery d;
  d.target = s.substr(0, a);
  Value slot_text(s.substr(a + 1, b - a - 1));
  std::optional<int64_t> slot = IntOf(&slot_text);
  if (!slot) return Status::Corruption("push delivery record '" + path + "' has no slot");
  d.slot = *slot;
  d.id = s.substr(b + 1);
  return std::optional<Delivery>(std::move(d));
}

// The sender's identity as the stamps of its messages carry it.
struct Origin {
  std::string process;
  int64_t slot = 0;
  Message stamps;  // from-* keys (from-slot included)
};

Result<Origin> OriginOf(const process::Identity& id, int64_t slot) {
  Origin o;
  o.process = id.id;
  o.slot = slot;
  Message base = id.definition;
  base.Erase("commitments");
  AO_ASSIGN_OR_RETURN(std::string uncommitted, MessageId(base, IdMode::kNone));
  base.Erase("authority");
  base.Erase("scheduler");
  AO_ASSIGN_OR_RETURN(std::string base_id, MessageId(base, IdMode::kNone));
  o.stamps.Set("from-process", Value(id.id));
  o.stamps.Set("from-slot", Value(slot));
  o.stamps.Set("from-uncommitted", Value(std::move(uncommitted)));
  o.stamps.Set("from-base", Value(std::move(base_id)));
  if (const Value* s = id.definition.Find("scheduler")) o.stamps.Set("from-scheduler", *s);
  if (const Value* a = id.definition.Find("authority")) o.stamps.Set("from-authority", *a);
  return o;
}

class Pusher {
 public:
  Pusher(const DeviceCall& c, const PushDeviceServices& services) : c_(c), services_(services), opts_(c.opts) {
    opts_.hashpath = HashpathMode::kIgnore;
  }

  Result<ResolveResult> Run() {
    AO_ASSIGN_OR_RETURN(process::Identity id, process::IdentityOf(c_.base));
    const Value* raw_slot = MessageFind(c_.req, "slot");
    int64_t slot = 0;
    if (raw_slot == nullptr) {
      AO_ASSIGN_OR_RETURN(ResolveResult scheduled, ScheduleInitial(id));
      if (!scheduled.ok() || !scheduled.value.is_message()) return scheduled;
      const Message& assignment = scheduled.value.message();
      const Message* body = assignment.FindMessage("body");
      if (body != nullptr) {
        const Bytes* type = body->FindBinary("type");
        if (type != nullptr && *type == "Process") return scheduled;  // a process is only scheduled
      }
      std::optional<int64_t> s = IntOf(assignment.Find("slot"));
      if (!s) return ErrorResult(500, "push: the scheduler returned an assignment without a slot");
      slot = *s;
    } else {
      std::optional<int64_t> s = IntOf(raw_slot);
      if (!s || *s < 0) return ErrorResult(400, "push: `slot` must be a non-negative integer, not " + raw_slot->DebugString());
      slot = *s;
    }
    depth_ = IntOf(MessageFind(c_.req, "push-depth")).value_or(0);
    max_depth_ = IntOf(MessageFind(c_.req, "push-max-depth"))
                     .value_or(IntOf(id.definition.Find("push-max-depth")).value_or(kDefaultPushMaxDepth));
    result_depth_ = IntOf(MessageFind(c_.req, "result-depth")).value_or(1);
    return PushSlot(id, slot);
  }

 private:
  Result<ResolveResult> ScheduleInitial(const process::Identity& id) {
    const Value* body = MessageFind(c_.req, "body");
    Message to_sched = body != nullptr && body->is_message() ? body->message() : c_.req;
    to_sched.Erase("path");
    Message req{{"path", "schedule"}, {"method", "POST"}, {"body", Value(std::move(to_sched))}};
    return c_.resolver.Resolve(Value(id.definition), req, opts_);
  }

  Result<ResolveResult> PushSlot(const process::Identity& id, int64_t slot) {
    const std::string claim_key = std::to_string(reinterpret_cast<uintptr_t>(services_.store)) + "/" + id.id + "/" +
                                  std::to_string(slot);
    ClaimGuard claim(claim_key);
    if (!claim.held()) {
      return ErrorResult(409, "slot " + std::to_string(slot) + " of process " + id.id + " is being pushed already");
    }
    auto log = Logger("push");
    AO_ASSIGN_OR_RETURN(ResolveResult computed,
                        c_.resolver.Resolve(Value(id.definition), Message{{"path", "compute"}, {"slot", Value(slot)}},
                                            opts_));
    if (!computed.ok()) {
      log->warn("push_compute_failed proc={} slot={} result={}", id.id, slot, computed.DebugString());
      return computed;
    }
    Message results;
    if (computed.value.is_message()) {
      if (const Message* r = computed.value.message().FindMessage("results")) results = *r;
    }
    Message out;
    if (result_depth_ > 0) {
      for (const auto& [k, v] : results) {
        if (k != "priv") out.Set(k, v);
      }
    }
    out.Set("slot", Value(slot));
    out.Set("process", Value(id.id));
    const Message* outbox = results.FindMessage("outbox");
    const std::vector<push::SpawnRequest> spawns = push::SlotSpawns(results);
    if ((outbox == nullptr || outbox->empty()) && spawns.empty()) {
      log->debug("push_done proc={} slot={} outbox=empty", id.id, slot);
      return ResolveResult::Ok(Value(std::move(out)));
    }
    AO_ASSIGN_OR_RETURN(Origin origin, OriginOf(id, slot));
    if (outbox != nullptr) {
      AO_ASSIGN_OR_RETURN(Message normalized, NormalizeKeys(*outbox));
      for (const std::string& key : OrderedKeys(normalized)) {
        AO_ASSIGN_OR_RETURN(Message entry, PushOne(origin, key, *normalized.Find(key)));
        out.Set(key, Value(std::move(entry)));
      }
    }
    if (!spawns.empty()) {
      Message spawned;
      for (size_t i = 0; i < spawns.size(); ++i) {
        AO_ASSIGN_OR_RETURN(Message entry, SpawnOne(id, origin, i + 1, spawns[i]));
        spawned.Set(std::to_string(i + 1), Value(std::move(entry)));
      }
      out.Set("spawned", Value(std::move(spawned)));
    }
    return ResolveResult::Ok(Value(std::move(out)));
  }

  // One outbox message: scheduled on its target (once), then pushed there.
  Result<Message> PushOne(const Origin& origin, const std::string& key, const Value& raw) {
    auto log = Logger("push");
    const Bytes* raw_target = raw.is_message() ? raw.message().FindBinary("target") : nullptr;
    if (raw_target == nullptr) {
      return Message{{"response", "error"},
                     {"status", Value(404)},
                     {"outbox-index", Value(key)},
                     {"reason", "Target process not available."},
                     {"message", raw}};
    }
    // The target may carry a hint after `?` or `&` (not followed: pushing is local only).
    const std::string target = raw_target->substr(0, raw_target->find_first_of("?&"));
    Result<Message> target_def = ReadProcess(target);
    if (!target_def.ok()) {
      if (!target_def.status().IsNotFound()) return target_def.status();
      log->warn("push_target_not_found proc={} slot={} key={} target={}", origin.process, origin.slot, key, target);
      return Message{{"response", "error"},
                     {"status", Value(404)},
                     {"target", Value(target)},
                     {"outbox-index", Value(key)},
                     {"reason", "Could not access target process!"}};
    }
    auto make = [&]() -> Result<Outgoing> {
      Message msg = raw.message();
      msg.Erase("commitments");
      msg.Erase("priv");
      msg.Set("target", Value(target));
      msg.Set("data-protocol", Value("ao"));
      msg.Set("variant", Value("ao.N.1"));
      msg.Set("type", Value("Message"));
      for (const auto& [k, v] : origin.stamps) msg.Set(k, v);
      AO_ASSIGN_OR_RETURN(Message signed_msg, Commit(msg, *services_.wallet));
      AO_ASSIGN_OR_RETURN(std::string msg_id, MessageId(signed_msg, IdMode::kAll));
      return Outgoing{std::move(signed_msg), std::move(msg_id), target};
    };
    AO_ASSIGN_OR_RETURN(Once once, DeliverOnce(DeliveryPath(origin.process, origin.slot, key), Value(*target_def),
                                               "schedule", make));
    if (!once.delivery) {
      log->warn("push_schedule_failed proc={} slot={} key={} target={} result={}", origin.process, origin.slot, key,
                target, once.failure.DebugString());
      return Message{{"response", "error"}, {"target", Value(target)}, {"outbox-index", Value(key)},
                     {"reason", once.failure.value}};
    }
    const Delivery& d = *once.delivery;
    log->info("pushed proc={} slot={} key={} target={} target_slot={}", origin.process, origin.slot, key, d.target,
              d.slot);
    Message entry{{"id", Value(d.id)}, {"target", Value(d.target)}, {"slot", Value(d.slot)}};
    entry.Set("resulted-in", PushDown(*target_def, d));
    return entry;
  }

  // One spawn of the slot (push_spawn.h): the child process is signed and scheduled (once), its
  // first slot pushed, then the parent is sent its "Spawned" notice (once), which is pushed too.
  // The entry: {process: <child>, slot: 0, resulted-in: <the child's push>, spawned: {id,
  // target: <parent>, slot, resulted-in}}, or an error entry naming the spawn.
  Result<Message> SpawnOne(const process::Identity& parent, const Origin& origin, size_t n,
                           const push::SpawnRequest& spawn) {
    auto log = Logger("push");
    const std::string index = std::to_string(n);
    push::SpawnParent from;
    from.id = parent.id;
    if (const Bytes* m = parent.definition.FindBinary("module")) from.module = *m;
    if (const Bytes* s = parent.definition.FindBinary("scheduler")) {
      from.scheduler = *s;
    } else if (services_.wallet != nullptr) {
      from.scheduler = services_.wallet->Address();  // the node schedules its own processes
    }
    if (const Bytes* d = parent.definition.FindBinary("device")) from.device = *d;
    if (const Bytes* e = parent.definition.FindBinary("execution-device")) from.execution_device = *e;
    auto make_child = [&]() -> Result<Outgoing> {
      AO_ASSIGN_OR_RETURN(Message child, push::ChildProcessMessage(spawn, from, *services_.wallet));
      AO_ASSIGN_OR_RETURN(std::string child_id, MessageId(child, IdMode::kAll));
      return Outgoing{std::move(child), child_id, child_id};
    };
    Result<Once> spawned = DeliverOnce(SpawnPath(origin, "spawn", n),
                                       Value(Message{{"device", Value(process::kProcessDevice)}}), "spawn", make_child);
    if (!spawned.ok() || !spawned->delivery) {
      Value reason = spawned.ok() ? spawned->failure.value : Value(spawned.status().ToString());
      log->warn("push_spawn_failed proc={} slot={} spawn={} reason={}", origin.process, origin.slot, n,
                reason.DebugString());
      return Message{{"response", "error"}, {"spawn-index", Value(index)}, {"reason", std::move(reason)}};
    }
    const Delivery child = *spawned->delivery;
    log->info("spawned proc={} slot={} spawn={} child={}", origin.process, origin.slot, n, child.target);
    Message entry{{"process", Value(child.target)}, {"slot", Value(child.slot)}};
    Result<Message> child_def = ReadProcess(child.target);
    if (!child_def.ok()) return child_def.status();
    entry.Set("resulted-in", PushDown(*child_def, child));

    auto make_notice = [&]() -> Result<Outgoing> {
      AO_ASSIGN_OR_RETURN(Message notice,
                          push::SpawnedNoticeMessage(spawn, parent.id, child.target, *services_.wallet));
      AO_ASSIGN_OR_RETURN(std::string notice_id, MessageId(notice, IdMode::kAll));
      return Outgoing{std::move(notice), std::move(notice_id), parent.id};
    };
    Message parent_def = parent.definition;
    if (!parent_def.Contains("device")) parent_def.Set("device", Value(process::kProcessDevice));
    AO_ASSIGN_OR_RETURN(Once notice, DeliverOnce(SpawnPath(origin, "spawned", n), Value(parent_def), "schedule",
                                                 make_notice));
    if (!notice.delivery) {
      log->warn("push_spawned_notice_failed proc={} slot={} spawn={} result={}", origin.process, origin.slot, n,
                notice.failure.DebugString());
      entry.Set("spawned", Value(Message{{"response", "error"}, {"target", Value(parent.id)},
                                         {"reason", notice.failure.value}}));
      return entry;
    }
    const Delivery& d = *notice.delivery;
    Message told{{"id", Value(d.id)}, {"target", Value(d.target)}, {"slot", Value(d.slot)}};
    told.Set("resulted-in", PushDown(parent_def, d));
    entry.Set("spawned", Value(std::move(told)));
    return entry;
  }

  // A message to schedule: signed, its ID, and the process whose schedule it joins.
  struct Outgoing {
    Message message;
    std::string id;
    std::string process;
  };
  // What DeliverOnce did: the delivery (recorded before, or made now), else the scheduler's
  // refusal.
  struct Once {
    std::optional<Delivery> delivery;
    ResolveResult failure;
  };

  // Schedules what `make` signs through `base` (`path`: schedule, or spawn for a process)
  // unless `record` says it was delivered already. The record goes into the batch that commits
  // the assignment (the scheduler's assignment hook): the message and the record of its
  // delivery are one atomic write, so no crash can deliver it without the record (a second
  // delivery on re-push) or leave a record without the delivery.
  Result<Once> DeliverOnce(const std::string& record, const Value& base, const char* path,
                           const std::function<Result<Outgoing>()>& make) {
    AO_ASSIGN_OR_RETURN(std::optional<Delivery> delivered, ReadDelivery(*services_.store, record));
    if (delivered) {
      Logger("push")->debug("push_already_delivered record={} target={} target_slot={}", record, delivered->target,
                            delivered->slot);
      return Once{std::move(delivered), {}};
    }
    if (services_.wallet == nullptr) return Status::Internal("push@1.0 needs the node wallet to sign");
    AO_ASSIGN_OR_RETURN(Outgoing out, make());
    auto hooked = std::make_shared<std::atomic<bool>>(false);
    const std::string process = out.process;
    const std::string msg_id = out.id;
    // The delivery record goes into the batch that commits the assignment (the scheduler's
    // assignment hook, found by scheduler@1.0 by the message's ID): the message and the
    // record of its delivery are one atomic write, so no crash can deliver it without the
    // record (a second delivery on re-push) or leave a record without the delivery.
    std::optional<AssignmentHooks::Registration> registration;
    if (services_.assignment_hooks != nullptr) registration.emplace(services_.assignment_hooks->Register(msg_id,
        [record, msg_id, process, hooked](const Message& assignment, WriteBatch* batch) -> Status {
          const Bytes* p = assignment.FindBinary("process");
          if (p == nullptr || *p != process || hooked->exchange(true)) return Status::OK();
          std::optional<int64_t> slot = IntOf(assignment.Find("slot"));
          if (!slot) return Status::Internal("push: an assignment without a slot");
          batch->Write(record, process + " " + std::to_string(*slot) + " " + msg_id);
          return Status::OK();
        }));
    Message req{{"path", Value(path)}, {"method", "POST"}, {"body", Value(std::move(out.message))}};
    AO_ASSIGN_OR_RETURN(ResolveResult scheduled, c_.resolver.Resolve(base, req, opts_));
    std::optional<int64_t> new_slot;
    if (scheduled.ok() && scheduled.value.is_message()) {
      const std::optional<int64_t> status = IntOf(scheduled.value.message().Find("status"));
      if (!status || *status == 200) new_slot = IntOf(scheduled.value.message().Find("slot"));
    }
    if (!new_slot) return Once{std::nullopt, std::move(scheduled)};
    Delivery d{process, *new_slot, msg_id};
    if (!hooked->load()) {
      // A scheduler device that does not take the hook (not scheduler@1.0): the record
      // follows the delivery, and a crash between the two can deliver twice on re-push.
      WriteBatch batch;
      batch.Write(record, d.target + " " + std::to_string(d.slot) + " " + d.id);
      WriteOptions wo;
      wo.sync = true;
      AO_RETURN_IF_ERROR(services_.store->Apply(batch, wo));
    }
    return Once{std::move(d), {}};
  }

  // The `resulted-in` of a delivery: the push of its slot on `target_def`, one level deeper,
  // or the 508 of the depth limit (the message stays scheduled: it is never lost).
  Value PushDown(const Message& target_def, const Delivery& d) {
    if (depth_ + 1 > max_depth_) {
      return Value(Message{{"response", "error"},
                           {"status", Value(508)},
                           {"target", Value(d.target)},
                           {"reason", Value("push depth limit (" + std::to_string(max_depth_) +
                                            ") reached: the message is scheduled but not pushed further")}});
    }
    Message down{{"path", "push"},
                 {"slot", Value(d.slot)},
                 {"push-depth", Value(depth_ + 1)},
                 {"push-max-depth", Value(max_depth_)},
                 {"result-depth", Value(result_depth_ - 1)}};
    Result<ResolveResult> pushed = c_.resolver.Resolve(Value(target_def), down, opts_);
    if (!pushed.ok()) {
      return Value(Message{{"response", "error"}, {"target", Value(d.target)},
                           {"reason", Value(pushed.status().ToString())}});
    }
    if (!pushed->ok()) {
      return Value(Message{{"response", "error"}, {"target", Value(d.target)}, {"reason", pushed->value}});
    }
    return pushed->value;
  }

  // A process definition from the content cache. A process spawned from an item that names no
  // device (aoconnect's legacy ao.TN.1 spawns) is a process@1.0 process, as the path
  // `<pid>~process@1.0` treats it.
  Result<Message> ReadProcess(const std::string& pid) {
    AO_ASSIGN_OR_RETURN(Message def, services_.content->ReadMessage(pid));
    if (!def.Contains("device")) def.Set("device", Value(process::kProcessDevice));
    return def;
  }

  static std::string SpawnPath(const Origin& origin, const char* what, size_t n) {
    // Beside the outbox records (push/<pid>/<slot>/<base64url key>: never a `/`).
    return "push/" + origin.process + "/" + EncodeSlot(static_cast<uint64_t>(origin.slot)) + "/" + what + "/" +
           std::to_string(n);
  }

  const DeviceCall& c_;
  const PushDeviceServices& services_;
  ResolveOptions opts_;
  int64_t depth_ = 0;
  int64_t max_depth_ = kDefaultPushMaxDepth;
  int64_t result_depth_ = 1;
};

Result<ResolveResult> Push(const PushDeviceServices& s, const DeviceCall& c) {
  if (s.store == nullptr || s.content == nullptr) {
    return ErrorResult(500, "push@1.0 needs a node (store, content cache, schedulers)");
  }
  return Pusher(c, s).Run();
}

}  // namespace

DevicePtr MakePushDevice(PushDeviceServices services) {
  auto shared = std::make_shared<const PushDeviceServices>(std::move(services));
  auto dev = FunctionDevice::Module("push@1.0");
  dev->AddKey("push", [shared](const DeviceCall& c) { return Push(*shared, c); }).SetExports({"push"});
  return dev;
}

}  // namespace ao
