#include "aocore/scheduler/assignment_writes.h"

#include <string>
#include <vector>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"

namespace ao {
namespace {

// Appends the writes that commit `assignment` (signed by the scheduler's own signer) to
// `batch`. The content cache links a message under its commitment IDs only when they verify;
// here both messages were checked already: the assignment's commitments are the node's own
// (AssignmentSigner), and a body with commitments passed the verifier when it was accepted
// (`body_verified`, MessageVerifier: every commitment verifies). So neither is verified again;
// anything nested deeper is checked as usual.
// The content cache that stores `assignment` (the trusted messages' commitments taken as they
// are, see above).
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
  return AssignmentCache(store, content).AddToBatch(assignment, batch);
}

// Appends the content of every field of the unsigned `assignment` (leaves and the body's
// tree): what the signed assignment's content write repeats. Content-addressed and
// first-writer-wins, so writing it early (with the reservation) is harmless and writing it
// again would change nothing.
Status AddFieldContentToBatch(Store& store, const Message& assignment, bool body_verified, WriteBatch* batch) {
  ContentCache content = AssignmentContent(store, assignment, body_verified);
  for (const auto& [key, value] : assignment) AO_RETURN_IF_ERROR(content.AddValueToBatch(value, batch).status());
  return Status::OK();
}

std::string OpKey(const WriteBatch::Op& op) {
  std::string key(1, static_cast<char>(op.kind));
  key += op.path;
  key += '\0';
  key += op.data;
  return key;
}

// The signed assignment's writes without the operations in `done` (the fields' content, applied
// with the reservations). Every operation keeps its content flag (a content write needs no
// existence read). A MakeLink to a group this batch creates (the commitments map, its entries,
// the assignment: groups named by the signature) gets one too: such a link is that group's ID
// link or a commitment-ID link (content IDs, where equal IDs mean equal fields; the RSA
// commitment ID hashes the fresh signature; the assignment's ID covers its commitment IDs),
// so whatever is already at its path is this very link. So is a link to such a link: the slot
// link (checked free when the writes were built; this scheduler is the slot's only writer).
// Links to anything else (the body, already stored) stay first-writer-wins.
WriteBatch Without(const WriteBatch& batch, const std::unordered_set<std::string>& done) {
  WriteBatch rest;
  std::unordered_set<std::string> named;  // groups this batch creates, and links made to them
  for (const WriteBatch::Op& op : batch.ops()) {
    if (done.count(OpKey(op)) != 0) continue;
    if (op.kind == WriteBatch::OpKind::kMakeGroup && op.content) named.insert(op.path);
    if (op.kind == WriteBatch::OpKind::kMakeLink && named.count(op.data) != 0) {
      named.insert(op.path);
      rest.MakeContentLink(op.data, op.path);
      continue;
    }
    switch (op.kind) {
      case WriteBatch::OpKind::kWrite:
        op.content ? rest.WriteContent(op.path, op.data) : rest.Write(op.path, op.data);
        break;
      case WriteBatch::OpKind::kMakeGroup: op.content ? rest.MakeContentGroup(op.path) : rest.MakeGroup(op.path); break;
      case WriteBatch::OpKind::kMakeLink:
        op.content ? rest.MakeContentLink(op.data, op.path) : rest.MakeLink(op.data, op.path);
        break;
      case WriteBatch::OpKind::kReplaceLink: rest.ReplaceLink(op.data, op.path); break;
      case WriteBatch::OpKind::kDelete: rest.Delete(op.path); break;
      case WriteBatch::OpKind::kMakeNewLink: rest.MakeNewLink(op.data, op.path); break;
      case WriteBatch::OpKind::kWriteNew: rest.WriteNew(op.path, op.data); break;
    }
  }
  return rest;
}

}  // namespace ao
