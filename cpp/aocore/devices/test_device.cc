#include "aocore/devices/test_device.h"

#include "aocore/devices/message_device.h"

namespace ao {
namespace {

Result<ResolveResult> TestFunc(const DeviceCall&) { return ResolveResult::Ok(Value("GOOD_FUNCTION")); }

Result<ResolveResult> Init(const DeviceCall& c) {
  Message m = c.base;
  m.Set("already-seen", Value(Value::List{}));
  return ResolveResult::Ok(Value(std::move(m)));
}

Result<ResolveResult> Compute(const DeviceCall& c) {
  const Value* slot = MessageFind(c.req, "slot");
  Value s = slot ? *slot : Value::Symbol("undefined");
  Value::List seen{s};
  // The reference builds an improper list when `already-seen` is missing; start from [] here.
  if (const Value* before = MessageFind(c.base, "already-seen"); before && before->is_list()) {
    seen.insert(seen.end(), before->list().begin(), before->list().end());
  }
  Message m = c.base;
  m.Set("random-key", Value("random-value"));
  m.Set("results", Value(Message{{"assignment-slot", s}}));
  m.Set("already-seen", Value(std::move(seen)));
  return ResolveResult::Ok(Value(std::move(m)));
}

Result<ResolveResult> Restore(const DeviceCall& c) {
  const Value* seen = MessageFind(c.base, "already-seen");
  if (seen == nullptr) return ResolveResult::Error(Value("No viable state to restore."));
  // hb_private:set(base, "test-key/started-state", seen): a deep set inside priv.
  Message m = c.base;
  const Message* priv = m.FindMessage("priv");
  Message p = priv ? *priv : Message();
  const Message* tk = p.FindMessage("test-key");
  Message inner = tk ? *tk : Message();
  inner.Set("started-state", *seen);
  p.Set("test-key", Value(std::move(inner)));
  m.Set("priv", Value(std::move(p)));
  return ResolveResult::Ok(Value(std::move(m)));
}

Result<ResolveResult> Snapshot(const DeviceCall&) { return ResolveResult::Ok(Value(Message())); }

Result<ResolveResult> Mul(const DeviceCall& c) {
  const Value* args = MessageFind(c.req, "args");
  if (args == nullptr || !args->is_list() || args->list().size() != 2 || !args->list()[0].is_integer() ||
      !args->list()[1].is_integer()) {
    return Status::InvalidArgument("test-device@1.0 mul: `args` must be a list of two integers");
  }
  const Value* state = MessageFind(c.base, "state");
  return ResolveResult::Ok(Value(Message{
      {"state", state ? *state : Value::Symbol("undefined")},
      {"results", Value(Value::List{Value(args->list()[0].integer() * args->list()[1].integer())})}}));
}

}  // namespace

DevicePtr MakeTestDevice() {
  auto dev = FunctionDevice::Module("test-device@1.0");
  dev->AddKey("test_func", TestFunc)
      .AddKey("init", Init)
      .AddKey("compute", Compute)
      .AddKey("restore", Restore)
      .AddKey("snapshot", Snapshot)
      .AddKey("mul", Mul);
  return dev;
}

}  // namespace ao
