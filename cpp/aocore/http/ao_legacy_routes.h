// The routes aoconnect 0.0.98 uses in legacy mode, with MU_URL, CU_URL and GATEWAY_URL all
// naming the node: the messenger unit (MU), the compute unit (CU), the
// gateway's GraphQL and the scheduler unit's (SU) reads. docs/interop.md is the user's view.
//
//   POST /                          MU: a signed ANS-104 item. A Process item without a target
//                                   is spawned (its ID is the item ID); any other item is
//                                   scheduled on its target and its slot pushed (push@1.0, as
//                                   the MU cranks outboxes). 202 {"message", "id"[, "processId"]}.
//                                   `?assign=` (assignments of existing messages): 501. The
//                                   item's signature is checked once, by its scheduler (422).
//   POST /monitor/<pid>, DELETE     the node's monitor of the process (node/process_monitor.h)
//                                   starts / stops; the body is a signed item targeting it
//   GET  /result/<msg>?process-id=  CU: the message's CU result JSON, as the execution produced it
//   GET  /results/<pid>?from=&to=&sort=&limit=
//                                   CU: {"edges": [{"cursor": "<slot>", "node": <result>}, ...],
//                                   "pageInfo": {"hasNextPage"}}; cursors are slots as strings,
//                                   `from` exclusive, `to` inclusive, sort ASC (default) or DESC,
//                                   limit default 25, at most 1000
//   POST /dry-run?process-id=       CU: the JSON message {Id, Target, Owner, From, Anchor, Data,
//                                   Tags: [{name, value}]} evaluated without being scheduled
//   POST /graphql                   gateway: the transactions the node stores, by ID (module and
//                                   process look-ups: owner and tags), and the node's own
//                                   Scheduler-Location (its URL, from the Host header)
//   GET  /timestamp                 SU: {"timestamp": <ms>, "block_height": 0}
//   GET  /<pid>?from=&to=&limit=    SU: the schedule page in the legacy aos-2 JSON (from/to are
//                                   slots here, not timestamps)
//   GET  /<message>?process-id=     SU: {"message", "assignment"} (aos-2 objects; the assignment's
//                                   `tags` end with Nonce = its slot, which aoconnect reads)
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <optional>

#include "aocore/http/connection_loop.h"
#include "aocore/http/request_parser.h"

namespace ao {

class Node;

// The response when `req` is one of the routes above, else nullopt (the generic path request
// serves it). Runs before the server decodes the body: these routes read bodies their own way.
std::optional<HttpResponse> ServeAoLegacy(Node& node, const HttpRequest& req);

}  // namespace ao
