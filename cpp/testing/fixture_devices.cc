#include "testing/fixture_devices.h"

#include "aocore/devices/builtin_devices.h"
#include "aocore/devices/message_device.h"
#include "aocore/devices/stack_device.h"

namespace ao::testing {
namespace {

std::string Str(const Message& m, std::string_view key) {
  const Value* v = MessageFind(m, key);
  return v && v->is_binary() ? v->binary() : std::string();
}

}  // namespace

DevicePtr ArgsDevice() {
  auto dev = FunctionDevice::Map("ARGS");
  dev->AddKey("key_using_only_state", [](const DeviceCall& c) -> Result<ResolveResult> {
       return ResolveResult::Ok(Value(Str(c.base, "state_key")));
     })
      .AddKey("key_using_state_and_msg", [](const DeviceCall& c) -> Result<ResolveResult> {
        return ResolveResult::Ok(Value(Str(c.base, "state_key") + Str(c.req, "msg_key")));
      })
      .AddKey("key_using_all", [](const DeviceCall& c) -> Result<ResolveResult> {
        const Value* o = c.opts.FindUser("opts_key");
        return ResolveResult::Ok(
            Value(Str(c.base, "state_key") + Str(c.req, "msg_key") + (o && o->is_binary() ? o->binary() : "")));
      });
  return dev;
}

DevicePtr DefaultDevice() {
  auto dev = FunctionDevice::Map("DEFAULT");
  dev->AddKey("state_key", [](const DeviceCall&) -> Result<ResolveResult> { return ResolveResult::Ok(Value("STATE")); })
      .SetDefault([](const DeviceCall&) -> Result<ResolveResult> { return ResolveResult::Ok(Value("DEFAULT")); });
  return dev;
}

DevicePtr HandlerDevice() {
  auto dev = FunctionDevice::Map("HANDLER");
  dev->SetHandler([](const DeviceCall& c) -> Result<ResolveResult> {
    if (c.key == "set") {
      AO_ASSIGN_OR_RETURN(Message m, MessageSet(c.base, c.req));
      return ResolveResult::Ok(Value(std::move(m)));
    }
    return ResolveResult::Ok(Value("HANDLER VALUE"));
  });
  return dev;
}

DevicePtr SetCountDevice() {
  auto dev = FunctionDevice::Map("SETCOUNT");
  dev->AddKey("set", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    m.Set("set_count", Value(Str(c.base, "set_count") + "."));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

DevicePtr FlagDevice() {
  auto dev = FunctionDevice::Map("FLAG");
  dev->AddKey("set", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    for (const auto& [k, v] : c.req) {  // the smallest key other than path/priv
      if (k == "path" || k == "priv") continue;
      m.Set(k, v);
      break;
    }
    m.Set("modified", Value(true));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

DevicePtr ExportsDevice() {
  auto dev = FunctionDevice::Map("EXPORTS");
  dev->SetExports({"test1", "Test2"}).SetHandler([](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value("Handler-Value"));
  });
  return dev;
}

DevicePtr ExcludesDevice() {
  auto dev = FunctionDevice::Map("EXCLUDES");
  dev->SetExcludes({"set"}).SetHandler([](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value("Handler-Value"));
  });
  return dev;
}

DevicePtr AppendDevice(std::string sep, std::string status) {
  auto dev = FunctionDevice::Map("APPEND");
  dev->AddKey("append", [sep, status](const DeviceCall& c) -> Result<ResolveResult> {
    const Value* pass = MessageFind(c.base, "pass");
    if (pass && pass->is_integer() && pass->integer() == 3) return ResolveResult::Ok(Value(c.base));
    Message m = c.base;
    m.Set("result", Value(Str(c.base, "result") + sep + Str(c.req, "bin")));
    return ResolveResult::Make(status, Value(std::move(m)));
  });
  return dev;
}

DevicePtr PrefixerDevice() {
  auto dev = FunctionDevice::Map("PREFIXER");
  dev->AddKey("prefix_set", [](const DeviceCall& c) -> Result<ResolveResult> {
    std::string in = stack::InputPrefix(c.base);
    std::string out = stack::OutputPrefix(c.base);
    std::string key = Str(c.req, "key");
    AO_ASSIGN_OR_RETURN(Value v, c.resolver.Get(Value(c.req), Value(in + "/" + key), c.opts));
    AO_ASSIGN_OR_RETURN(Value r, c.resolver.Set(Value(c.base), Value(out + "/" + key), std::move(v), c.opts));
    return ResolveResult::Ok(std::move(r));
  });
  return dev;
}

DevicePtr MakeCoolDevice() {
  auto dev = FunctionDevice::Map("MAKE_COOL");
  dev->SetHandler([](const DeviceCall& c) -> Result<ResolveResult> {
    if (c.key == "keys") {
      Value::List keys;
      for (std::string& k : MessageKeys(c.base)) keys.emplace_back(std::move(k));
      return ResolveResult::Ok(Value(std::move(keys)));
    }
    Message req;
    req.Set(std::string(c.key), Value(Str(c.base, c.key) + "-Cool"));
    AO_ASSIGN_OR_RETURN(Message m, MessageSet(c.base, req));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

std::shared_ptr<DeviceRegistry> BuiltinRegistry(const BuiltinDeviceServices& services) {
  auto registry = std::make_shared<DeviceRegistry>();
  Status s = RegisterBuiltinDevices(*registry, services);
  (void)s;
  return registry;
}

std::unique_ptr<Resolver> MakeResolver(std::shared_ptr<const MessageLoader> loader,
                                       const BuiltinDeviceServices& services) {
  ResolverConfig config;
  config.registry = BuiltinRegistry(services);
  config.loader = std::move(loader);
  return std::make_unique<Resolver>(std::move(config));
}

Message WithoutPriv(const Message& m) {
  Message out = m;
  out.Erase("priv");
  return out;
}

Value WithoutPriv(const Value& v) { return v.is_message() ? Value(WithoutPriv(v.message())) : v; }

}  // namespace ao::testing
