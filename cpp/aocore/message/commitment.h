// Commitments: signing a message with a wallet and verifying the result, the httpsig@1.0
// commitment device. Port of the commit/verify parts of src/dev_codec_httpsig.erl,
// src/hb_message.erl and src/dev_message.erl (committers, committed, verify), as the reference
// signs and verifies them (docs/deviations.md#wallets-and-commitments).
//
// Commit(M, wallet) returns M with `commitments` holding
//   <b64url(SHA-256(sig))> => {commitment-device: "httpsig@1.0", alg: "rsa-pss-sha512",
//                              committer: <address>,
//                              signature: `<name>=:<base64 sig>:`,
//                              signature-input: `<name>=(<components>);alg="rsa-pss-sha512";
//                                                keyid="<b64url modulus>"[;tag="<hashpath>"]`}
//   <uncommitted ID of M>  => {commitment-device: "httpsig@1.0", alg: "hmac-sha256",
//                              signature / signature-input: every signer's members, joined}
// where <name> = "http-sig-" + hex of address bytes 1..8, the signature is RSA-PSS-SHA512 over
// the RFC 9421 signature base of M's httpsig encoding (every field; commitments and priv are
// not fields) and <components> is that base's component list. Signer commitments already on M
// are kept (several signers); an old HMAC commitment is replaced.
//
// Verification of a signer commitment re-encodes the message, rebuilds the signature base from
// the components its signature-input lists (fields added later are not covered) and checks the
// RSA-PSS signature (any salt length) against the keyid. Differences from the reference, all
// stricter or crash fixes (docs/deviations.md):
//   * the committer must equal the address of the keyid, and the commitment's key must equal
//     b64url(SHA-256(signature)); the reference trusts both;
//   * an HMAC commitment is verified (its key must be the message's uncommitted ID); the
//     reference sends it down the RSA path and crashes;
//   * a commitment that cannot be parsed verifies as false, with the reason logged to the
//     "message" logger; the reference crashes;
//   * selecting commitments by ID selects those IDs (the reference returns their bodies), and
//     an unknown ID or committer is a NotFound error, so verification is never vacuously true
//     for a commitment that is not there.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/message.h"

namespace ao {

inline constexpr char kHttpsigDevice[] = "httpsig@1.0";
inline constexpr char kRsaPssSha512[] = "rsa-pss-sha512";
inline constexpr char kHmacSha256[] = "hmac-sha256";

// Adds an RSA-PSS-SHA512 commitment by `wallet` and refreshes the HMAC commitment.
// InvalidArgument when the message cannot be encoded (id.h), when `commitments` is not a
// message, or when the wallet has no private key.
Result<Message> Commit(const Message& message, const Wallet& wallet);

// How the RSA-PSS salt of a commitment is chosen: random (the reference's rsa_pss:sign), or
// derived from the key and the signature base (Wallet::SignDeterministic), so that committing
// the same message again gives the same bytes. Verifiers cannot tell them apart. The
// signature-input has no time-dependent parameter (no `created`), so a deterministic commitment
// of a message is a function of the message and the key.
enum class SaltMode { kRandom, kDeterministic };
Result<Message> Commit(const Message& message, const Wallet& wallet, SaltMode salt);

// The signature-dictionary member name a committer's signature uses: "http-sig-" followed by
// the lower-case hex of bytes 1..8 of the address's 32 raw bytes. Empty for a non-ID address.
std::string SignatureName(std::string_view address);

// The commitment IDs chosen by the request selectors `committers` and
// `commitments` (nullptr = absent). Each may be "all", "none", one value or a list of values
// (binaries; the atoms all/none also work). `committers` defaults to "none"; `commitments`
// defaults to "all" when `committers` is "none", else to "none". The result is the committers'
// contribution followed by the commitments', without duplicates, in commitment-key order
// within each part. NotFound names a requested committer or commitment ID the message lacks;
// InvalidArgument for malformed selectors or a `commitments` key that is not a message.
Result<std::vector<std::string>> SelectCommitments(const Message& message,
                                                   const Value* committers = nullptr,
                                                   const Value* commitments = nullptr);

// Whether the commitment stored under `commitment_id` verifies for `message`. False (with the
// reason logged) for a missing, unparseable or unknown-algorithm commitment.
bool VerifyCommitment(const Message& message, std::string_view commitment_id);

// Every commitment of `message` verifies: signatures (RSA-PSS, checked against the keyid) and
// HMAC commitments (their ID recomputed). A message without commitments verifies (there is
// nothing to check). An entry that is not a verifiable commitment (no alg, an RSA commitment
// without committer, a fake HMAC ID) makes it false. Deviation: hb_message:verify checks only
// the signer commitments, so a bogus HMAC or committer-less commitment passed.
bool Verify(const Message& message);

// The IDs of the commitments of `message` that verify (as VerifyCommitment), in key order.
// The content cache links a message under only these IDs, so a message cannot claim another
// message's ID.
std::vector<std::string> VerifiedCommitments(const Message& message);

// dev_message verify with explicit selectors: true when every selected commitment verifies
// (zero selected: true). Errors only for bad selectors (see SelectCommitments).
Result<bool> VerifySelected(const Message& message, const Value* committers,
                            const Value* commitments);

// The `committer` of every commitment that has one, in commitment-key order.
std::vector<std::string> Committers(const Message& message);

// The message keys covered by every selected commitment (intersection; selectors as in
// SelectCommitments, defaults = all commitments), sorted bytewise, then "signature-input" and
// "signature" when every selected commitment carries them (a message signed over
// {a} gives ["a", "signature-input", "signature"]). Empty when nothing is selected.
// A key counts as covered when the httpsig field carrying it is among the commitment's
// components: its own field, `ao-ids` for ID-shaped keys, `content-digest` for keys encoded
// into the body, `ao-types` for empty values.
Result<std::vector<std::string>> Committed(const Message& message,
                                           const Value* committers = nullptr,
                                           const Value* commitments = nullptr);

// For message@1.0 `set`: returns `merged` without `commitments` when one
// of `candidate_keys` (normalised) is covered by the signer commitments of `original` and
// `merged` differs from `original`; otherwise `merged` unchanged (so setting a committed key to
// its existing value, or setting an uncovered key, keeps the commitments).
Message InvalidateCommitmentsOnSet(const Message& original, Message merged,
                                   const std::vector<std::string>& candidate_keys);

}  // namespace ao
