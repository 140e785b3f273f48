#include "aocore/devices/test_device.h"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "aocore/devices/message_device.h"

namespace ao {
namespace {

std::mutex& WorkersMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, TestWorkerFn, std::less<>>& Workers() {
  static std::map<std::string, TestWorkerFn, std::less<>> workers;
  return workers;
}

Result<ResolveResult> Notify(const DeviceCall& c, std::string_view event, std::string_view not_found) {
  const Value* id = MessageFind(c.req, "test-id");
  if (id == nullptr) return ResolveResult::Error(Value("No test ID found in message."));
  std::string key = id->is_binary() ? id->binary() : id->DebugString();
  TestWorkerFn fn;
  {
    std::lock_guard lock(WorkersMutex());
    auto it = Workers().find(key);
    if (it != Workers().end()) fn = it->second;
  }
  if (!fn) return ResolveResult::Error(Value(not_found));
  // Called outside the registry lock (leaf lock).
  fn(event, event == "update" ? c.req : Message());
  return ResolveResult::Ok(Value(std::move(key)));
}

Result<ResolveResult> UpdateState(const DeviceCall& c) { return Notify(c, "update", "No test worker found."); }
Result<ResolveResult> IncrementCounter(const DeviceCall& c) {
  return Notify(c, "increment", "No test worker found for increment.");
}

Result<ResolveResult> Delay(const DeviceCall& c) {
  const Value* d = MessageFind(c.base, "duration");
  if (d == nullptr) d = MessageFind(c.req, "duration");
  int64_t ms = 750;
  if (d != nullptr) {
    if (!d->is_integer() || d->integer() < 0) {
      return Status::InvalidArgument("test-device@1.0 delay: `duration` must be a non-negative integer (ms)");
    }
    ms = d->integer();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  if (const Value* r = MessageFind(c.base, "return")) return ResolveResult::Ok(*r);
  if (const Value* b = MessageFind(c.req, "body")) return ResolveResult::Ok(*b);
  return ResolveResult::Ok(Value(Message{{"result", Value("slept")}}));
}

Result<ResolveResult> InfoKey(const DeviceCall&) {
  Message paths{{"info", Value("Get device info")},
                {"test_func", Value("Test function")},
                {"compute", Value("Compute function")},
                {"init", Value("Initialize function")},
                {"restore", Value("Restore function")},
                {"mul", Value("Multiply function")},
                {"snapshot", Value("Snapshot function")},
                {"postprocess", Value("Postprocess function")},
                {"update_state", Value("Update state function")}};
  Message body{{"description", Value("Test device for testing the AO-Core framework")},
               {"version", Value("1.0")},
               {"paths", Value(std::move(paths))}};
  return ResolveResult::Ok(Value(Message{{"status", Value(200)}, {"body", Value(std::move(body))}}));
}

Result<ResolveResult> TestFunc(const DeviceCall&) { return ResolveResult::Ok(Value("GOOD_FUNCTION")); }

Result<ResolveResult> Init(const DeviceCall& c) {
  Message m = c.base;
  m.Set("already-seen", Value(Value::List{}));
  return ResolveResult::Ok(Value(std::move(m)));
}

Result<ResolveResult> Compute(const DeviceCall& c) {
  const Value* slot = MessageFind(c.req, "slot");
  Value s = slot ? *slot : Value::Symbol("undefined");
  // [slot | already-seen]: a prepend that shares the list before (no copy of it per slot).
  // The reference builds an improper list when `already-seen` is missing; start from [] here.
  const Value* before = MessageFind(c.base, "already-seen");
  Value seen = before && before->is_list() ? Value::Prepend(Value::List{s}, *before) : Value(Value::List{s});
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
      .AddKey("mul", Mul)
      .AddKey("update_state", UpdateState)
      .AddKey("increment_counter", IncrementCounter)
      .AddKey("delay", Delay)
      .AddKey("info", InfoKey);
  return dev;
}

void RegisterTestWorker(const std::string& test_id, TestWorkerFn fn) {
  std::lock_guard lock(WorkersMutex());
  if (fn) {
    Workers()[test_id] = std::move(fn);
  } else {
    Workers().erase(test_id);
  }
}

}  // namespace ao
