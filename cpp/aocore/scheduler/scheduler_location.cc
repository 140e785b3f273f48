#include "aocore/scheduler/scheduler_location.h"

#include <algorithm>
#include <utility>

#include "aocore/cache/content_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "aocore/scheduler/peer_schedules.h"
#include "aocore/scheduler/scheduler_registry.h"

namespace ao {
namespace {

// A query-string key or value: `+` is a space; a malformed escape leaves the text as written
// (a hint from another node never fails the request, it just does not match).
std::string QueryDecode(std::string_view s) { return PercentDecode(s, /*plus_is_space=*/true).value_or(std::string(s)); }

}  // namespace

std::optional<std::string> SchedulerHint(std::string_view s) {
  const size_t q = s.find('?');
  if (q == std::string_view::npos || s.find('?', q + 1) != std::string_view::npos) return std::nullopt;
  std::string_view query = s.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (QueryDecode(pair.substr(0, eq)) == "hint") {
      return eq == std::string_view::npos ? std::string() : QueryDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Message SchedulerRedirect(const std::string& url, const std::string& variant) {
  return Message{{"status", Value(int64_t{307})},
                 {"location", Value(url)},
                 {"body", Value("Redirecting to scheduler: " + url)},
                 {"variant", Value(variant)}};
}

std::vector<std::string> ParseSchedulers(const Value& v) {
  std::vector<std::string> out;
  if (v.is_list()) {
    for (const Value& e : v.list()) {
      if (e.is_binary()) out.push_back(e.binary());
    }
    return out;
  }
  if (!v.is_binary()) return out;
  std::string text;
  for (char ch : v.binary()) {
    if (ch != '"') text.push_back(ch);
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    // Structured-field lists put a space after the comma.
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

SchedulerLocation LocateScheduler(const SchedulerLocator& locator, std::string_view raw_pid, const Message& base,
                                  const Message* to_sched, bool follow_hints, bool forwarded) {
  if (follow_hints) {
    if (std::optional<std::string> hint = SchedulerHint(raw_pid)) return SchedulerElsewhere{SchedulerRedirect(*hint), {}, {}};
  }
  Result<std::string> pid = CanonicalProcessId(raw_pid);
  if (!pid.ok()) return SchedulerLocationError{400, "Invalid process ID.", std::string(pid.status().message())};
  if (locator.schedulers->Find(*pid) != nullptr) return SchedulerHere{*pid};
  // aocore: idle schedulers are dropped from memory (scheduler_registry.h), so a missing live
  // scheduler does not mean "not ours": a schedule in this node's store signed by this node was
  // written by this node's scheduler (as below), whatever the definition says or omits.
  if (locator.read_own_schedules && !locator.address.empty()) {
    Result<SchedulePage> page = locator.schedulers->Assignments(*pid, 0, uint64_t{0}, 1);
    if (page.ok() && !page->assignments.empty()) {
      std::vector<std::string> signers = Committers(page->assignments.front());
      if (std::find(signers.begin(), signers.end(), locator.address) != signers.end()) return SchedulerHere{*pid};
    }
  }

  // find_process_message.
  std::optional<Message> process;
  if (const Value* p = MessageFind(base, "process"); p != nullptr && p->is_message()) {
    process = p->message();
  }
  if (!process && to_sched != nullptr) {
    Result<std::string> id = MessageId(*to_sched, IdMode::kAll);
    if (id.ok() && *id == *pid) process = *to_sched;
  }
  if (!process) {
    Result<std::string> id = MessageId(base, IdMode::kAll);
    if (id.ok() && *id == *pid) process = base;
  }
  if (!process && locator.content != nullptr) {
    Result<Message> read = locator.content->ReadMessage(*pid);
    if (read.ok()) process = std::move(read).value();
  }
  if (!process && !forwarded && locator.peers != nullptr && !locator.peers->peers().empty()) {
    Result<Message> fetched = locator.peers->Fetch(*pid);
    if (fetched.ok()) {
      process = std::move(fetched).value();
    } else if (!fetched.status().IsNotFound()) {
      return SchedulerLocationError{PeerHttpStatus(fetched.status()), "Process not available: " + *pid,
                                    fetched.status().ToString()};
    }
  }
  if (!process) {
    // aocore: a schedule already in this node's store, signed by this node, was written by this
    // node's scheduler (a schedule pulled from a peer is signed by the peer).
    if (locator.read_own_schedules) {
      Result<SchedulePage> page = locator.schedulers->Assignments(*pid, 0, uint64_t{0}, 1);
      if (page.ok() && !page->assignments.empty()) {
        std::vector<std::string> signers = Committers(page->assignments.front());
        if (std::find(signers.begin(), signers.end(), locator.address) != signers.end()) return SchedulerHere{*pid};
      }
    }
    return SchedulerLocationError{404, "Process not available: " + *pid, "process_not_available"};
  }

  const Value* location = MessageFind(*process, "scheduler");
  if (location == nullptr) location = MessageFind(*process, "scheduler-location");
  if (location == nullptr && to_sched != nullptr) location = MessageFind(*to_sched, "scheduler-location");
  if (location == nullptr) return SchedulerLocationError{400, "No scheduler information provided.", ""};
  const std::vector<std::string> schedulers = ParseSchedulers(*location);
  for (const std::string& s : schedulers) {
    if (!locator.address.empty() && s == locator.address) return SchedulerHere{*pid};
  }
  for (const std::string& s : schedulers) {
    if (follow_hints) {
      if (std::optional<std::string> hint = SchedulerHint(s)) return SchedulerElsewhere{SchedulerRedirect(*hint), {}, {}};
    }
    if (locator.peers != nullptr) {
      if (std::optional<std::string> url = locator.peers->UrlOf(s)) {
        return SchedulerElsewhere{SchedulerRedirect(*url + "/" + *pid + "/schedule"), *url, s};
      }
    }
    if (locator.content != nullptr) {
      Result<Message> record = locator.content->ReadMessage("scheduler-locations/" + s);
      if (record.ok()) {
        std::optional<std::string> url = MessageText(*record, "url");
        if (!url) url = MessageText(*record, "location");
        std::optional<std::string> variant = MessageText(*record, "variant");
        return SchedulerElsewhere{SchedulerRedirect(url ? *url : "/", variant ? *variant : "ao.N.1"), {}, {}};
      }
    }
  }
  return SchedulerLocationError{502, "Scheduler location not found: the scheduler of " + *pid + " is another node (" +
                              (schedulers.empty() ? std::string("?") : schedulers.front()) +
                              ") and the node's `peers` option has no URL for it",
                                "unknown_peer"};
}

}  // namespace ao
