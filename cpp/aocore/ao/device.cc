#include "aocore/ao/device.h"

#include <algorithm>

#include "aocore/message/key.h"

namespace ao {

ResolveResult ErrorResult(int64_t status, std::string body, std::string reason) {
  Message m{{"status", Value(status)}, {"body", Value(std::move(body))}};
  if (!reason.empty()) m.Set("reason", Value(std::move(reason)));
  return ResolveResult::Error(Value(std::move(m)));
}

int HttpStatusOf(const Status& s) {
  if (s.IsInvalidArgument()) return 400;
  if (s.IsNotFound()) return 404;
  if (s.IsDeadlineExceeded()) return 504;
  if (s.IsUnavailable() || s.IsClosed() || s.IsAborted()) return 503;
  return 500;
}

std::string ResolveResult::DebugString() const {
  if (deferred) return "{" + status + ", <deferred resolve of " + std::to_string(deferred->size()) + " steps>}";
  return "{" + status + ", " + value.DebugString() + "}";
}

namespace {
std::string NormalizedOrSelf(std::string_view key) {
  Result<std::string> n = NormalizeKey(key);
  return n.ok() ? std::move(n).value() : std::string(key);
}

bool ContainsNormalized(const std::vector<std::string>& keys, const std::string& nkey) {
  return std::find(keys.begin(), keys.end(), nkey) != keys.end();
}

std::vector<std::string> NormalizeAll(std::vector<std::string> keys) {
  for (std::string& k : keys) k = NormalizedOrSelf(k);
  return keys;
}
}  // namespace

bool DeviceInfo::IsExported(std::string_view key) const {
  if (!exports && excludes.empty()) return true;
  std::string nkey = NormalizedOrSelf(key);
  if (nkey == "info") return true;
  if (ContainsNormalized(excludes, nkey)) return false;
  if (exports) return ContainsNormalized(*exports, nkey);
  return true;
}

std::string DeviceKeyName(KeyStyle style, std::string_view key) {
  if (style == KeyStyle::kMap) return NormalizedOrSelf(key);
  std::string out(key);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

Result<std::shared_ptr<const DeviceInfo>> Device::Info(const Message&, const ResolveOptions&) const {
  static const auto kEmpty = std::make_shared<const DeviceInfo>();
  return kEmpty;
}

FunctionDevice::FunctionDevice(std::string name, KeyStyle style)
    : name_(std::move(name)), style_(style), info_(std::make_shared<DeviceInfo>()) {}

FunctionDevice& FunctionDevice::AddKey(std::string_view key, Fn fn) {
  // Module functions are stored under their Erlang name; map keys are lower-cased.
  std::string stored = style_ == KeyStyle::kMap ? NormalizedOrSelf(key) : std::string(key);
  keys_.insert_or_assign(std::move(stored), std::move(fn));
  return *this;
}

FunctionDevice& FunctionDevice::SetHandler(Fn fn, std::vector<std::string> handler_excludes) {
  handler_ = std::move(fn);
  info_->has_handler = true;
  info_->handler_excludes = NormalizeAll(std::move(handler_excludes));
  return *this;
}

FunctionDevice& FunctionDevice::SetDefault(Fn fn) {
  default_ = std::move(fn);
  info_->has_default = true;
  return *this;
}

FunctionDevice& FunctionDevice::SetExports(std::vector<std::string> exports) {
  info_->exports = NormalizeAll(std::move(exports));
  return *this;
}

FunctionDevice& FunctionDevice::SetExcludes(std::vector<std::string> excludes) {
  info_->excludes = NormalizeAll(std::move(excludes));
  return *this;
}

FunctionDevice& FunctionDevice::SetInfoFn(InfoFn fn) {
  info_fn_ = std::move(fn);
  return *this;
}

Result<std::shared_ptr<const DeviceInfo>> FunctionDevice::Info(const Message& base,
                                                               const ResolveOptions& opts) const {
  if (info_fn_) return info_fn_(base, opts);
  return std::shared_ptr<const DeviceInfo>(info_);
}

namespace {
// True when DeviceKeyName(style, key) == key, so the lookup needs no new string.
bool KeyIsCanonical(KeyStyle style, std::string_view key) {
  if (style == KeyStyle::kModule) return key.find('-') == std::string_view::npos;
  for (char c : key) {
    if ((c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}
}  // namespace

const FunctionDevice::Fn* FunctionDevice::FindKey(std::string_view key) const {
  if (keys_.empty()) return nullptr;
  auto it = KeyIsCanonical(style_, key) ? keys_.find(key) : keys_.find(DeviceKeyName(style_, key));
  return it == keys_.end() ? nullptr : &it->second;
}

bool FunctionDevice::HasKey(std::string_view key) const { return FindKey(key) != nullptr; }

Result<ResolveResult> FunctionDevice::Call(const DeviceCall& call) const {
  switch (call.kind) {
    case FunctionKind::kKey: {
      const Fn* fn = FindKey(call.key);
      if (fn == nullptr) {
        return Status::Internal("device " + name_ + " has no function for key '" + std::string(call.key) + "'");
      }
      return (*fn)(call);
    }
    case FunctionKind::kHandler:
      if (!handler_) return Status::Internal("device " + name_ + " has no handler");
      return handler_(call);
    case FunctionKind::kDefault:
      if (!default_) return Status::Internal("device " + name_ + " has no default function");
      return default_(call);
  }
  return Status::Internal("bad function kind");
}

}  // namespace ao
