// TEMPORARY: link stubs for the HashPath contract (message/hashpath.h) while the "ids" branch writes the
// real implementation. CMake links this file only while message/hashpath.cc is absent.
#include "aocore/message/hashpath.h"

namespace ao {
namespace {
Status NotYet(const char* what) { return Status::Unavailable(std::string(what) + ": not implemented yet (ids branch)"); }
}  // namespace

Result<std::string> HashpathOf(const Message&) { return NotYet("HashpathOf"); }
Result<std::string> HashpathRef(const Message&) { return NotYet("HashpathRef"); }
Result<std::string> NextHashpath(const Message&, const Message&) { return NotYet("NextHashpath"); }
Result<Message> SetHashpath(Message, std::string) { return NotYet("SetHashpath"); }
Result<bool> VerifyHashpath(const std::vector<Message>&) { return NotYet("VerifyHashpath"); }
}  // namespace ao
