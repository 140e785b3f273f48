#include "aocore/ao/resolve_options.h"

namespace ao {

Result<HashpathMode> ParseHashpathMode(std::string_view s) {
  if (s == "update") return HashpathMode::kUpdate;
  if (s == "reset") return HashpathMode::kReset;
  if (s == "ignore") return HashpathMode::kIgnore;
  return Status::InvalidArgument("unknown hashpath mode '" + std::string(s) +
                                 "' (expected update, reset or ignore)");
}

std::string_view HashpathModeName(HashpathMode mode) {
  switch (mode) {
    case HashpathMode::kUpdate: return "update";
    case HashpathMode::kReset: return "reset";
    case HashpathMode::kIgnore: return "ignore";
  }
  return "update";
}

const std::shared_ptr<const Message>& ResolveOptions::EmptyUser() {
  static const std::shared_ptr<const Message> kEmpty = std::make_shared<const Message>();
  return kEmpty;
}

ResolveOptions ResolveOptions::WithUser(std::string key, Value value) const {
  ResolveOptions out = *this;
  Message m = user ? *user : Message();
  m.Set(std::move(key), std::move(value));
  out.user = std::make_shared<const Message>(std::move(m));
  return out;
}

ResolveOptions ResolveOptions::Internal() const {
  static const Value kNoCache = Value(Value::List{Value("no-cache"), Value("no-store")});
  ResolveOptions out = *this;
  out.hashpath = HashpathMode::kIgnore;
  out.cache_control = kNoCache;
  out.spawn_worker = false;
  out.await_inprogress = "false";
  return out;
}

}  // namespace ao
