// Test helpers for the scheduler suites: a deterministic test signer and verifier (stand-ins
// for the node wallet's Commit/Verify), random process IDs, a Store wrapper whose Apply can be
// made to fail, and an independent check of a stored schedule (slots and hash chain).
//
// Thread-safety: the signer, verifier and FailingStore are safe from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/hash_chain.h"
#include "aocore/scheduler/process_scheduler.h"
#include "aocore/store/store.h"
#include "testing/forwarding_store.h"

namespace ao::scheduler_testing {

inline std::string RandomId() { return Base64UrlEncode(RandomBytes(32)); }

inline const std::string& TestSignerAddress() {
  static const std::string address = Base64UrlEncode(Sha256("aocore test signer"));
  return address;
}

// Adds one signer commitment by `address`: key = b64url(SHA-256(signature)), signature =
// HMAC("test-key:<address>", uncommitted ID), so the result is deterministic.
inline Result<Message> TestSign(Message message, const std::string& address) {
  AO_ASSIGN_OR_RETURN(std::string content_id, UncommittedId(message));
  const Bytes signature = HmacSha256("test-key:" + address, content_id);
  Message commitment{{"commitment-device", "test-sign@1.0"},
                     {"committer", Value(address)},
                     {"signature", Value(Base64UrlEncode(signature))}};
  Message commitments;
  if (const Message* existing = message.FindMessage("commitments")) commitments = *existing;
  commitments.Set(Base64UrlEncode(Sha256(signature)), Value(std::move(commitment)));
  message.Set("commitments", Value(std::move(commitments)));
  return message;
}

inline AssignmentSigner TestSigner(std::string address = TestSignerAddress()) {
  return [address](Message m) { return TestSign(std::move(m), address); };
}

// Verifies every TestSign commitment of `message`.
inline Status TestVerify(const Message& message) {
  const Message* commitments = message.FindMessage("commitments");
  if (commitments == nullptr) return Status::OK();
  AO_ASSIGN_OR_RETURN(std::string content_id, UncommittedId(message));
  for (const auto& [key, value] : *commitments) {
    if (!value.is_message()) return Status::InvalidArgument("commitment is not a message");
    const Bytes* committer = value.message().FindBinary("committer");
    const Bytes* signature = value.message().FindBinary("signature");
    if (committer == nullptr || signature == nullptr) {
      return Status::InvalidArgument("commitment without committer/signature");
    }
    const Bytes expected = HmacSha256("test-key:" + *committer, content_id);
    if (Base64UrlEncode(expected) != *signature || Base64UrlEncode(Sha256(expected)) != key) {
      return Status::InvalidArgument("signature of " + *committer + " does not verify");
    }
  }
  return Status::OK();
}

inline Message TestMessage(int64_t i, const std::string& tag = "m") {
  return Message{{"type", "Message"}, {"tag", Value(tag)}, {"index", Value(i)},
                 {"data", Value("payload " + tag + " " + std::to_string(i))}};
}

inline SchedulerEnvironment TestEnvironment(Store* store,
                                            SchedulingMode mode = SchedulingMode::kLocalConfirmation) {
  SchedulerEnvironment env;
  env.store = store;
  env.signer = TestSigner();
  env.verifier = TestVerify;
  env.mode = mode;
  return env;
}

// Delegates to `inner`; Apply fails with IOError while fail_apply is set.
class FailingStore final : public testing::ForwardingStore {
 public:
  explicit FailingStore(Store& inner) : ForwardingStore(inner) {}
  std::atomic<bool> fail_apply{false};
  std::atomic<int> applies{0};

  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override {
    ++applies;
    if (fail_apply.load()) return Status::IOError("injected write failure");
    return ForwardingStore::Apply(batch, options);
  }
};

// Reads slots 0..count-1 of `pid` back from `store` and checks, independently of the
// scheduler's state: each slot present once and in order, each assignment names `pid`, and the
// hash chain recomputed from the stored bodies' IDs matches every stored hash-chain. Timestamps
// must not decrease. Returns the assignments.
inline Result<std::vector<Message>> ReadAndVerifySchedule(Store& store, const std::string& pid,
                                                          uint64_t count) {
  ContentCache content(store);
  AssignmentCache cache(store, content);
  AO_ASSIGN_OR_RETURN(std::vector<Message> all, cache.Range(pid, 0, count - 1, 0));
  if (all.size() != count) {
    return Status::Corruption("expected " + std::to_string(count) + " contiguous slots, found " +
                              std::to_string(all.size()));
  }
  std::vector<ChainLink> links;
  int64_t last_timestamp = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const Message& a = all[i];
    const Value* slot = a.Find("slot");
    if (slot == nullptr || !slot->is_integer() || slot->integer() != static_cast<int64_t>(i)) {
      return Status::Corruption("slot " + std::to_string(i) + " holds a wrong assignment");
    }
    const Bytes* process = a.FindBinary("process");
    if (process == nullptr || *process != pid) return Status::Corruption("wrong process");
    const Value* ts = a.Find("timestamp");
    if (ts == nullptr || !ts->is_integer() || ts->integer() < last_timestamp) {
      return Status::Corruption("timestamp decreases at slot " + std::to_string(i));
    }
    last_timestamp = ts->integer();
    const Message* body = a.FindMessage("body");
    if (body == nullptr) return Status::Corruption("no body at slot " + std::to_string(i));
    AO_ASSIGN_OR_RETURN(std::string id, MessageId(*body, IdMode::kAll));
    const Bytes* chain = a.FindBinary("hash-chain");
    if (chain == nullptr) return Status::Corruption("no hash-chain");
    links.push_back({id, *chain});
  }
  AO_RETURN_IF_ERROR(VerifyHashChain(HashChain(), links));
  return all;
}

}  // namespace ao::scheduler_testing
