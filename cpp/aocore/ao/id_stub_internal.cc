// TEMPORARY: link stubs for the ID contract (message/id.h) while the "ids" branch writes the
// real implementation. CMake links this file only while message/id.cc is absent.
#include "aocore/message/id.h"

namespace ao {
namespace {
Status NotYet(const char* what) { return Status::Unavailable(std::string(what) + ": not implemented yet (ids branch)"); }
}  // namespace

Result<IdMode> ParseIdMode(std::string_view mode) {
  if (mode == "none") return IdMode::kNone;
  if (mode == "all") return IdMode::kAll;
  if (mode == "uncommitted") return IdMode::kUncommitted;
  return Status::InvalidArgument("unknown id mode");
}
Result<std::string> MessageId(const Message&, IdMode) { return NotYet("MessageId"); }
Result<std::string> UncommittedId(const Message&) { return NotYet("UncommittedId"); }
std::string CommitmentSetId(std::vector<std::string>) { return ""; }
std::string BinaryId(std::string_view) { return ""; }
}  // namespace ao
