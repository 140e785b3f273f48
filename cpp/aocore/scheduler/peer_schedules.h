// PeerSchedules: processes whose scheduler is another node (issue 9 point 5). The node's
// `peers` option maps a scheduler address to that node's base URL ("http://host:port"); this
// class forwards schedule requests to the peer and pulls the peer's assignments so that this
// node can compute the process locally. It stands in for the reference's remote paths of
// dev_scheduler.erl, which find a
// peer through location records or the gateway, proxy POSTs verbatim and cache remote
// assignments unchecked; aocore finds it in `peers` and checks every pulled assignment:
//   * it is a well-formed assignment (assignment.h) of this process at the expected slot;
//   * it carries a commitment by the process's scheduler address, which verifies and covers
//     process, slot, hash-chain and body;
//   * its hash-chain is the next link after the previous slot's (hash_chain.h), the first one
//     continuing from what this node already stores.
// A failed check is Corruption naming the slot; the assignments before it (all verified) are
// kept, nothing after it is stored.
//
// Errors (PeerHttpStatus gives the HTTP code the server and devices answer with): Unavailable
// (peer unreachable: 503), DeadlineExceeded (no answer by the deadline: 504), NotFound (the
// peer does not know the process: 404), IOError (the peer answered something unusable: 502),
// Corruption (a verification failure: 422).
//
// Thread-safety: safe from any thread. No lock is held across network I/O; two concurrent
// pulls of one process both verify, the first writer of a slot wins in the store and the
// other continues from the stored link (a different stored link fails the chain check).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/scheduler/peer_transport.h"

namespace ao {

// The request key a node sets (to its address) on what it sends to a peer; a request carrying
// it is answered from the receiving node's own schedule or refused, never passed on.
inline constexpr char kForwardedByKey[] = "forwarded-by";

// The HTTP status a PeerSchedules error is answered with (see the header comment); 500 for
// any other error.
int PeerHttpStatus(const Status& status);

// OK when `url` is "http://host:port" (host non-empty without '/', '?', '#', '@' or spaces;
// port 1..65535); InvalidArgument saying what is wrong otherwise.
Status ValidatePeerUrl(std::string_view url);

class PeerSchedules {
 public:
  // REQUIRES: `store` and `content` outlive this object; `transport` is not null.
  // `self_address` (this node's) is sent as `forwarded-by` with every request to a peer: a node
  // receiving a request with `forwarded-by` does not pass it on to another peer (no loops
  // between misconfigured nodes; see kForwardedByKey).
  PeerSchedules(std::shared_ptr<PeerTransport> transport, std::map<std::string, std::string, std::less<>> peers,
                Store& store, ContentCache& content, std::chrono::milliseconds timeout,
                std::string self_address = "");

  // The base URL of the node whose address is `address`, or nullopt.
  std::optional<std::string> UrlOf(std::string_view address) const;
  const std::map<std::string, std::string, std::less<>>& peers() const { return peers_; }

  // POST <url>/<pid>/schedule with {body: message}: the peer's answer, as it is.
  Result<PeerReply> ForwardSchedule(const std::string& url, std::string_view pid, const Message& message);

  // GET <url><path>: the peer's answer, as it is.
  Result<PeerReply> ForwardGet(const std::string& url, const std::string& path);

  // Pulls the peer's assignments of `pid` after the last one stored here, up to `up_to`
  // (unset: the peer's latest), verifies them against `scheduler_address` and stores them.
  // Returns the last slot stored here afterwards (-1 when none).
  Result<int64_t> Pull(std::string_view pid, std::string_view scheduler_address, const std::string& url,
                       std::optional<uint64_t> up_to = std::nullopt);

  // A message (a process definition) this node does not have: GET <peer>/<id> from each peer
  // in turn; the first answer whose ID (id(message, all)) is `id` is stored and returned.
  // NotFound when no peer has it (or the only answers do not match the ID).
  Result<Message> Fetch(std::string_view id);

 private:
  PeerTransport::Deadline NewDeadline() const { return std::chrono::steady_clock::now() + timeout_; }
  std::string WithForwardedBy(const std::string& path) const;

  const std::shared_ptr<PeerTransport> transport_;
  const std::map<std::string, std::string, std::less<>> peers_;
  ContentCache& content_;
  AssignmentCache assignments_;
  const std::chrono::milliseconds timeout_;
  const std::string self_;
};

}  // namespace ao
