// Where a process is scheduled (the reference's find_server): on this node, on another node (a
// redirect to it, with the peer's URL when it is one of the node's `peers`), or nowhere known
// (an error with an HTTP status and a machine-readable reason). The scheduler@1.0 device asks
// this before it schedules, pages or reports a slot; a hint (`<pid>?hint=<url>`) short-cuts the
// lookup when hints are followed.
//
// A process is here when this node runs its scheduler, when this node's store holds a schedule
// of it signed by this node (idle schedulers are dropped from memory, scheduler_registry.h), or
// when its definition's `scheduler` (else `scheduler-location`) names this node's address. The
// definition is looked up in the base (`process`), the message being scheduled, the base itself,
// the content cache, then the peers (unless the request was forwarded by one: it is answered
// here, never passed on).
//
// Thread-safety: free functions; safe from any thread when the services they are given are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aocore/message/message.h"
#include "aocore/message/value.h"

namespace ao {

class ContentCache;
class PeerSchedules;
class SchedulerRegistry;

// What a lookup reads. `schedulers` is required; a null `content` or `peers` is not consulted.
struct SchedulerLocator {
  SchedulerRegistry* schedulers = nullptr;
  const ContentCache* content = nullptr;
  PeerSchedules* peers = nullptr;
  std::string_view address;          // this node's scheduler address (empty: none)
  bool read_own_schedules = false;   // whether the node's store may answer "signed by us"
};

// The process (canonical ID) is scheduled here.
struct SchedulerHere {
  std::string pid;
};
// The process is scheduled elsewhere: `redirect` is the 307 message to send the caller to; for
// a peer of the node, its base URL and scheduler address.
struct SchedulerElsewhere {
  Message redirect;
  std::string peer_url;
  std::string scheduler;
};
// No location: an HTTP status (400 bad ID or no scheduler field, 404 unknown process, 502 unknown
// peer, or a peer's failure), a body and a reason tag.
struct SchedulerLocationError {
  int64_t status = 500;
  std::string body;
  std::string reason;
};
using SchedulerLocation = std::variant<SchedulerHere, SchedulerElsewhere, SchedulerLocationError>;

// Locates the scheduler of `raw_pid` (a process ID, possibly with `?hint=...`). `base` is the
// message the request was resolved against; `to_schedule` the message being scheduled, if any.
SchedulerLocation LocateScheduler(const SchedulerLocator& locator, std::string_view raw_pid, const Message& base,
                                  const Message* to_schedule, bool follow_hints, bool forwarded);

// get_hint: the `hint` query parameter after a '?' in `s` (only when there is exactly one '?'),
// percent-decoded as a query value (`+` is a space).
std::optional<std::string> SchedulerHint(std::string_view s);

// parse_schedulers: a list of addresses, or a comma-separated text with its quotes removed.
std::vector<std::string> ParseSchedulers(const Value& v);

// generate_redirect: the 307 message sending a caller to `url`.
Message SchedulerRedirect(const std::string& url, const std::string& variant = "ao.N.1");

}  // namespace ao
