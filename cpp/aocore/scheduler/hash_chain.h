// HashChain: the per-process assignment hash chain, the port of dev_scheduler_server's
// next_hashchain.
//
// Rule: chain_0 input is the empty byte string; chain_n = SHA-256(chain_{n-1} || id_n), where
// id_n is the 43-byte ASCII base64url text of id(message_n, all) (the text, not its decoded
// bytes) and chain_{n-1} is the RAW 32-byte digest (empty for the first assignment). The
// assignment stores base64url(chain_n) in its `hash-chain` field.
//
// Canonical byte form (a deliberate fix of the reference's restart bug, see
// docs/deviations.md): the reference keeps the raw 32-byte digest in memory but, after a
// restart, recovers the stored *text* (43 ASCII bytes) and hashes that instead, so the first
// assignment after every restart is SHA-256(43 text bytes || id) instead of
// SHA-256(32 raw bytes || id): the chain formula depends on whether the server restarted and
// the chain cannot be re-verified by anyone. aocore has ONE form: the state is always the raw
// digest; FromStored decodes the stored text back to the raw 32 bytes, so a chain continued
// after a restart is byte-identical to one that never restarted (and identical to the
// reference's no-restart chain).
//
// Thread-safety: HashChain is an immutable value type; the free functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"

namespace ao {

class HashChain {
 public:
  // The initial state (no assignment yet): the empty byte string.
  HashChain() = default;

  // The state recovered from an assignment's stored `hash-chain` text (43-char base64url of a
  // 32-byte digest); the empty text is the initial state. Corruption for anything else.
  static Result<HashChain> FromStored(std::string_view stored_text);

  // The state after an assignment of the message whose id(message, all) is `message_id`.
  // InvalidArgument unless `message_id` is a 43-character base64url ID text.
  Result<HashChain> Next(std::string_view message_id) const;

  bool initial() const { return raw_.empty(); }
  // The raw digest (empty in the initial state, else 32 bytes).
  const Bytes& raw() const { return raw_; }
  // What the assignment stores: base64url(raw) (empty text in the initial state).
  std::string Text() const;

  friend bool operator==(const HashChain& a, const HashChain& b) { return a.raw_ == b.raw_; }

 private:
  explicit HashChain(Bytes raw) : raw_(std::move(raw)) {}
  Bytes raw_;
};

// One link of a stored schedule, for independent verification.
struct ChainLink {
  std::string message_id;  // id(body, all), 43-char text
  std::string hash_chain;  // the assignment's stored `hash-chain` text
};

// Recomputes the chain from `start` over `links` (consecutive slots) and checks every stored
// value. Corruption naming the first index that does not match.
Status VerifyHashChain(const HashChain& start, const std::vector<ChainLink>& links);

}  // namespace ao
