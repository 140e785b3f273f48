// The routes aoconnect 0.0.98 uses in mainnet mode (`connect({MODE: 'mainnet',
// URL})`), answered in the shapes it reads; docs/interop.md is the user's view.
//
//   GET  /~meta@1.0/info/address                 the node address, bare text (it becomes the
//                                                spawn's Scheduler and Authority tags)
//   POST /push                                   a signed Process item: spawned (scheduled at
//                                                slot 0, its ID is the item ID); the answer has
//                                                the header `process: <pid>`. An item with a
//                                                target is a message to that process (below).
//   POST /<pid>~process@1.0/push                 a signed message item: scheduled, its slot
//                                                pushed (push@1.0); {"slot", "process", "id"}
//   POST /<pid>[~process@1.0]/compute/results=N  N a slot or a scheduled message's ID:
//                                                {"raw": <the slot's CU result JSON>}
//   POST /<pid>[~process@1.0]/slot/current       the current slot, bare text
//   POST /<pid>~process@1.0/as=execution/compute&K=V...
//                                                a dry run of the posted item with the path's
//                                                K=V as further tags: {"raw": <CU result>}
// Reads arrive as signed POSTs (every aoconnect call signs an item); GET is accepted too.
// `/<pid>/push` without `~process@1.0` is claimed only for an ANS-104 body (otherwise it stays
// the generic path request).
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <optional>

#include "aocore/http/connection_loop.h"
#include "aocore/http/request_parser.h"
#include "aocore/message/message.h"

namespace ao {

class Node;

// The response when `req` is one of the routes above, else nullopt (the generic path request
// serves it). `item` is the request body decoded (the posted item's message, without the
// HTTP `method`/`accept` keys; DecodePostedItem: its signature not checked yet); `ans104_body`
// says whether it came from an ANS-104 body. A pushed item's signature is checked by the
// scheduler that accepts it, a dry-run item's by the route (each once); either way a forged
// item is ForgedItemReply() (422).
std::optional<HttpResponse> ServeAoMainnet(Node& node, const HttpRequest& req, const Message& item,
                                           bool ans104_body);

}  // namespace ao
