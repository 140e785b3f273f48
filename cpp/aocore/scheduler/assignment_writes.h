// Assignment writes: the store operations that commit a scheduled assignment, split the way
// pipelined local confirmation writes them (process_scheduler.h): the content of its fields,
// written with its reservation while it is signed, and what the signature changes, written
// after it (the commitments, the assignment's group and its ID links, the slot link, the packed
// copy, the latest pointer).
//
// Thread-safety: stateless functions over a thread-safe Store.
#pragma once

#include <string>
#include <unordered_set>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

// Appends the writes that commit `assignment`, signed by the scheduler's own signer: its content
// with its body, its slot link and the latest pointer (AssignmentCache::AddToBatch). Neither the
// assignment's commitments (the node's own) nor, with `body_verified`, the body's (checked when
// it was accepted) are verified again. Returns the assignment's ID; AlreadyExists when the slot
// is taken.
Result<std::string> AddAssignmentToBatch(Store& store, const Message& assignment, bool body_verified,
                                         WriteBatch* batch);

// Appends the content of every field of the unsigned `assignment` (leaves and the body's tree):
// what the signed assignment's content write repeats.
Status AddFieldContentToBatch(Store& store, const Message& assignment, bool body_verified, WriteBatch* batch);

// A key that tells an operation from every other (kind, path, data).
std::string OpKey(const WriteBatch::Op& op);

// The signed assignment's writes (AddAssignmentToBatch) without the operations whose OpKey is in
// `done` (the field content AddFieldContentToBatch wrote before), as content operations where
// that is sound (see the definition).
WriteBatch Without(const WriteBatch& batch, const std::unordered_set<std::string>& done);

}  // namespace ao
