#include "aocore/ao/resolver.h"

#include <algorithm>
#include <exception>

#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/message/hashpath.h"
#include "aocore/message/key.h"

namespace ao {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const std::shared_ptr<spdlog::logger> kLog = Logger("resolver");
  return kLog;
}

bool KeysAreNormal(const Message& m) {
  for (const auto& [k, v] : m) {
    if (!KeyIsNormal(k)) return false;
  }
  return true;
}

// The request's path value: only `path` and `Path` are recognised.
const Value* FindPath(const Message& req) {
  if (const Value* p = req.Find("path")) return p;
  return req.Find("Path");
}

Status PathPartsInto(const Value& path, std::vector<std::string>& out, bool& usable) {
  switch (path.kind()) {
    case Value::Kind::kBinary: {
      const Bytes& b = path.binary();
      if (b.empty()) return Status::OK();
      usable = true;
      size_t i = 0;
      while (i < b.size()) {
        size_t j = b.find('/', i);
        if (j == std::string::npos) j = b.size();
        if (j > i) out.emplace_back(b.substr(i, j - i));
        i = j + 1;
      }
      return Status::OK();
    }
    case Value::Kind::kList:
      for (const Value& e : path.list()) AO_RETURN_IF_ERROR(PathPartsInto(e, out, usable));
      return Status::OK();
    case Value::Kind::kInteger:
      usable = true;
      out.push_back(std::to_string(path.integer()));
      return Status::OK();
    case Value::Kind::kAtom:
      if (path.is_null() || path.IsAtom("undefined")) return Status::OK();
      usable = true;
      out.push_back(path.atom().name);
      return Status::OK();
    default:
      return Status::InvalidArgument("a path must be a binary, list, integer or atom, not " +
                                     std::string(KindName(path.kind())));
  }
}

// The first segment of a step's path: the key stage 5 resolves (hb_path:hd).
Result<std::string> FirstSegment(const Message& req) {
  const Value* path = req.Find("path");
  if (path != nullptr && path->is_binary()) {
    const Bytes& b = path->binary();
    size_t i = b.find_first_not_of('/');
    if (i != std::string::npos) {
      size_t j = b.find('/', i);
      return b.substr(i, j == std::string::npos ? std::string::npos : j - i);
    }
  } else if (path != nullptr) {
    AO_ASSIGN_OR_RETURN(auto parts, Resolver::PathParts(*path));
    if (parts && !parts->empty()) return std::move((*parts)[0]);
  }
  return Status::InvalidArgument("the request has no path to resolve: " + req.DebugString());
}

Result<Message> ToMessage(const Value& v, std::string_view what) {
  if (v.is_message()) return v.message();
  if (v.is_list()) return ListToMessage(v.list());
  return Status::InvalidArgument(std::string(what) + " is not a message: " + v.DebugString());
}

// Status names carried by error values.
Value DeviceCallError(const Status& s) {
  return Value(Message{{"error", Value("device_call")},
                       {"class", Value(std::string(s.CodeName()))},
                       {"reason", Value(s.message())}});
}

std::string StatusOf(const Value& v) {
  if (v.is_binary()) return v.binary();
  if (v.is_atom()) return v.atom().name;
  return v.DebugString();
}

}  // namespace

Message PrivateOf(const Message& message) {
  const Message* priv = message.FindMessage("priv");
  return priv ? *priv : Message();
}

ResolveResult ForceMessage(ResolveResult result) {
  if (result.deferred) return result;
  Value& v = result.value;
  if (v.is_list()) {
    v = Value(ListToMessage(v.list()));
    return result;
  }
  if (!v.is_message()) {
    v = Value(Message{{"ao-result", Value("body")}, {"body", std::move(v)}});
    return result;
  }
  const Message& m = v.message();
  if (m.size() == 2) {
    const Value* s = m.Find("status");
    const Value* b = m.Find("body");
    if (s && b && StatusOf(*s) == result.status) {
      v = Value(Message{{"status", *s}, {"ao-result", Value("body")}, {"body", *b}});
    }
  }
  return result;
}

