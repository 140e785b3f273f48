// B1-B3 of shared/BENCHMARKS.md with C++ devices: resolve key `a` on {a: 1}; `set` on a 1-key
// message; the 5-device append stack. Each in hashpath "ignore" and "update" (update needs the
// real HashPath code; until it is linked those runs report an error and stop).
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "aocore/ao/resolver.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/devices/message_device.h"

namespace {

using ao::HashpathMode;

std::unique_ptr<ao::Resolver> MakeResolver() {
  auto registry = std::make_shared<ao::DeviceRegistry>();
  (void)ao::RegisterBuiltinDevices(*registry);
  return std::make_unique<ao::Resolver>(ao::ResolverConfig{registry});
}

ao::ResolveOptions Opts(benchmark::State& state) {
  ao::ResolveOptions o;
  o.hashpath = state.range(0) ? HashpathMode::kUpdate : HashpathMode::kIgnore;
  return o;
}

void Check(benchmark::State& state, const ao::Result<ao::ResolveResult>& r) {
  if (!r.ok() || !r->ok()) state.SkipWithError(r.ok() ? r->DebugString().c_str() : r.status().ToString().c_str());
}

void B1_ResolveKey(benchmark::State& state) {
  auto resolver = MakeResolver();
  ao::ResolveOptions opts = Opts(state);
  ao::Message base{{"a", 1}};
  for (auto _ : state) {
    auto r = resolver->Resolve(base, std::string_view("a"), opts);
    Check(state, r);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(B1_ResolveKey)->Arg(0)->Arg(1);

void B2_Set(benchmark::State& state) {
  auto resolver = MakeResolver();
  ao::ResolveOptions opts = Opts(state);
  ao::Value base(ao::Message{{"a", 1}});
  ao::Message req{{"path", "set"}, {"b", 2}};
  for (auto _ : state) {
    auto r = resolver->Resolve(base, req, opts);
    Check(state, r);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(B2_Set)->Arg(0)->Arg(1);

ao::DevicePtr Append(std::string tag) {
  auto dev = ao::FunctionDevice::Map("APPEND");
  dev->AddKey("append", [tag](const ao::DeviceCall& c) -> ao::Result<ao::ResolveResult> {
    ao::Message m = c.base;
    const ao::Bytes* result = m.FindBinary("result");
    const ao::Bytes* bin = c.req.FindBinary("bin");
    m.Set("result", ao::Value((result ? *result : "") + tag + (bin ? *bin : "")));
    return ao::ResolveResult::Ok(ao::Value(std::move(m)));
  });
  return dev;
}

void B3_AppendStack(benchmark::State& state) {
  auto resolver = MakeResolver();
  ao::ResolveOptions opts = Opts(state);
  ao::Message stack;
  for (int i = 1; i <= 5; ++i) stack.Set(std::to_string(i), ao::Value(Append("+D" + std::to_string(i))));
  ao::Value base(ao::Message{{"device", "stack@1.0"}, {"device-stack", ao::Value(stack)}, {"result", "INIT"}});
  ao::Message req{{"path", "append"}, {"bin", "2"}};
  for (auto _ : state) {
    auto r = resolver->Resolve(base, req, opts);
    Check(state, r);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(B3_AppendStack)->Arg(0)->Arg(1);

}  // namespace
