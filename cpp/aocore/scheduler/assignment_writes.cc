#include "aocore/scheduler/assignment_writes.h"

#include <cstdint>
#include <string>
#include <vector>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/store/keys.h"

namespace ao {
namespace {

// The content cache that links `assignment` (signed by the scheduler's own signer). The content
// cache links a message under its commitment IDs only when they verify; here both messages were
// checked already: the assignment's commitments are the node's own (AssignmentSigner), and a body
// with commitments passed the verifier when it was accepted (`body_verified`, MessageVerifier:
// every commitment verifies). So neither is verified again; anything nested deeper is checked as
// usual.
ContentCache AssignmentContent(Store& store, const Message& assignment, bool body_verified) {
  const Message* body = assignment.FindMessage("body");
  return ContentCache(
      store, [](const Message& m) { return MessageId(m, IdMode::kUncommitted); },
      [&assignment, body, body_verified](const Message& m) {
        if (&m != &assignment && !(body_verified && &m == body)) return VerifiedCommitments(m);
        std::vector<std::string> all;
        if (const Message* commitments = m.FindMessage("commitments")) {
          for (const auto& [id, unused] : *commitments) all.push_back(id);
        }
        return all;
      });
}

}  // namespace

Result<std::string> AddAssignmentToBatch(Store& store, const Message& assignment, bool body_verified,
                                         WriteBatch* batch) {
  ContentCache content = AssignmentContent(store, assignment, body_verified);
  AO_ASSIGN_OR_RETURN(auto process_and_slot, AssignmentCache::ProcessAndSlot(assignment));
  const auto& [process, slot] = process_and_slot;
  Result<Bytes> packed = ContentCache::EncodePacked(Value(assignment));
  if (!packed.ok() || packed->size() > AssignmentCache::kPackedMax) {
    // Too large for a packed copy: a content tree, as AssignmentCache stores it.
    return AssignmentCache(store, content).AddToBatch(assignment, batch);
  }
  const std::string slot_path = AssignmentPath(process, slot);
  AO_ASSIGN_OR_RETURN(NodeType existing, store.Type(slot_path));
  if (existing != NodeType::kNotFound) {
    return Status::AlreadyExists("slot " + std::to_string(slot) + " of process " + process + " is already assigned");
  }
  // The body as a content tree, as before: a process worker that stores a result holding the
  // message finds it stored (neither writes nor verifies it again), and it is readable by its
  // IDs. Its links are first-writer-wins: it may be stored already.
  const Message* body = assignment.FindMessage("body");
  if (body != nullptr) AO_RETURN_IF_ERROR(content.AddToBatch(*body, batch).status().WithContext("storing the body"));
  // The record is AssignmentCache's packed copy: the process worker's one read of the
  // assignment stays one read (SchedulerRecords.EveryReaderReadsTheAssignmentAsAnswered counts it).
  const std::string record = AssignmentCache::PackedPath(process, slot);
  WriteBatch links;
  AO_ASSIGN_OR_RETURN(std::string id,
                      content.AddRecordLinksToBatch(assignment, record, &links, body != nullptr ? "body" : ""));
  // Content operations, for which Apply reads nothing, where whatever already is at the path can
  // only be this very node: the record and the slot link (the slot was checked free just now;
  // this scheduler is its only writer, and a record is only written with its slot link), and
  // the links of the assignment, its commitments map and commitments (their IDs hash the fresh
  // signature: the RSA commitment's ID is its signature's hash, the others cover it).
  batch->WriteContent(record, std::move(packed).value());
  for (const WriteBatch::Op& op : links.ops()) batch->MakeContentLink(op.data, op.path);
  batch->MakeContentLink(id, slot_path);
  batch->Write(AssignmentCache::LatestPointerPath(process), EncodeSlot(slot));
  return id;
}

}  // namespace ao
