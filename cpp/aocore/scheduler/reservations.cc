#include "aocore/scheduler/reservations.h"

#include <utility>

#include "aocore/cache/content_cache.h"
#include "aocore/store/keys.h"

namespace ao {

namespace {

std::string NamePrefix(std::string_view process_id) { return std::string(process_id) + "."; }

}  // namespace

std::string ReservationPath(std::string_view process_id, uint64_t slot) {
  return std::string(kReservationsGroup) + "/" + NamePrefix(process_id) + EncodeSlot(slot);
}

Status AddReservation(const Message& unsigned_assignment, WriteBatch* batch) {
  const Bytes* process = unsigned_assignment.FindBinary("process");
  const Value* slot = unsigned_assignment.Find("slot");
  if (process == nullptr || process->empty() || slot == nullptr || !slot->is_integer() || slot->integer() < 0) {
    return Status::InvalidArgument("a reservation needs the assignment's process and slot");
  }
  AO_ASSIGN_OR_RETURN(Bytes packed, ContentCache::EncodePacked(Value(unsigned_assignment)));
  batch->Write(ReservationPath(*process, static_cast<uint64_t>(slot->integer())), std::move(packed));
  return Status::OK();
}

Result<std::vector<Reservation>> ReadReservations(Store& store, std::string_view process_id) {
  std::vector<Reservation> out;
  ScanOptions scan;
  scan.prefix = NamePrefix(process_id);
  Result<std::vector<std::pair<std::string, Bytes>>> values = store.ScanValues(kReservationsGroup, scan);
  if (!values.ok()) {
    if (values.status().IsNotFound()) return out;
    return values.status();
  }
  for (auto& [name, packed] : *values) {
    Result<uint64_t> slot = DecodeSlot(std::string_view(name).substr(scan.prefix.size()));
    Result<Value> decoded = ContentCache::DecodePacked(packed);
    if (!slot.ok() || !decoded.ok() || !decoded->is_message()) {
      return Status::Corruption("reservation '" + name + "' of process " + std::string(process_id) +
                                " is damaged");
    }
    out.push_back(Reservation{*slot, decoded->message()});
  }
  return out;
}

Result<std::vector<std::string>> ProcessesWithReservations(Store& store) {
  Result<std::vector<std::string>> names = store.ScanChildren(kReservationsGroup, ScanOptions{});
  if (!names.ok()) {
    if (names.status().IsNotFound()) return std::vector<std::string>();
    return names.status();
  }
  std::vector<std::string> processes;
  for (const std::string& name : *names) {
    std::string pid = name.substr(0, name.find('.'));
    if (processes.empty() || processes.back() != pid) processes.push_back(std::move(pid));
  }
  return processes;
}

}  // namespace ao