Resolver::Resolver(ResolverConfig config)
    : registry_(std::move(config.registry)),
      default_device_(std::move(config.default_device)),
      loader_(std::move(config.loader)),
      cache_(std::move(config.cache)) {
  if (!registry_) registry_ = std::make_shared<DeviceRegistry>();
  if (!default_device_) {
    Result<DevicePtr> d = registry_->Find("message@1.0");
    if (d.ok()) default_device_ = std::move(d).value();
  }
}

// ---------------------------------------------------------------------------------------------
// Paths and entry points

Result<std::optional<std::vector<std::string>>> Resolver::PathParts(const Value& path) {
  std::vector<std::string> out;
  bool usable = false;
  AO_RETURN_IF_ERROR(PathPartsInto(path, out, usable));
  // "/" is usable (it gives []); "" and [] are not.
  if (!usable && !(path.is_list() && !path.list().empty())) return std::optional<std::vector<std::string>>();
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<ResolveResult> Resolver::Resolve(const Message& base, std::string_view path,
                                        const ResolveOptions& opts) const {
  Message req;
  req.Set("path", Value(path));
  // Avoid wrapping the base in a Value (a copy) on this hot path when it is a single step.
  if (!path.empty() && path.find('/') == std::string_view::npos) {
    AO_ASSIGN_OR_RETURN(ResolveResult r, [&]() -> Result<ResolveResult> {
      Normalised n;
      AO_RETURN_IF_ERROR(Normalise(base, req, n));
      return RunStages(*n.base, *n.req, opts);
    }());
    return opts.force_message ? ForceMessage(std::move(r)) : std::move(r);
  }
  return Resolve(Value(base), req, opts);
}

Result<ResolveResult> Resolver::Resolve(const Value& base, const Value& req, const ResolveOptions& opts) const {
  if (req.is_message()) return Resolve(base, req.message(), opts);
  Message m;
  m.Set("path", req);
  return Resolve(base, m, opts);
}

Result<ResolveResult> Resolver::Resolve(const Value& base, const Message& req, const ResolveOptions& opts) const {
  const Value* path = FindPath(req);
  if (path == nullptr) {
    return Status::InvalidArgument("cannot resolve a request without a path: " + req.DebugString());
  }
  AO_ASSIGN_OR_RETURN(auto parts, PathParts(*path));
  if (!parts) {
    return Status::InvalidArgument("cannot resolve a request with an empty path: " + req.DebugString());
  }
  if (parts->empty()) {  // "/": the base itself, unexecuted (resolve_many([Base]))
    ResolveResult r = ResolveResult::Ok(base);
    return opts.force_message ? ForceMessage(std::move(r)) : r;
  }
  // Each step's request is req with path := segment; all other keys travel along. When the
  // request already has exactly that path, it is used as is (no copy).
  bool single_as_is = parts->size() == 1 && path->is_binary() && path->binary() == (*parts)[0] &&
                      req.Find("path") != nullptr;
  Value current = base;
  ResolveResult result;
  for (size_t i = 0; i < parts->size(); ++i) {
    if (single_as_is) {
      AO_ASSIGN_OR_RETURN(result, StepValues(current, req, opts));
    } else {
      Message step = req;
      step.Erase("Path");
      step.Set("path", Value((*parts)[i]));
      AO_ASSIGN_OR_RETURN(result, StepValues(current, step, opts));
    }
    if (!result.ok()) break;
    if (i + 1 < parts->size()) current = result.value;
  }
  return opts.force_message ? ForceMessage(std::move(result)) : result;
}

Result<ResolveResult> Resolver::ResolveMany(const std::vector<ResolveStep>& steps,
                                            const ResolveOptions& opts) const {
  if (steps.empty()) return Status::InvalidArgument("cannot resolve an empty message sequence");
  auto finish = [&](ResolveResult r) { return opts.force_message ? ForceMessage(std::move(r)) : r; };
  if (steps.size() == 1) {
    const ResolveStep& only = steps[0];
    switch (only.kind) {
      case ResolveStep::Kind::kValue:
        if (only.value.is_binary() && IsIdShaped(only.value.binary())) {
          if (!loader_) return ResolveResult::NotFound();
          Result<Message> loaded = loader_->Load(only.value.binary());
          if (!loaded.ok()) return ResolveResult::NotFound();
          return finish(ResolveResult::Ok(Value(std::move(loaded).value())));
        }
        return finish(ResolveResult::Ok(only.value));
      case ResolveStep::Kind::kAs: {
        AO_ASSIGN_OR_RETURN(ResolveResult r, Subresolve(Value(Message()), only.device, only.value, opts));
        return finish(std::move(r));
      }
      case ResolveStep::Kind::kResolve:
        return ResolveMany(only.steps, opts);
    }
  }
  ResolveStep current = steps[0];
  ResolveResult result;
  for (size_t i = 1; i < steps.size(); ++i) {
    AO_ASSIGN_OR_RETURN(result, Step(current, steps[i], opts));
    if (!result.ok()) return finish(std::move(result));
    current = ResolveStep::Of(result.value);
  }
  return finish(std::move(result));
}

Result<ResolveResult> Resolver::Subresolve(const Value& base, const Value& device, const Value& req,
                                           const ResolveOptions& opts) const {
  Message request;
  if (req.is_message()) {
    request = req.message();
  } else {
    request.Set("path", req);
  }
  Value b = base;
  if (b.is_binary() && IsIdShaped(b.binary())) {
    if (!loader_) return Status::NotFound("necessary_message_not_found: " + b.binary() + " (no store)");
    AO_ASSIGN_OR_RETURN(Message loaded, loader_->Load(b.binary()));
    b = Value(std::move(loaded));
  }
  ResolveOptions internal = opts.Internal();
  if (!device.is_null()) {
    AO_ASSIGN_OR_RETURN(b, Set(b, Value("device"), device, internal));
  }
  const Value* path = FindPath(request);
  std::optional<std::vector<std::string>> parts;
  if (path != nullptr) {
    AO_ASSIGN_OR_RETURN(parts, PathParts(*path));
  }
  if (!parts) {
    // No path: the request's keys are written into the base.
    request.Erase("path");
    request.Erase("Path");
    AO_ASSIGN_OR_RETURN(Value written, Set(b, request, internal));
    return ResolveResult::Ok(std::move(written));
  }
  return Resolve(b, request, opts);
}

// ---------------------------------------------------------------------------------------------
// One step

Result<ResolveResult> Resolver::Step(const ResolveStep& base_step, const ResolveStep& req_step,
                                     const ResolveOptions& opts) const {
  // Stage 1, special forms of the base.
  Value base;
  switch (base_step.kind) {
    case ResolveStep::Kind::kValue:
      base = base_step.value;
      break;
    case ResolveStep::Kind::kAs: {
      Value target = base_step.value;
      if (target.is_binary() && IsIdShaped(target.binary())) target = Value(Message{{"path", target}});
      const Value* id = target.is_message() ? target.message().Find("path") : nullptr;
      if (id != nullptr && id->is_binary() && IsIdShaped(id->binary())) {
        // {as, Dev, {path: ID, params...}}: load, merge the params over it, swap the device.
        if (!loader_) return Status::NotFound("necessary_message_not_found: " + id->binary() + " (no store)");
        AO_ASSIGN_OR_RETURN(Message loaded, loader_->Load(id->binary()));
        for (const auto& [k, v] : target.message()) {
          if (k != "path") loaded.Set(k, v);
        }
        AO_ASSIGN_OR_RETURN(base, Set(Value(std::move(loaded)), Value("device"), base_step.device, opts.Internal()));
      } else {
        AO_ASSIGN_OR_RETURN(ResolveResult r, Subresolve(Value(Message()), base_step.device, target, opts));
        if (!r.ok()) return r;
        base = std::move(r.value);
      }
      break;
    }
    case ResolveStep::Kind::kResolve: {
      AO_ASSIGN_OR_RETURN(ResolveResult r, ResolveMany(base_step.steps, opts));
      if (!r.ok()) return r;
      base = std::move(r.value);
      break;
    }
  }
  // Stage 1, special forms of the request.
  Value req;
  switch (req_step.kind) {
    case ResolveStep::Kind::kValue:
      req = req_step.value;
      break;
    case ResolveStep::Kind::kAs: {
      // The request's path is {as, Dev, Inner}: resolve Inner with the base's device swapped,
      // and return that result directly.
      Message inner;
      if (req_step.value.is_message()) {
        inner = req_step.value.message();
      } else {
        inner.Set("path", req_step.value);
      }
      return Subresolve(base, req_step.device, Value(std::move(inner)), opts);
    }
    case ResolveStep::Kind::kResolve: {
      ResolveOptions sub = opts;
      sub.force_message = false;
      AO_ASSIGN_OR_RETURN(ResolveResult r, ResolveMany(req_step.steps, sub));
      if (!r.ok()) return r;
      req = std::move(r.value);
      break;
    }
  }
  if (req.is_message()) return StepValues(base, req.message(), opts);
  Message wrapped;
  wrapped.Set("path", std::move(req));
  return StepValues(base, wrapped, opts);
}

Status Resolver::Normalise(const Message& base, const Message& req, Normalised& out) {
  if (KeysAreNormal(base)) {
    out.base = &base;
  } else {
    AO_ASSIGN_OR_RETURN(out.base_storage, NormalizeKeys(base));
    out.base = &out.base_storage;
  }
  if (KeysAreNormal(req)) {
    out.req = &req;
  } else {
    AO_ASSIGN_OR_RETURN(out.req_storage, NormalizeKeys(req));
    out.req = &out.req_storage;
  }
  return Status::OK();
}

bool Resolver::TypeCheck(const Value& base) { return base.is_message() || base.is_list(); }

Result<ResolveResult> Resolver::StepValues(const Value& base, const Message& req, const ResolveOptions& opts) const {
  // Stage 3 comes first for non-maps here: there is nothing to normalise in a binary.
  if (!TypeCheck(base)) return ResolveResult::NotFound();
  Normalised n;
  if (base.is_list()) {
    Message numbered = ListToMessage(base.list());
    AO_RETURN_IF_ERROR(Normalise(numbered, req, n));
    if (n.base == &numbered) {
      n.base_storage = std::move(numbered);
      n.base = &n.base_storage;
    }
    return RunStages(*n.base, *n.req, opts);
  }
  AO_RETURN_IF_ERROR(Normalise(base.message(), req, n));
  return RunStages(*n.base, *n.req, opts);
}

Result<ResolveResult> Resolver::RunStages(const Message& base, const Message& req, const ResolveOptions& opts) const {
  // 2. Cache lookup.
  if (cache_) {
    AO_ASSIGN_OR_RETURN(std::optional<ResolveResult> cached, CacheLookup(base, req, opts));
    if (cached) return std::move(*cached);
  }
  // 4. In-flight grouping.
  AO_RETURN_IF_ERROR(GroupInFlight(base, req, opts));
  // 5. Function lookup.
  AO_ASSIGN_OR_RETURN(std::string key, FirstSegment(req));
  AO_ASSIGN_OR_RETURN(Selected fn, LookupFunction(base, key, opts));
  // 6. Execution.
  AO_ASSIGN_OR_RETURN(ResolveResult result, Execute(fn, key, base, req, opts));
  // 7. Step hook.
  if (opts.on && opts.on->Contains("step")) {
    AO_ASSIGN_OR_RETURN(result, RunStepHook(base, req, std::move(result), opts));
  }
  // 8. Deferred sub-resolution.
  if (result.deferred) {
    AO_ASSIGN_OR_RETURN(result, ResolveDeferred(std::move(result), opts));
  }
  // 9. Cryptographic linking.
  AO_ASSIGN_OR_RETURN(result, LinkHashpath(base, req, std::move(result), opts));
  // 10. Result caching.
  if (cache_ && result.ok()) StoreResult(base, req, result, opts);
  // 11, 12.
  NotifyWaiters(base, req, result);
  ForkWorker(base, req, result, opts);
  return result;
}

Result<std::optional<ResolveResult>> Resolver::CacheLookup(const Message& base, const Message& req,
                                                           const ResolveOptions& opts) const {
  return cache_->Lookup(base, req, opts);
}

Status Resolver::GroupInFlight(const Message&, const Message&, const ResolveOptions&) const {
  // Dedup is an optimisation that is not visible in results (TV-02): every caller leads.
  return Status::OK();
}

Result<Resolver::Selected> Resolver::LookupFunction(const Message& base, std::string_view key,
                                                    const ResolveOptions& opts) const {
  AO_ASSIGN_OR_RETURN(DevicePtr device, DeviceOf(base));
  // At most two rounds: the base's device, then the default device (message@1.0).
  for (int round = 0; round < 2; ++round) {
    AO_ASSIGN_OR_RETURN(std::shared_ptr<const DeviceInfo> info, device->Info(base, opts));
    if (!info) return Status::Internal("device " + std::string(device->name()) + " returned no info");
    const bool exported = info->IsExported(key);
    bool to_default = false;
    if (info->has_handler && exported) {
      if (info->handler_excludes.empty()) return Selected{device, FunctionKind::kHandler};
      Result<std::string> nk = NormalizeKey(key);
      std::string k = nk.ok() ? std::move(nk).value() : std::string(key);
      bool excluded = false;
      for (const std::string& e : info->handler_excludes) excluded = excluded || e == k;
      if (!excluded) return Selected{device, FunctionKind::kHandler};
      to_default = true;
    }
    if (!to_default) {
      if (exported && device->HasKey(key)) return Selected{device, FunctionKind::kKey};
      if (exported && info->has_default) return Selected{device, FunctionKind::kDefault};
    }
    if (device == default_device_) break;
    if (!default_device_) return Status::Internal("the resolver has no default device (message@1.0)");
    device = default_device_;
  }
  return Status::Internal("default_device_could_not_resolve_key: '" + std::string(key) + "'");
}

Result<ResolveResult> Resolver::Execute(const Selected& fn, std::string_view key, const Message& base,
                                        const Message& req, const ResolveOptions& opts) const {
  // Devices see the caller's options minus the engine-only ones (force_message, cache_control,
  // spawn_worker); copied only when one of them is set.
  const ResolveOptions* exec_opts = &opts;
  ResolveOptions stripped;
  if (opts.force_message || !opts.cache_control.is_null() || opts.spawn_worker) {
    stripped = opts;
    stripped.force_message = false;
    stripped.cache_control = Value();
    stripped.spawn_worker = false;
    exec_opts = &stripped;
  }
  // Re-entry bound (ResolveOptions::max_resolve_depth): counted per thread, since nested calls
  // share the thread's stack, whatever options each nested resolution was started with.
  thread_local int64_t device_call_depth = 0;
  if (device_call_depth >= opts.max_resolve_depth) {
    return Status::Aborted("resolution nested deeper than max_resolve_depth (" +
                           std::to_string(opts.max_resolve_depth) + " device calls in progress on one thread): device " +
                           std::string(fn.device->name()) + " key '" + std::string(key) + "'");
  }
  ++device_call_depth;
  struct DepthRelease {
    ~DepthRelease() { --device_call_depth; }
  } release_depth;
  DeviceCall call{fn.kind, key, base, req, *exec_opts, *this};
  Result<ResolveResult> r = Status::Internal("device call did not run");
  try {
    r = fn.device->Call(call);
  } catch (const std::exception& e) {
    r = Status::Internal("device " + std::string(fn.device->name()) + " raised: " + e.what());
  } catch (...) {
    r = Status::Internal("device " + std::string(fn.device->name()) + " raised a non-standard exception");
  }
  if (!r.ok()) {
    if (opts.error_strategy == "throw") {
      return r.status().WithContext("device " + std::string(fn.device->name()) + " key '" + std::string(key) + "'");
    }
    return ResolveResult::Error(DeviceCallError(r.status()));
  }
  ResolveResult result = std::move(r).value();
  if (result.status.empty()) {
    return Status::InvalidArgument("device " + std::string(fn.device->name()) + " returned an empty status for key '" +
                                   std::string(key) + "'");
  }
  if (opts.force_message) result = ForceMessage(std::move(result));
  return result;
}

Result<ResolveResult> Resolver::RunStepHook(const Message& base, const Message& req, ResolveResult result,
                                            const ResolveOptions& opts) const {
  const Value* handler = opts.on->Find("step");
  Message hook_req{{"path", Value("step")},
                   {"base", Value(base)},
                   {"request", Value(req)},
                   {"status", Value(result.status)},
                   {"body", result.value}};
  // The hook runs without itself (no recursion) and without linking.
  ResolveOptions hook_opts = opts.Internal();
  hook_opts.on = nullptr;
  AO_ASSIGN_OR_RETURN(ResolveResult hooked, Resolve(*handler, hook_req, hook_opts));
  if (hooked.ok() && hooked.value.is_message()) {
    const Value* status = hooked.value.message().Find("status");
    const Value* body = hooked.value.message().Find("body");
    if (status != nullptr && body != nullptr) return ResolveResult::Make(StatusOf(*status), *body);
  }
  return hooked;
}

Result<ResolveResult> Resolver::ResolveDeferred(ResolveResult result, const ResolveOptions& opts) const {
  if (!result.ok()) return Status::InvalidArgument("a deferred resolution must have status ok");
  return ResolveMany(*result.deferred, opts);
}

Result<ResolveResult> Resolver::LinkHashpath(const Message& base, const Message& req, ResolveResult result,
                                             const ResolveOptions& opts) const {
  if (!result.value.is_message()) return result;
  const Message& m = result.value.message();
  const Value* priv = m.Find("priv");
  if (priv != nullptr && !priv->is_message()) {
    return Status::InvalidArgument("invalid_private_message: the result's priv is a " +
                                   std::string(KindName(priv->kind())) + ", not a message");
  }
  if (result.ok()) {
    switch (opts.hashpath) {
      case HashpathMode::kIgnore:
        return result;
      case HashpathMode::kUpdate: {
        AO_ASSIGN_OR_RETURN(std::string hp, NextHashpath(base, req));
        AO_ASSIGN_OR_RETURN(Message linked, SetHashpath(m, std::move(hp)));
        result.value = Value(std::move(linked));
        return result;
      }
      case HashpathMode::kReset:
        break;
    }
  }
  // Non-ok map results (and `reset`): priv.hashpath dropped; priv always present.
  if (priv != nullptr && !priv->message().Contains("hashpath")) return result;
  Message copy = m;
  Message p = priv ? priv->message() : Message();
  p.Erase("hashpath");
  copy.Set("priv", Value(std::move(p)));
  result.value = Value(std::move(copy));
  return result;
}

void Resolver::StoreResult(const Message& base, const Message& req, const ResolveResult& result,
                           const ResolveOptions& opts) const {
  Status s = cache_->Store(base, req, result, opts);
  if (!s.ok()) Log()->warn("caching a result failed: {}", s.ToString());
}

void Resolver::NotifyWaiters(const Message&, const Message&, const ResolveResult&) const {}

void Resolver::ForkWorker(const Message&, const Message&, const ResolveResult&, const ResolveOptions&) const {}

// ---------------------------------------------------------------------------------------------
// Devices

Result<DevicePtr> Resolver::LoadDevice(const Value& device) const {
  switch (device.kind()) {
    case Value::Kind::kDevice:
      if (!device.device()) return Status::InvalidArgument("device_not_loadable: null device");
      return device.device();
    case Value::Kind::kBinary:
      return registry_->Find(device.binary());
    case Value::Kind::kAtom:
      return registry_->Find(device.atom().name);
    default:
      return Status::InvalidArgument("device_not_loadable: a device must be a name or a device object, not " +
                                     device.DebugString());
  }
}

Result<DevicePtr> Resolver::DeviceOf(const Message& base) const {
  const Value* d = base.Find("device");
  if (d == nullptr) {
    if (!default_device_) return Status::Internal("the resolver has no default device (message@1.0)");
    return default_device_;
  }
  return LoadDevice(*d);
}

Result<std::shared_ptr<const DeviceInfo>> Resolver::Info(const Message& base, const ResolveOptions& opts) const {
  AO_ASSIGN_OR_RETURN(DevicePtr device, DeviceOf(base));
  return device->Info(base, opts);
}

// ---------------------------------------------------------------------------------------------
// Engine helpers: get, set, keys, remove

Result<Value> Resolver::Get(const Value& base, const Value& path, const ResolveOptions& opts) const {
  ResolveOptions o = opts;
  o.spawn_worker = false;
  AO_ASSIGN_OR_RETURN(ResolveResult r, Resolve(base, path, o));
  if (r.ok()) return std::move(r.value);
  if (r.Is(kStatusError)) return Status::NotFound("get " + path.DebugString() + ": " + r.value.DebugString());
  return Status::InvalidArgument("get " + path.DebugString() + ": unexpected status " + r.DebugString());
}

Result<Value> Resolver::Get(const Value& base, const Value& path, Value default_value,
                            const ResolveOptions& opts) const {
  ResolveOptions o = opts;
  o.spawn_worker = false;
  AO_ASSIGN_OR_RETURN(ResolveResult r, Resolve(base, path, o));
  if (r.ok()) return std::move(r.value);
  if (r.Is(kStatusError)) return default_value;
  return Status::InvalidArgument("get " + path.DebugString() + ": unexpected status " + r.DebugString());
}

Result<Value> Resolver::GetAs(const Value& device, const Value& base, const Value& path,
                              const ResolveOptions& opts) const {
  AO_ASSIGN_OR_RETURN(Value swapped, Set(base, Message{{"device", device}}, opts.Internal()));
  return Get(swapped, path, opts);
}

Result<Value> Resolver::DeviceSet(const Value& base, const std::string& key, Value value, bool explicit_mode,
                                  const ResolveOptions& internal) const {
  Message req;
  if (key == "path") {
    req.Set("path", Value("set_path"));
    req.Set("value", std::move(value));
  } else {
    req.Set(key, std::move(value));
    req.Set("path", Value("set"));
    if (explicit_mode) req.Set("set-mode", Value("explicit"));
  }
  AO_ASSIGN_OR_RETURN(ResolveResult r, Resolve(base, req, internal));
  if (!r.ok()) return Status::InvalidArgument("set '" + key + "': unexpected result " + r.DebugString());
  return std::move(r.value);
}

Result<Value> Resolver::DeepSet(const Value& base, const std::vector<std::string>& parts, size_t from,
                                Value value, const ResolveOptions& internal) const {
  const size_t remaining = parts.size() - from;
  if (remaining == 0) {
    if (!base.is_message() && !base.is_list()) return value;
    Message req;
    if (value.is_message()) {
      req = value.message();
    } else {
      req.Set("/", std::move(value));
    }
    req.Set("path", Value("set"));
    AO_ASSIGN_OR_RETURN(ResolveResult r, Resolve(base, req, internal));
    if (!r.ok()) return Status::InvalidArgument("set: unexpected result " + r.DebugString());
    return std::move(r.value);
  }
  const std::string& key = parts[from];
  if (remaining == 1) return DeviceSet(base, key, std::move(value), false, internal);
  Message get_req{{"path", Value(key)}};
  AO_ASSIGN_OR_RETURN(ResolveResult sub, Resolve(base, get_req, internal));
  if (sub.ok()) {
    AO_ASSIGN_OR_RETURN(Value inner, DeepSet(sub.value, parts, from + 1, std::move(value), internal));
    return DeviceSet(base, key, std::move(inner), true, internal);
  }
  // A missing intermediate level is created directly, without the device.
  AO_ASSIGN_OR_RETURN(Value inner, DeepSet(Value(Message()), parts, from + 1, std::move(value), internal));
  AO_ASSIGN_OR_RETURN(Message m, ToMessage(base, "set: the message to set '" + key + "' in"));
  m.Set(key, std::move(inner));
  return Value(std::move(m));
}

// A deep set nests `value` one level per path segment (and DeepSet recurses once per segment):
// refused when the result could pass kMaxNesting, so no path builds a message deeper than any
// input may be, and a hostile path cannot overflow the stack.
static Status CheckSetDepth(const std::vector<std::string>& parts, const Value& value) {
  if (parts.size() > kMaxNesting) {
    return Status::InvalidArgument("set: a path of " + std::to_string(parts.size()) + " segments nests deeper than " +
                                   std::to_string(kMaxNesting) + " levels");
  }
  if (parts.size() + NestingDepth(value) > kMaxNesting + 1) {
    return Status::InvalidArgument("set: the value at a path of " + std::to_string(parts.size()) +
                                   " segments would nest deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  return Status::OK();
}

Result<Value> Resolver::Set(const Value& base, const Value& key, Value value, const ResolveOptions& opts) const {
  AO_ASSIGN_OR_RETURN(auto parts, PathParts(key));
  if (!parts) return Status::InvalidArgument("set: empty key " + key.DebugString());
  AO_RETURN_IF_ERROR(CheckSetDepth(*parts, value));
  return DeepSet(base, *parts, 0, std::move(value), opts.Internal());
}

Result<Value> Resolver::Set(const Value& base, const Message& values, const ResolveOptions& opts) const {
  ResolveOptions internal = opts.Internal();
  Value current = base;
  for (const auto& [k, v] : values) {
    if (IsPrivateKey(k) || k == "hashpath") continue;
    AO_ASSIGN_OR_RETURN(auto parts, PathParts(Value(k)));
    if (!parts) continue;
    AO_RETURN_IF_ERROR(CheckSetDepth(*parts, v));
    AO_ASSIGN_OR_RETURN(current, DeepSet(current, *parts, 0, v, internal));
  }
  return current;
}

Result<Message> Resolver::SetMessage(const Message& base, const Message& values, const ResolveOptions& opts) const {
  AO_ASSIGN_OR_RETURN(Value v, Set(Value(base), values, opts));
  if (!v.is_message()) return Status::InvalidArgument("set did not return a message: " + v.DebugString());
  return v.message();
}

Result<std::vector<std::string>> Resolver::Keys(const Value& base, const ResolveOptions& opts, bool remove_core) const {
  AO_ASSIGN_OR_RETURN(Value listed, Get(base, Value("keys"), opts));
  std::vector<Value> raw;
  if (listed.is_list()) {
    raw = listed.list();
  } else if (listed.is_message()) {
    // A numbered message: its values in numeric order of the keys.
    std::vector<std::pair<int64_t, Value>> numbered;
    for (const auto& [k, v] : listed.message()) {
      if (IsPrivateKey(k)) continue;
      try {
        numbered.emplace_back(std::stoll(k), v);
      } catch (...) {
        return Status::InvalidArgument("keys: the device listed a non-numbered message");
      }
    }
    std::sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [n, v] : numbered) raw.push_back(std::move(v));
  } else {
    return Status::InvalidArgument("keys: the device returned " + listed.DebugString());
  }
  std::vector<std::string> out;
  out.reserve(raw.size());
  for (const Value& v : raw) {
    std::string k;
    if (v.is_binary()) {
      k = v.binary();
    } else if (v.is_integer()) {
      k = std::to_string(v.integer());
    } else if (v.is_atom()) {
      k = v.atom().name;
    } else {
      return Status::InvalidArgument("keys: not a key: " + v.DebugString());
    }
    AO_ASSIGN_OR_RETURN(std::string nk, NormalizeKey(k));
    if (remove_core && (nk == "path" || nk == "hashpath" || nk == "priv")) continue;
    out.push_back(std::move(nk));
  }
  return out;
}

Result<Value> Resolver::Remove(const Value& base, std::string_view key, const ResolveOptions& opts) const {
  Message req{{"path", Value("remove")}, {"item", Value(key)}};
  AO_ASSIGN_OR_RETURN(ResolveResult r, Resolve(base, req, opts.Internal()));
  if (!r.ok()) return Status::InvalidArgument("remove '" + std::string(key) + "': unexpected result " + r.DebugString());
  return std::move(r.value);
}

}  // namespace ao
