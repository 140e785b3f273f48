// PathRequest: an HTTP-style path request ("/<id>/compute?slot=3", "/~meta@1.0/info") parsed
// into the resolve_many sequence it names. A subset port of src/hb_singleton.erl (`from`),
// written once here and used by node.resolve_path, the HTTP server and cron@1.0.
//
// The grammar (as the reference, minus what is listed under "Not supported"):
//   path      = "/" segment ("/" segment)* ["?" query]; empty segments are dropped; a segment
//               longer than kMaxSegmentLength bytes is an error (as the reference).
//   segment   = ID                      a 43-character ID: as the first segment the base is the
//                                       stored message (loaded through the resolver's loader);
//               key                     {path: key}
//               key "~" device          {as, device, {path: key}}: the device swapped for this
//                                       step ("~name@version" alone: the bare device)
//               key "&" k "=" v ...     inline keys for this step only ("k" alone: true)
//               key "=" v               {path: key, key: v}
//   query     = k "=" v ("&" k "=" v)*  request keys for every step (percent-decoded; '+' is a
//                                       space, as application/x-www-form-urlencoded)
//   typed key = k "+integer" | "+int" | "+float" | "+atom" | "+binary": the value converted
//               (the reference's dev_codec_structured types).
// Every segment and value is percent-decoded. When the first segment is neither an ID nor a
// `~device` form the base is an empty message (hb_singleton normalize_base). Global keys (the
// query and the caller's params, e.g. an HTTP request's JSON body fields and `method`) are
// merged under every step message (the step's own keys win); an ID base is not a message and
// gets none.
//
// aocore addition, path arguments (ao/path_argument.h): a key given as taking an argument,
// followed by an integer segment, is one step: `<key>/<integer>` -> {path: key, <argument>:
// integer}. The parser knows no device's keys: the caller passes the arguments (ResolvePath: the
// node's, i.e. process@1.0's `compute/<slot>`, docs/devices.md#process-compute-path).
//
// Not supported (InvalidArgument naming the construct): subpath resolutions "(...)", and
// N-scoped keys ("2.key"), which no client of this port sends.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aocore/ao/device.h"
#include "aocore/ao/path_argument.h"
#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

class Node;

inline constexpr size_t kMaxSegmentLength = 512;

// The resolve_many steps `path` (with an optional "?query") names; `params` are global request
// keys (merged under the query's, which win); `arguments` the path arguments to apply.
// InvalidArgument for a malformed path: no segment, a segment too long, bad percent-encoding, an
// unsupported construct, a typed value that does not parse.
Result<std::vector<ResolveStep>> ParsePathRequest(std::string_view path, const Message& params = {},
                                                  const std::vector<PathArgument>& arguments = {});

// PercentDecode (common/bytes.h) decodes paths (`+` is itself) and query strings (`+` is a space).

// A query string "a=1&b&c+integer=3" as a message (typed keys applied, keys normalised).
Result<Message> ParseQuery(std::string_view query);

// Parses `path` (with the node's path arguments) and resolves it on `node` with `opts` (start
// from node.DefaultResolveOptions()): the base a first ID segment names is read from the node's content cache (NotFound when it is
// absent, so a server can answer 404). Errors: InvalidArgument for a malformed path, and the
// resolution's own typed errors; a non-ok status is a result, as Node::Resolve.
Result<ResolveResult> ResolvePath(Node& node, std::string_view path, const Message& params,
                                  const ResolveOptions& opts);

}  // namespace ao
