#include "aocore/devices/patch_device.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "aocore/devices/message_device.h"
#include "aocore/store/keys.h"

namespace ao {
namespace {

const Value* FindFirst(const Message& req, const Message& base, std::string_view primary,
                       std::string_view secondary) {
  if (const Value* v = MessageFind(req, primary)) return v;
  if (const Value* v = MessageFind(base, primary)) return v;
  if (const Value* v = MessageFind(req, secondary)) return v;
  return MessageFind(base, secondary);
}

Result<std::string> PathText(const Value* v, std::string_view what) {
  if (v == nullptr) return std::string("/");
  if (!v->is_binary()) return Status::InvalidArgument("patch@1.0: `" + std::string(what) + "` must be a path");
  return v->binary();
}

const Value* GetPath(const Message& m, const std::vector<std::string>& path, size_t i = 0) {
  if (i == path.size()) return nullptr;
  const Value* v = MessageFind(m, path[i]);
  if (v == nullptr || i + 1 == path.size()) return v;
  return v->is_message() ? GetPath(v->message(), path, i + 1) : nullptr;
}

// m with `value` at `path`: messages merge deeply into an existing message (message@1.0 set),
// anything else replaces. An empty path merges into m itself.
Result<Message> SetPath(const Message& m, const std::vector<std::string>& path, const Value& value, size_t i = 0) {
  if (i == path.size()) {
    if (!value.is_message()) return Status::InvalidArgument("patch@1.0: cannot set a non-message at the root");
    return MessageSet(m, value.message());
  }
  Message out = m;
  const Value* existing = MessageFind(m, path[i]);
  if (i + 1 == path.size()) {
    if (existing != nullptr && existing->is_message() && value.is_message()) {
      AO_ASSIGN_OR_RETURN(Message merged, MessageSet(existing->message(), value.message()));
      out.Set(path[i], Value(std::move(merged)));
    } else {
      out.Set(path[i], value);
    }
    return out;
  }
  Message child = existing != nullptr && existing->is_message() ? existing->message() : Message();
  AO_ASSIGN_OR_RETURN(Message updated, SetPath(child, path, value, i + 1));
  out.Set(path[i], Value(std::move(updated)));
  return out;
}

Message RemovePath(const Message& m, const std::vector<std::string>& path, size_t i = 0) {
  if (i == path.size()) return Message();
  Message out = m;
  if (i + 1 == path.size()) {
    out.Erase(path[i]);
    return out;
  }
  const Value* child = MessageFind(m, path[i]);
  if (child == nullptr || !child->is_message()) return out;
  out.Set(path[i], Value(RemovePath(child->message(), path, i + 1)));
  return out;
}

// Message keys in numeric order when they are integers, then the others bytewise.
std::vector<std::string> PatchOrder(const Message& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  auto num = [](const std::string& k) -> std::optional<int64_t> {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
    if (ec != std::errc() || end != k.data() + k.size()) return std::nullopt;
    return n;
  };
  std::stable_sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    std::optional<int64_t> na = num(a), nb = num(b);
    if (na && nb) return *na < *nb;
    if (na != nb) return na.has_value();
    return a < b;
  });
  return keys;
}

bool IsPatch(const Value& v) {
  if (!v.is_message()) return false;
  const Value* method = MessageFind(v.message(), "method");
  if (method != nullptr && method->is_binary() && method->binary() == "PATCH") return true;
  const Value* device = MessageFind(v.message(), "device");
  return device != nullptr && device->is_binary() && device->binary() == "patch@1.0";
}

Result<ResolveResult> Run(const DeviceCall& c, bool all_mode) {
  AO_ASSIGN_OR_RETURN(std::string from, PathText(FindFirst(c.req, c.base, "patch-from", "from"), "patch-from"));
  AO_ASSIGN_OR_RETURN(std::string to, PathText(FindFirst(c.req, c.base, "patch-to", "to"), "patch-to"));
  std::vector<std::string> source_path = SplitPath(from);
  const Message* source = &c.base;
  if (!source_path.empty()) {
    std::string& first = source_path.front();
    if (first.rfind("req:", 0) == 0) {
      source = &c.req;
      first = first.substr(4);
    } else if (first.rfind("base:", 0) == 0) {
      first = first.substr(5);
    }
    if (first.empty()) source_path.erase(source_path.begin());
  }
  const std::vector<std::string> target_path = SplitPath(to);
  const Value* found = source_path.empty() ? nullptr : GetPath(*source, source_path);
  const Value whole = source_path.empty() ? Value(*source) : Value();
  if (source_path.empty()) found = &whole;
  if (found == nullptr) return ResolveResult::Ok(Value(*source));
  if (all_mode) {
    Value moved = *found;
    Message trimmed = RemovePath(*source, source_path);
    AO_ASSIGN_OR_RETURN(Message out, SetPath(trimmed, target_path, moved));
    return ResolveResult::Ok(Value(std::move(out)));
  }
  if (!found->is_message()) return ResolveResult::Ok(Value(*source));
  Message kept;
  Message patch;
  for (const std::string& k : PatchOrder(found->message())) {
    const Value& v = *found->message().Find(k);
    if (!IsPatch(v)) {
      kept.Set(k, v);
      continue;
    }
    Message p = v.message();
    p.Erase("method");
    p.Erase("commitments");
    p.Erase("priv");
    AO_ASSIGN_OR_RETURN(patch, MessageSet(patch, p));
  }
  Message trimmed = source_path.empty() ? kept : *source;
  if (!source_path.empty()) {
    AO_ASSIGN_OR_RETURN(trimmed, SetPath(RemovePath(*source, source_path), 
                                         std::vector<std::string>(source_path.begin(), source_path.end()),
                                         Value(std::move(kept))));
  }
  AO_ASSIGN_OR_RETURN(Message out, SetPath(trimmed, target_path, Value(std::move(patch))));
  return ResolveResult::Ok(Value(std::move(out)));
}

Result<ResolveResult> Identity(const DeviceCall& c) { return ResolveResult::Ok(Value(c.base)); }

}  // namespace

DevicePtr MakePatchDevice() {
  auto dev = FunctionDevice::Module("patch@1.0");
  dev->AddKey("init", Identity)
      .AddKey("normalize", Identity)
      .AddKey("snapshot", Identity)
      .AddKey("compute", [](const DeviceCall& c) { return Run(c, false); })
      .AddKey("patches", [](const DeviceCall& c) { return Run(c, false); })
      .AddKey("all", [](const DeviceCall& c) { return Run(c, true); });
  return dev;
}

}  // namespace ao
