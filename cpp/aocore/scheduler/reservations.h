// Reservations: what a scheduler syncs of an assignment before its signature exists, so that a
// power loss after the reply cannot lose an acknowledged slot (process_scheduler.h, "Pipelined
// local confirmation").
//
// Layout (relative to the Store):
//   scheduler-reservations/<pid>.<EncodeSlot(slot)>  value: the UNSIGNED assignment (every field
//                                                    and the body) in the packed encoding
//                                                    (ContentCache::EncodePacked)
// One flat group for every process (a process ID has no '.'), so that it is empty while nothing
// is being scheduled and a node finds the processes to recover with one scan, with no group per
// process made and removed around every batch.
// A reservation is written (synced) while the assignment is signed, and deleted (unsynced) in
// the batch that stores the signed assignment. One still there when a scheduler starts belongs
// to an assignment whose signed write may have been lost: the scheduler signs it again (the
// node's signer is deterministic, so to the same bytes) and stores it.
//
// Thread-safety: stateless functions over a thread-safe Store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

inline constexpr char kReservationsGroup[] = "scheduler-reservations";

std::string ReservationPath(std::string_view process_id, uint64_t slot);

// Appends the write of the reservation of `unsigned_assignment` (fields `process` and `slot`
// required). InvalidArgument when it has neither or cannot be packed.
Status AddReservation(const Message& unsigned_assignment, WriteBatch* batch);

struct Reservation {
  uint64_t slot = 0;
  Message assignment;  // unsigned
};

// The reservations of `process_id`, in slot order. Corruption for an undecodable one.
Result<std::vector<Reservation>> ReadReservations(Store& store, std::string_view process_id);

// The processes that have reservations (one scan of a group that is empty while nothing is
// being scheduled).
Result<std::vector<std::string>> ProcessesWithReservations(Store& store);

}  // namespace ao
