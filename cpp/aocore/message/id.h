// Message IDs, the port of hb_message:id/2 and dev_message:id/3 for httpsig@1.0 messages.
//
// The uncommitted ID is the reference's HMAC "ao" commitment ID: the message is encoded to the
// structured (TABM, `ao-types`) form, then to httpsig fields (+ multipart body), the RFC 9421
// signature base is built over every field, and ID = base64url(HMAC-SHA256("ao", base)).
// The byte-exact rules are in shared/spec/id_encoding.md; every vector of id_vectors.json holds.
//
// Commitment rules: commitments live under the top-level key `commitments`
// (exact spelling) as a message of commitment-ID -> commitment message. Zero selected
// commitments -> the uncommitted ID; one -> its key; several -> base64url(SHA-256(sorted keys
// joined by ", ")). The encoding steps are exposed in structured.h and httpsig.h.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

enum class IdMode {
  kNone,         // ignore commitments: the content ID (HMAC over the uncommitted message)
  kAll,          // only commitments that have a `committer` (signatures): the process-ID rule
  kUncommitted,  // every commitment (the reference's default; == kNone for unsigned messages)
};

// Parses "none" / "all" / "uncommitted".
Result<IdMode> ParseIdMode(std::string_view mode);

// The ID of `message` (43-char base64url). Errors (InvalidArgument, naming the key) for
// messages the reference cannot encode.
Result<std::string> MessageId(const Message& message, IdMode mode = IdMode::kUncommitted);

// The uncommitted (HMAC) ID, ignoring any `commitments`.
Result<std::string> UncommittedId(const Message& message);

// The ID of a list of commitment keys under the several-commitments rule (one key -> itself;
// no keys -> the SHA-256 of the empty string).
std::string CommitmentSetId(std::vector<std::string> keys);

// The ID of a binary value: base64url(SHA-256(bytes)).
std::string BinaryId(std::string_view bytes);

}  // namespace ao
