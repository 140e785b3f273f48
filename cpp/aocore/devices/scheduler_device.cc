#include "aocore/devices/scheduler_device.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aocore/ao/resolve_options.h"
#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/logging.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/assignment_hooks.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/formats.h"
#include "aocore/scheduler/peer_schedules.h"
#include "aocore/scheduler/scheduler_location.h"
#include "aocore/scheduler/scheduler_registry.h"

namespace ao {
namespace {

constexpr char kDeviceName[] = "scheduler@1.0";

ResolveResult StatusResult(const Status& s) { return ErrorResult(HttpStatusOf(s), s.ToString()); }

// The device's services, or null when it was built without a node.
const SchedulerDeviceServices* ServicesOf(const SchedulerDeviceServices& s) {
  if (s.schedulers == nullptr) return nullptr;
  return &s;
}

ResolveResult NoServices() {
  return ErrorResult(500, std::string(kDeviceName) +
                              ": no node services (the device needs a node's scheduler registry)");
}

bool IsProcess(const Message& m) {
  const Value* type = MessageFind(m, "type");
  return type != nullptr && type->is_binary() && type->binary() == "Process";
}


// The ID a `process` value names: id(P, all) for a message, the text for an ID.
Result<std::string> ProcessValueId(const Value& v) {
  if (v.is_message()) return MessageId(v.message(), IdMode::kAll);
  if (v.is_binary()) return v.binary();
  return Status::InvalidArgument("`process` is neither a message nor an ID");
}

// The reference's find_target_id.
Result<std::string> FindTargetId(const Message& base, const Message& req) {
  if (std::optional<std::string> target = MessageText(req, "target")) return *target;
  if (IsProcess(req)) return MessageId(req, IdMode::kAll);
  if (const Value* process = MessageFind(base, "process")) return ProcessValueId(*process);
  if (IsProcess(base)) return MessageId(base, IdMode::kAll);
  return MessageId(req, IdMode::kAll);
}

// Where a process is scheduled (scheduler/scheduler_location.h), with a failed lookup as this
// device's error result.
using Local = SchedulerHere;
using Elsewhere = SchedulerElsewhere;
using ServerLocation = std::variant<Local, Elsewhere, ResolveResult>;

bool FollowHints(const ResolveOptions& opts) {
  const Value* v = opts.FindUser("scheduler_follow_hints");
  return v == nullptr || !(v->IsAtom("false") || (v->is_binary() && v->binary() == "false"));
}

// Whether the request came from another node (PeerSchedules sets kForwardedByKey): it is
// answered from this node's own schedule, never passed on to a further peer.
bool Forwarded(const DeviceCall& c) { return MessageFind(c.req, kForwardedByKey) != nullptr; }

ResolveResult NotPassedOn(const DeviceCall& c, const std::string& pid) {
  std::string from = MessageText(c.req, kForwardedByKey).value_or("?");
  return ErrorResult(502, "Not passed on: the request for " + pid + " came from node " + from +
                              ", and this node is not the process's scheduler (check the nodes' `peers`)",
                     "forwarding_loop");
}

ServerLocation FindServer(const SchedulerDeviceServices& services, const std::string& raw_pid, const Message& base,
                          const Message* to_sched, const ResolveOptions& opts, bool forwarded) {
  const SchedulerLocator locator{services.schedulers, services.content, services.peers, services.address,
                                 services.store != nullptr};
  SchedulerLocation where = LocateScheduler(locator, raw_pid, base, to_sched, FollowHints(opts), forwarded);
  if (auto* error = std::get_if<SchedulerLocationError>(&where)) {
    return ErrorResult(error->status, std::move(error->body), std::move(error->reason));
  }
  if (auto* here = std::get_if<SchedulerHere>(&where)) return std::move(*here);
  return std::get<SchedulerElsewhere>(std::move(where));
}

// A peer's answer as this device's result: its message for a 2xx, a redirect message for a 3xx,
// else an error result with the peer's status (its JSON error fields kept). A peer that could
// not be asked is an error result with PeerHttpStatus (503 unreachable, 504 timeout).
ResolveResult FromPeer(const Result<PeerReply>& reply) {
  if (!reply.ok()) return ErrorResult(PeerHttpStatus(reply.status()), reply.status().ToString(), "peer_unavailable");
  const int status = reply->status;
  if (status / 100 == 2 && reply->body.is_message()) return ResolveResult::Ok(reply->body);
  if (status / 100 == 3) {
    Message m = reply->body.is_message() ? reply->body.message() : Message{};
    m.Set("status", Value(int64_t{status}));
    m.Set("location", Value(reply->location));
    return ResolveResult::Ok(Value(std::move(m)));
  }
  Message m;
  if (reply->body.is_message()) {
    m = reply->body.message();
  } else {
    m.Set("body", reply->body.is_binary() ? reply->body : Value(reply->body.DebugString()));
  }
  m.Set("status", Value(int64_t{status / 100 == 2 ? 502 : status}));
  return ResolveResult::Error(Value(std::move(m)));
}

bool FollowRedirects(const SchedulerDeviceServices& services) { return services.follow_redirects; }

// The redirect to a peer's `<pid>/<key>` (redirect mode).
Message PeerRedirect(const Elsewhere& where, const std::string& pid, const std::string& key_and_query) {
  return SchedulerRedirect(where.peer_url + "/" + pid + "/" + key_and_query);
}

// The request's `method`, upper-cased; GET by default.
Result<std::string> MethodOf(const Message& req) {
  const Value* v = MessageFind(req, "method");
  if (v == nullptr) return std::string("GET");
  std::string m;
  if (v->is_binary()) {
    m = v->binary();
  } else if (v->is_atom()) {
    m = v->atom().name;
  } else {
    return Status::InvalidArgument("`method` must be text");
  }
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return m;
}

// An integer given as an integer or as decimal text.
Result<int64_t> IntOf(const Value& v, std::string_view key) {
  if (v.is_integer()) return v.integer();
  if (v.is_binary()) {
    const std::string& s = v.binary();
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return out;
  }
  return Status::InvalidArgument("`" + std::string(key) + "` is not an integer: " + v.DebugString());
}

// with_only_committed: a signed message reduced to its committed keys plus `commitments`.
Result<Message> OnlyCommitted(const Message& m) {
  if (m.Find("commitments") == nullptr) return m;
  AO_ASSIGN_OR_RETURN(std::vector<std::string> keys, Committed(m));
  Message out;
  for (const std::string& k : keys) {
    if (const Value* v = m.Find(k)) out.Set(k, *v);
  }
  out.Set("commitments", *m.Find("commitments"));
  return out;
}

Result<ResolveResult> PostSchedule(const SchedulerDeviceServices& services, const DeviceCall& c) {
  const Value* body = MessageFind(c.req, "body");
  const Message& to_sched = (body != nullptr && body->is_message()) ? body->message() : c.req;
  Result<std::string> raw_pid = [&]() -> Result<std::string> {
    if (IsProcess(to_sched)) return MessageId(to_sched, IdMode::kAll);
    if (std::optional<std::string> target = MessageText(to_sched, "target")) return *target;
    return FindTargetId(c.base, c.req);
  }();
  if (!raw_pid.ok()) return ErrorResult(400, "Cannot determine the target process.", raw_pid.status().message());

  Result<Message> committed = OnlyCommitted(to_sched);
  if (!committed.ok()) {
    return ErrorResult(400, "Message invalid: Committed components cannot be validated.",
                       committed.status().message());
  }
  ServerLocation where = FindServer(services, *raw_pid, c.base, &to_sched, c.opts, Forwarded(c));
  if (auto* redirect = std::get_if<Elsewhere>(&where)) {
    if (redirect->peer_url.empty()) return ResolveResult::Ok(Value(redirect->redirect));
    Result<std::string> pid = CanonicalProcessId(*raw_pid);
    if (!pid.ok()) return ErrorResult(400, "Invalid process ID.", pid.status().message());
    if (!FollowRedirects(services)) return ResolveResult::Ok(Value(PeerRedirect(*redirect, *pid, "schedule")));
    if (Forwarded(c)) return NotPassedOn(c, *pid);
    // Forward (the reference's post_remote_schedule): the peer verifies and assigns.
    return FromPeer(services.peers->ForwardSchedule(redirect->peer_url, *pid, *committed));
  }
  if (auto* error = std::get_if<ResolveResult>(&where)) return *error;
  const std::string& pid = std::get<Local>(where).pid;

  // The scheduler verifies the message (once, as its single writer accepts it) and stores it
  // (a Process too: by its ID, as the assignment's body) in the assignment's batch.
  AssignmentBatchHook hook =
      services.assignment_hooks != nullptr ? services.assignment_hooks->Find(*committed) : AssignmentBatchHook();
  Result<Message> assignment =
      hook ? services.schedulers->Schedule(pid, *committed, std::move(hook)) : services.schedulers->Schedule(pid, *committed);
  if (!assignment.ok()) {
    const Status& s = assignment.status();
    if (s.IsInvalidSignature()) return ErrorResult(400, "Message is not valid.", kInvalidSignatureReason);
    return StatusResult(s);
  }
  return ResolveResult::Ok(Value(std::move(assignment).value()));
}

// The `accept` of the request (else the base), default "application/http".
std::string AcceptOf(const DeviceCall& c) {
  if (std::optional<std::string> a = MessageText(c.req, "accept")) return *a;
  if (std::optional<std::string> a = MessageText(c.base, "accept")) return *a;
  return "application/http";
}

Result<ResolveResult> GetSchedule(const SchedulerDeviceServices& services, const DeviceCall& c) {
  Result<std::string> raw_pid = FindTargetId(c.base, c.req);
  if (!raw_pid.ok()) return ErrorResult(400, "Cannot determine the target process.", raw_pid.status().message());
  ServerLocation where = FindServer(services, *raw_pid, c.base, nullptr, c.opts, Forwarded(c));
  const Elsewhere* remote = std::get_if<Elsewhere>(&where);
  if (remote != nullptr && remote->peer_url.empty()) return ResolveResult::Ok(Value(remote->redirect));
  if (auto* error = std::get_if<ResolveResult>(&where)) return *error;
  std::string pid;
  if (remote != nullptr) {
    Result<std::string> canonical = CanonicalProcessId(*raw_pid);
    if (!canonical.ok()) return ErrorResult(400, "Invalid process ID.", canonical.status().message());
    pid = std::move(canonical).value();
  } else {
    pid = std::get<Local>(where).pid;
  }

  uint64_t from = 0;
  if (const Value* v = MessageFind(c.req, "from")) {
    Result<int64_t> f = IntOf(*v, "from");
    if (!f.ok()) return ErrorResult(400, "Invalid `from`.", f.status().message());
    from = *f < 0 ? 0 : static_cast<uint64_t>(*f);
  }
  std::optional<uint64_t> to;
  if (const Value* v = MessageFind(c.req, "to")) {
    Result<int64_t> t = IntOf(*v, "to");
    if (!t.ok()) return ErrorResult(400, "Invalid `to`.", t.status().message());
    if (*t < 0) {
      // Below every slot: an empty page.
      to = 0;
      from = 1;
    } else {
      to = static_cast<uint64_t>(*t);
    }
  }
  if (remote != nullptr) {
    if (!FollowRedirects(services)) {
      std::string query = "schedule?from=" + std::to_string(from);
      if (to) query += "&to=" + std::to_string(*to);
      return ResolveResult::Ok(Value(PeerRedirect(*remote, pid, query)));
    }
    if (Forwarded(c)) return NotPassedOn(c, pid);
    // The peer's schedule, pulled (verified) into this node's store, is served from there.
    Result<int64_t> pulled = services.peers->Pull(pid, remote->scheduler, remote->peer_url, to);
    if (!pulled.ok()) {
      return ErrorResult(PeerHttpStatus(pulled.status()), pulled.status().ToString(), "peer_schedule");
    }
  } else {
    // As the reference, reading a schedule starts the process's scheduler.
    Result<std::shared_ptr<ProcessScheduler>> scheduler = services.schedulers->GetOrCreate(pid);
    if (!scheduler.ok()) return StatusResult(scheduler.status());
  }
  Result<SchedulePage> page = services.schedulers->Assignments(pid, from, to);
  if (!page.ok()) return StatusResult(page.status());
  Result<Message> out = SelectScheduleFormat(AcceptOf(c)) == ScheduleFormat::kAos2 ? ScheduleToAos2(*page)
                                                                                   : ScheduleToBundle(*page);
  if (!out.ok()) return StatusResult(out.status());
  return ResolveResult::Ok(Value(std::move(out).value()));
}

Result<ResolveResult> Schedule(const SchedulerDeviceServices& s, const DeviceCall& c) {
  const SchedulerDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoServices();
  Result<std::string> method = MethodOf(c.req);
  if (!method.ok()) return ErrorResult(400, "Unsupported method.", method.status().message());
  if (*method == "POST") return PostSchedule(*services, c);
  if (*method == "GET") return GetSchedule(*services, c);
  return ErrorResult(400, "Unsupported method: " + *method + " (scheduler@1.0 accepts GET and POST).");
}

Result<ResolveResult> Slot(const SchedulerDeviceServices& s, const DeviceCall& c) {
  const SchedulerDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoServices();
  Result<std::string> raw_pid = FindTargetId(c.base, c.req);
  if (!raw_pid.ok()) return ErrorResult(400, "Cannot determine the target process.", raw_pid.status().message());
  ServerLocation where = FindServer(*services, *raw_pid, c.base, nullptr, c.opts, Forwarded(c));
  if (auto* redirect = std::get_if<Elsewhere>(&where)) {
    if (redirect->peer_url.empty()) return ResolveResult::Ok(Value(redirect->redirect));
    Result<std::string> pid = CanonicalProcessId(*raw_pid);
    if (!pid.ok()) return ErrorResult(400, "Invalid process ID.", pid.status().message());
    if (!FollowRedirects(*services)) return ResolveResult::Ok(Value(PeerRedirect(*redirect, *pid, "slot")));
    if (Forwarded(c)) return NotPassedOn(c, *pid);
    return FromPeer(services->peers->ForwardGet(redirect->peer_url, "/" + *pid + "/slot"));
  }
  if (auto* error = std::get_if<ResolveResult>(&where)) return *error;
  const std::string& pid = std::get<Local>(where).pid;
  Result<int64_t> current = services->schedulers->CurrentSlot(pid);
  if (!current.ok()) return StatusResult(current.status());
  const SchedulerEnvironment& env = services->schedulers->environment();
  const BlockInfo block = env.block_info ? env.block_info() : BlockInfo{};
  return ResolveResult::Ok(Value(Message{{"process", Value(pid)},
                                         {"current", Value(*current)},
                                         {"timestamp", Value(block.timestamp)},
                                         {"block-height", Value(block.height)},
                                         {"block-hash", Value(block.hash)},
                                         {"cache-control", Value("no-store")},
                                         {"wallet-address", Value(std::string(services->address))}}));
}

Result<ResolveResult> StatusKey(const SchedulerDeviceServices& s, const DeviceCall& c) {
  const SchedulerDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoServices();
  Value::List processes;
  for (std::string& pid : services->schedulers->Processes()) processes.emplace_back(std::move(pid));
  return ResolveResult::Ok(Value(Message{{"address", Value(std::string(services->address))},
                                         {"processes", Value(std::move(processes))},
                                         {"cache-control", Value("no-store")}}));
}

// The slot of an assignment, or nullopt.
std::optional<int64_t> SlotOf(const Value& assignment) {
  if (!assignment.is_message()) return std::nullopt;
  const Value* s = assignment.message().Find("slot");
  if (s == nullptr) return std::nullopt;
  Result<int64_t> i = IntOf(*s, "slot");
  if (!i.ok()) return std::nullopt;
  return *i;
}

Result<ResolveResult> Next(const SchedulerDeviceServices& s, const DeviceCall& c) {
  const SchedulerDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoServices();
  int64_t at_slot = -1;
  if (const Value* v = MessageFind(c.base, "at-slot")) {
    Result<int64_t> a = IntOf(*v, "at-slot");
    if (!a.ok()) return ErrorResult(400, "Invalid `at-slot`.", a.status().message());
    at_slot = *a;
  }
  const int64_t expected = at_slot + 1;

  // The prefetched assignments still ahead of `at-slot`.
  Value::List pending;
  Message priv = PrivateOf(c.base);
  Message sched_priv;
  if (const Message* sp = priv.FindMessage(kDeviceName)) sched_priv = *sp;
  if (const Value* list = sched_priv.Find("assignments"); list != nullptr && list->is_list()) {
    for (const Value& a : list->list()) {
      std::optional<int64_t> s = SlotOf(a);
      if (s && *s > at_slot) pending.push_back(a);
    }
  }
  if (pending.empty()) {
    Result<std::string> raw_pid = FindTargetId(c.base, c.req);
    if (!raw_pid.ok()) return ErrorResult(400, "Cannot determine the target process.", raw_pid.status().message());
    Result<std::string> pid = CanonicalProcessId(*raw_pid);
    if (!pid.ok()) return ErrorResult(400, "Invalid process ID.", pid.status().message());
    Result<SchedulePage> page = services->schedulers->Assignments(*pid, static_cast<uint64_t>(expected),
                                                                   std::nullopt, kSchedulerNextPrefetch);
    if (!page.ok()) return StatusResult(page.status());
    for (Message& a : page->assignments) pending.emplace_back(std::move(a));
  }
  if (pending.empty() || SlotOf(pending.front()) != expected) {
    return ErrorResult(503, "No assignment found for next slot.");
  }
  Value next = std::move(pending.front());
  pending.erase(pending.begin());
  sched_priv.Set("assignments", Value(std::move(pending)));
  priv.Set(kDeviceName, Value(std::move(sched_priv)));
  Message state = c.base;
  state.Set("priv", Value(std::move(priv)));
  return ResolveResult::Ok(Value(Message{{"body", std::move(next)}, {"state", Value(std::move(state))}}));
}

Result<ResolveResult> Location(const SchedulerDeviceServices& s, const DeviceCall& c) {
  const SchedulerDeviceServices* services = ServicesOf(s);
  if (services == nullptr) return NoServices();
  Result<std::string> method = MethodOf(c.req);
  if (!method.ok()) return ErrorResult(400, "Unsupported method.", method.status().message());
  if (*method == "POST") {
    return ErrorResult(501, "Scheduler location records cannot be posted to this node yet.");
  }
  if (*method != "GET") return ErrorResult(400, "Unsupported method: " + *method);
  std::string address = MessageText(c.req, "address").value_or(std::string(services->address));
  if (services->content != nullptr) {
    Result<Message> record = services->content->ReadMessage("scheduler-locations/" + address);
    if (record.ok()) return ResolveResult::Ok(Value(Message{{"body", Value(std::move(record).value())}}));
  }
  return ResolveResult::Ok(
      Value(Message{{"status", Value(int64_t{404})}, {"body", Value("No location found for address: " + address)}}));
}

const std::vector<std::string>& Exports() {
  static const std::vector<std::string> kExports = {"location", "status", "next",      "schedule",
                                                    "slot",     "init",   "checkpoint"};
  return kExports;
}

}  // namespace

DevicePtr MakeSchedulerDevice(SchedulerDeviceServices services) {
  auto shared = std::make_shared<const SchedulerDeviceServices>(std::move(services));
  auto with_services = [shared](Result<ResolveResult> (*key)(const SchedulerDeviceServices&, const DeviceCall&)) {
    return [shared, key](const DeviceCall& c) { return key(*shared, c); };
  };
  auto dev = FunctionDevice::Module(kDeviceName);
  dev->AddKey("schedule", with_services(Schedule))
      .AddKey("slot", with_services(Slot))
      .AddKey("status", with_services(StatusKey))
      .AddKey("next", with_services(Next))
      .AddKey("location", with_services(Location))
      .AddKey("checkpoint", [](const DeviceCall& c) -> Result<ResolveResult> {
        return ResolveResult::Ok(Value(c.base));
      })
      .AddKey("info", [](const DeviceCall&) -> Result<ResolveResult> {
        Value::List exports(Exports().begin(), Exports().end());
        return ResolveResult::Ok(Value(Message{{"exports", Value(std::move(exports))},
                                               {"excludes", Value(Value::List{Value("set"), Value("keys")})},
                                               {"default", Value("schedule")}}));
      })
      // No `exports` list: as in the reference (whose `excludes` entry shadows its `exports`),
      // every key but set/keys reaches the device, and keys without a function go to the
      // default (schedule).
      .SetExcludes({"set", "keys"})
      .SetDefault(with_services(Schedule));
  return dev;
}

}  // namespace ao
