#include "aocore/devices/stack_device.h"

#include "aocore/devices/message_device.h"
#include "aocore/message/key.h"

namespace ao {
namespace {

// Slot names that message@1.0 would compute rather than read: a stack slot under one of these
// names must go through a full resolve to behave as the reference does.
bool IsMessageFunctionName(std::string_view k) {
  static constexpr std::string_view kNames[] = {"keys",       "set",       "set_path", "set-path",
                                                "remove",     "id",        "committers", "committed",
                                                "commit",     "verify",    "get",      "info"};
  for (std::string_view n : kNames) {
    if (k == n) return true;
  }
  return false;
}

Result<std::shared_ptr<const DeviceInfo>> StackInfo(const Message& base, const ResolveOptions&) {
  static const std::shared_ptr<const DeviceInfo> kPlain = [] {
    auto info = std::make_shared<DeviceInfo>();
    info->has_handler = true;
    info->excludes = {"set", "keys"};
    return std::shared_ptr<const DeviceInfo>(std::move(info));
  }();
  const Value* stack_keys = base.Find("stack-keys");
  if (stack_keys == nullptr || !stack_keys->is_list()) return kPlain;
  auto info = std::make_shared<DeviceInfo>(*kPlain);
  std::vector<std::string> exports;
  for (const Value& k : stack_keys->list()) {
    if (!k.is_binary()) continue;
    Result<std::string> nk = NormalizeKey(k.binary());
    exports.push_back(nk.ok() ? std::move(nk).value() : k.binary());
  }
  info->exports = std::move(exports);
  return std::shared_ptr<const DeviceInfo>(std::move(info));
}

Result<std::string> SlotName(const Value& key) {
  if (key.is_integer()) return std::to_string(key.integer());
  if (key.is_binary()) return NormalizeKey(key.binary());
  return Status::InvalidArgument("stack@1.0: a slot must be an integer or a binary, not " + key.DebugString());
}

// The stack's device in slot `name`, or nullopt.
Result<std::optional<Value>> SlotDevice(const Resolver& resolver, const Value& stack, const std::string& name,
                                        const ResolveOptions& opts) {
  if (stack.is_message() && !stack.message().Contains("device") && !IsMessageFunctionName(name)) {
    const Value* v = MessageFind(stack.message(), name);
    if (v == nullptr) return std::optional<Value>();
    return std::optional<Value>(*v);
  }
  if (stack.is_list() && !IsMessageFunctionName(name)) {
    // A list resolves as its numbered message, which has no `device`: message@1.0's get, i.e.
    // this lookup (as for a message above), without a resolution per slot per pass.
    const Message numbered = ListToMessage(stack.list());
    const Value* v = MessageFind(numbered, name);
    if (v == nullptr) return std::optional<Value>();
    return std::optional<Value>(*v);
  }
  AO_ASSIGN_OR_RETURN(ResolveResult r, resolver.Resolve(stack, Value(name), opts.Internal()));
  if (!r.ok()) return std::optional<Value>();
  return std::optional<Value>(std::move(r.value));
}

Result<ResolveResult> ErrorStrategy(const Message& m, const Message& req, int64_t slot, const Value& info,
                                    const ResolveOptions& opts) {
  if (opts.error_strategy == "stop") {
    return ResolveResult::Error(Value(Message{{"error", Value("stack_call_failed")},
                                              {"base", Value(m)},
                                              {"request", Value(req)},
                                              {"slot", Value(slot)},
                                              {"info", info}}));
  }
  if (opts.error_strategy == "throw") {
    return Status::Internal("stack@1.0 device_failed: slot " + std::to_string(slot) + ": " + info.DebugString());
  }
  return Status::InvalidArgument("stack@1.0: unknown error_strategy '" + opts.error_strategy +
                                 "' (expected throw or stop)");
}

Result<ResolveResult> Fold(const DeviceCall& c) {
  const Resolver& resolver = c.resolver;
  const ResolveOptions internal = c.opts.Internal();
  const Value* init_device = c.base.Find("device");
  const Value* pass_before = MessageFind(c.base, "pass");
  Value starting_pass = pass_before ? *pass_before : Value::Symbol("unset");

  AO_ASSIGN_OR_RETURN(Value started, resolver.Set(Value(c.base), Value("pass"), Value(1), internal));
  if (!started.is_message()) return Status::InvalidArgument("stack@1.0: setting `pass` did not give a message");
  Value m = std::move(started);  // the current message (a Value: no copies between slots)
  int64_t slot = 1;
  int64_t passes = 0;
  Value final_message;
  while (true) {
    Result<Message> t = stack::Transform(resolver, m.message(), Value(slot), c.opts);
    if (!t.ok()) {
      if (t.status().IsNotFound()) {  // the first missing slot ends the fold
        final_message = std::move(m);
        break;
      }
      return t.status();
    }
    Value transformed(std::move(t).value());
    AO_ASSIGN_OR_RETURN(ResolveResult r, resolver.Resolve(transformed, c.req, c.opts));
    const bool is_map = r.value.is_message();
    if (r.ok() && is_map) {
      m = std::move(r.value);
      ++slot;
    } else if (r.IsNotFound()) {  // the device lacks the key: skip the slot
      m = std::move(transformed);
      ++slot;
    } else if (r.ok()) {
      return r;  // a raw value short-circuits, without restoration
    } else if (r.Is(kStatusSkip) && is_map) {
      final_message = std::move(r.value);
      break;
    } else if (r.Is(kStatusPass) && is_map) {
      if (++passes > c.opts.max_stack_passes) {
        return Status::InvalidArgument("stack@1.0: more than " + std::to_string(c.opts.max_stack_passes) +
                                       " passes (max_stack_passes)");
      }
      const Value* pass = MessageFind(r.value.message(), "pass");
      if (pass == nullptr || !pass->is_integer()) {
        return Status::InvalidArgument("stack@1.0: a pass result has no integer `pass`");
      }
      AO_ASSIGN_OR_RETURN(Value next, resolver.Set(r.value, Value("pass"), Value(pass->integer() + 1), internal));
      if (!next.is_message()) return Status::InvalidArgument("stack@1.0: setting `pass` did not give a message");
      m = std::move(next);
      slot = 1;
    } else if (r.Is(kStatusError)) {
      return ErrorStrategy(m.message(), c.req, slot, r.value, c.opts);
    } else {
      return ErrorStrategy(m.message(), c.req, slot,
                           Value(Message{{"unexpected_result", Value(r.status)}, {"value", r.value}}), c.opts);
    }
  }
  // Restoration: the stack's own device, the prefixes from before, `pass` as it was.
  Message restore;
  if (init_device != nullptr) restore.Set("device", *init_device);
  const Message& fin = final_message.message();
  if (const Value* p = MessageFind(fin, "previous-input-prefix")) restore.Set("input-prefix", *p);
  if (const Value* p = MessageFind(fin, "previous-output-prefix")) restore.Set("output-prefix", *p);
  restore.Set("device-key", Value::Symbol("unset"));
  restore.Set("device-stack-previous", Value::Symbol("unset"));
  restore.Set("pass", std::move(starting_pass));
  AO_ASSIGN_OR_RETURN(Message restored, MessageSet(fin, restore));
  return ResolveResult::Ok(Value(std::move(restored)));
}

Result<ResolveResult> MapMode(const DeviceCall& c) {
  const Value* stack = MessageFind(c.base, "device-stack");
  if (stack == nullptr) return Status::InvalidArgument("stack@1.0: no_valid_device_stack");
  Message slots;
  if (stack->is_list()) {
    slots = ListToMessage(stack->list());
  } else if (stack->is_message()) {
    AO_ASSIGN_OR_RETURN(slots, NormalizeKeys(stack->message()));
  } else {
    return Status::InvalidArgument("stack@1.0: `device-stack` is not a message");
  }
  Message out;
  for (const auto& [k, dev] : slots) {
    if (k == "path" || k == "hashpath" || k == "priv") continue;
    AO_ASSIGN_OR_RETURN(Message t, stack::Transform(c.resolver, c.base, Value(k), c.opts));
    AO_ASSIGN_OR_RETURN(ResolveResult r, c.resolver.Resolve(Value(std::move(t)), c.req, c.opts));
    if (r.ok()) out.Set(k, std::move(r.value));
  }
  return ResolveResult::Ok(Value(std::move(out)));
}

const DevicePtr& Transformer();

Result<ResolveResult> Router(const DeviceCall& c) {
  Result<std::string> nk = NormalizeKey(c.key);
  if (nk.ok() && *nk == "transform") {
    Message m = c.base;
    m.Set("device", Value(Transformer()));
    return ResolveResult::Ok(Value(std::move(m)));
  }
  const Value* mode = nullptr;
  Value from_request;
  if (!c.req.Contains("device")) {
    mode = MessageFind(c.req, "mode");
  } else {
    AO_ASSIGN_OR_RETURN(from_request, c.resolver.Get(Value(c.req), Value("mode"), Value::Symbol("undefined"),
                                                     c.opts.Internal()));
    if (!from_request.IsAtom("undefined")) mode = &from_request;
  }
  if (mode == nullptr) mode = MessageFind(c.base, "mode");
  if (mode == nullptr) return Fold(c);
  if (mode->is_binary() && mode->binary() == "Fold") return Fold(c);
  if (mode->is_binary() && mode->binary() == "Map") return MapMode(c);
  return Status::InvalidArgument("stack@1.0: unknown mode " + mode->DebugString() +
                                 " (only \"Fold\" and \"Map\", case-sensitive)");
}

const DevicePtr& Transformer() {
  static const DevicePtr kTransformer = [] {
    auto dev = FunctionDevice::Map("stack@1.0/transformer");
    dev->SetInfoFn(StackInfo).SetHandler([](const DeviceCall& c) -> Result<ResolveResult> {
      AO_ASSIGN_OR_RETURN(Message m, stack::Transform(c.resolver, c.base, Value(c.key), c.opts));
      return ResolveResult::Ok(Value(std::move(m)));
    });
    return DevicePtr(std::move(dev));
  }();
  return kTransformer;
}

}  // namespace

namespace stack {

Result<Message> Transform(const Resolver& resolver, const Message& base, const Value& key,
                          const ResolveOptions& opts) {
  const Value* stack = MessageFind(base, "device-stack");
  if (stack == nullptr) return Status::InvalidArgument("stack@1.0: no_valid_device_stack");
  AO_ASSIGN_OR_RETURN(std::string name, SlotName(key));
  AO_ASSIGN_OR_RETURN(std::optional<Value> dev, SlotDevice(resolver, *stack, name, opts));
  if (!dev) return Status::NotFound("stack@1.0: no device in slot '" + name + "'");
  Message m = base;
  m.Set("device", std::move(*dev));
  m.Set("device-key", key);
  if (const Value* prefixes = MessageFind(base, "input-prefixes"); prefixes && prefixes->is_message()) {
    if (const Value* p = MessageFind(prefixes->message(), name)) m.Set("input-prefix", *p);
  }
  if (const Value* prefixes = MessageFind(base, "output-prefixes"); prefixes && prefixes->is_message()) {
    if (const Value* p = MessageFind(prefixes->message(), name)) m.Set("output-prefix", *p);
  }
  // Read "as message@1.0" in the reference, so always the message@1.0 module symbol.
  m.Set("previous-device", Value::Symbol("dev_message"));
  if (const Value* p = MessageFind(base, "input-prefix")) m.Set("previous-input-prefix", *p);
  if (const Value* p = MessageFind(base, "output-prefix")) m.Set("previous-output-prefix", *p);
  return m;
}

std::string InputPrefix(const Message& base) {
  const Value* p = MessageFind(base, "input-prefix");
  return p && p->is_binary() ? p->binary() : std::string();
}

std::string OutputPrefix(const Message& base) {
  const Value* p = MessageFind(base, "output-prefix");
  return p && p->is_binary() ? p->binary() : std::string();
}

}  // namespace stack

DevicePtr MakeStackDevice() {
  auto dev = FunctionDevice::Module("stack@1.0");
  dev->SetInfoFn(StackInfo).SetHandler(Router);
  return dev;
}

}  // namespace ao
