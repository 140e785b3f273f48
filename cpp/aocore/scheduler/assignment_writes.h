// Assignment writes: the store operations that commit an assignment the scheduler signed.
//
// The assignment is stored as a record (content_cache.h): its packed copy, the one value a
// process worker reads (AssignmentCache's assignment-data/<pid>/<slot>), is also what its ID, its
// commitment IDs and those of its commitments link to, instead of a content tree of ~55 nodes
// and leaves (the commitments' signatures twice, each field a leaf) written beside it. The body
// (the scheduled message) is still stored as its own content tree: a process worker that stores
// a result holding the message then finds it stored, and neither writes it nor verifies its
// signature again. Every reader reads the same messages (AssignmentCache::Read/Range/Latest, a
// read by any of those IDs or by a path under them); the store work per RSA-signed assignment
// is ~21 operations instead of ~69 (issue 15 point 5, docs/benchmarks.md "Fifth pass"). An
// assignment too large for a packed copy is stored as a content tree by AssignmentCache, as
// before.
//
// Thread-safety: stateless functions over a thread-safe Store.
#pragma once

#include <string>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

// Appends the writes that commit `assignment`, signed by the scheduler's own signer: the
// assignment (a record, above), its body, its slot link and the latest pointer. Neither the
// assignment's commitments (the node's own) nor, with `body_verified`, the body's (checked when
// it was accepted) are verified again. Returns the assignment's ID; AlreadyExists when the slot
// is taken; InvalidArgument for a malformed assignment.
Result<std::string> AddAssignmentToBatch(Store& store, const Message& assignment, bool body_verified,
                                         WriteBatch* batch);

}  // namespace ao
