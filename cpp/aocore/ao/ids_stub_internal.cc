// TEMPORARY: link stubs for the ID/HashPath contract (message/id.h, message/hashpath.h) while
// the "ids" branch writes the real implementations. Delete this file (and its CMake line) when
// merging main brings message/id.cc and message/hashpath.cc: a duplicate-symbol link error
// will say so if it is forgotten.
#include "aocore/message/hashpath.h"
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
Result<std::string> HashpathOf(const Message&) { return NotYet("HashpathOf"); }
Result<std::string> HashpathRef(const Message&) { return NotYet("HashpathRef"); }
Result<std::string> NextHashpath(const Message&, const Message&) { return NotYet("NextHashpath"); }
Result<Message> SetHashpath(Message, std::string) { return NotYet("SetHashpath"); }
Result<bool> VerifyHashpath(const std::vector<Message>&) { return NotYet("VerifyHashpath"); }
}  // namespace ao
