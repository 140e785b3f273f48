// HashPaths, the port of hb_path:hashpath/2 and the engine's update rule.
// A HashPath is "<base>/<ref>": it links a result to the base and request that produced it and
// lives in result["priv"]["hashpath"].
//
//   HP(m)     = m.priv.hashpath if present, else MessageId(m, kAll) (a bare ID)
//   REF(req)  = the first path segment if req minus {path, hashpath, priv} is empty,
//               else MessageId(req including its path, kAll)
//   next(M1, M2): parts = HP(M1) split on "/" (empty segments dropped)
//     [p]      -> p + "/" + REF(M2)
//     [p1, p2] -> b64url(ALG(dec(p1), len(p2)==43 ? dec(p2) : p2)) + "/" + REF(M2)
//   ALG from M1's `hashpath-alg`: "sha-256-chain" (default) SHA-256(a||b);
//   "accumulate-256": (uint256(a) + uint256(SHA-256(a||b))) mod 2^256.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

// HP(m): the message's own HashPath (or its ID when it has none).
Result<std::string> HashpathOf(const Message& message);
// REF(request).
Result<std::string> HashpathRef(const Message& request);
// The HashPath a resolution of `request` on `base` gets (aocore.hashpath). InvalidArgument for
// an unknown `hashpath-alg`.
Result<std::string> NextHashpath(const Message& base, const Message& request);
// Returns `result` with priv.hashpath = hashpath (creating priv when needed, keeping its other
// entries). InvalidArgument when `priv` exists and is not a message.
Result<Message> SetHashpath(Message result, std::string hashpath);
// hb_path:verify_hashpath: hashpath(Mi, Mi+1) == HP(Mi+2) along the list.
Result<bool> VerifyHashpath(const std::vector<Message>& chain);

}  // namespace ao
