// PeerTransport: how a node talks to another node (a peer, listed in the node's `peers`
// option) — one GET or POST of a path request to the peer's base URL, answered with the
// peer's HTTP status and its decoded JSON body. The scheduler layer (peer_schedules.h) uses it
// to forward schedule requests and to pull a peer's assignments without knowing HTTP; the
// implementation over HTTP is cpp/aocore/http/peer_client.h, tests use a fake.
//
// Thread-safety: implementations must be safe to call from any thread concurrently.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

// A peer's answer: its HTTP status and its body (the decoded JSON value for a JSON body, else
// the raw bytes as a binary). `location` is the Location header of a redirect.
struct PeerReply {
  int status = 0;
  Value body;
  std::string location;
};

class PeerTransport {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  virtual ~PeerTransport() = default;

  // GET <base_url><path> (`path` starts with '/', may carry a query). Errors: Unavailable
  // when the peer cannot be reached or its answer is not HTTP; DeadlineExceeded when no
  // answer came by `deadline`. Any HTTP status is a reply, not an error.
  virtual Result<PeerReply> Get(const std::string& base_url, const std::string& path, Deadline deadline) = 0;

  // POST <base_url><path> with `body` as the JSON body (docs/http.md encoding). Errors as Get.
  virtual Result<PeerReply> Post(const std::string& base_url, const std::string& path, const Message& body,
                                 Deadline deadline) = 0;
};

}  // namespace ao
