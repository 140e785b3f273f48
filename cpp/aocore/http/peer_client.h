// HttpPeerClient: PeerTransport (scheduler/peer_transport.h) over HTTP/1.1 with cpp-httplib's
// client, the peer side of a served node (server.h): JSON bodies in the docs/http.md encoding,
// one connection per call (peer calls are rare next to local work; no pool to go stale), and
// every call bounded by its deadline (connect, read and write timeouts are set to the time
// left; an answer that has not come by then is DeadlineExceeded, a refused or reset
// connection Unavailable). Redirects are not followed: a 307 is a reply.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <memory>

#include "aocore/scheduler/peer_transport.h"

namespace ao {

std::shared_ptr<PeerTransport> MakeHttpPeerClient();

}  // namespace ao
