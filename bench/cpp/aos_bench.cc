// AOS on Wasmtime (issue 16): hot Eval("return 1+1") messages/s on a resident instance, cold
// start with the module compiled (instantiate + boot + the process message), and module
// compile / deserialise times. Inputs are the CU message shapes of the shared scenario.
#include <fstream>
#include <iterator>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <wasmtime.hh>

#include "aocore/wasm/ao_instance.h"
#include "aocore/wasm/ao_module.h"
#include "aocore/wasm/wasm_runtime.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Inputs {
  std::string wasm, env, process_msg, eval_msg;
};

const Inputs& GetInputs() {
  static const Inputs inputs = [] {
    Inputs in;
    in.wasm = ReadFile(std::string(AOCORE_AOS_MODULES_DIR) + "/aos2_0_6.wasm");
    auto expected = nlohmann::json::parse(ReadFile(std::string(AOCORE_TEST_DATA_DIR) + "/aos/expected_aos2_0_6.json"));
    in.env = expected["env"];
    in.process_msg = expected["steps"][0]["msg"];
    in.eval_msg = expected["steps"][1]["msg"];
    return in;
  }();
  return inputs;
}

std::shared_ptr<ao::wasm::AoModule> LoadModule(benchmark::State& state) {
  auto module = ao::wasm::AoModule::Load(GetInputs().wasm, ao::wasm::kFormatWasm64,
                                         ao::wasm::WasmRuntime::DefaultCacheDir());
  if (!module.ok()) state.SkipWithError(module.status().ToString().c_str());
  return module.ok() ? *module : nullptr;
}

void Aos_EvalResident(benchmark::State& state) {
  auto module = LoadModule(state);
  if (!module) return;
  auto inst = module->Instantiate({});
  if (!inst.ok() || !(*inst)->Handle(GetInputs().process_msg, GetInputs().env).ok()) {
    state.SkipWithError("boot failed");
    return;
  }
  for (auto _ : state) {
    auto out = (*inst)->Handle(GetInputs().eval_msg, GetInputs().env);
    if (!out.ok() || out->trapped) state.SkipWithError("eval failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Aos_EvalResident)->Unit(benchmark::kMillisecond);

void Aos_ColdStartToFirstResult(benchmark::State& state) {
  auto module = LoadModule(state);
  if (!module) return;
  for (auto _ : state) {
    auto inst = module->Instantiate({});
    if (!inst.ok() || !(*inst)->Handle(GetInputs().process_msg, GetInputs().env).ok()) state.SkipWithError("boot failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Aos_ColdStartToFirstResult)->Unit(benchmark::kMillisecond);

void Aos_CompileModule(benchmark::State& state) {
  auto& engine = ao::wasm::WasmRuntime::Default().engine();
  const std::string& wasm = GetInputs().wasm;
  for (auto _ : state) {
    auto m = wasmtime::Module::compile(
        engine, wasmtime::Span<uint8_t>(reinterpret_cast<uint8_t*>(const_cast<char*>(wasm.data())), wasm.size()));
    if (!m) state.SkipWithError("compile failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Aos_CompileModule)->Unit(benchmark::kMillisecond)->Iterations(2);

void Aos_DeserialiseCompiledModule(benchmark::State& state) {
  auto& engine = ao::wasm::WasmRuntime::Default().engine();
  const std::string& wasm = GetInputs().wasm;
  auto m = wasmtime::Module::compile(
      engine, wasmtime::Span<uint8_t>(reinterpret_cast<uint8_t*>(const_cast<char*>(wasm.data())), wasm.size()));
  auto bytes = m.ok().serialize();
  std::vector<uint8_t> serialised = bytes.ok();
  for (auto _ : state) {
    auto d = wasmtime::Module::deserialize(engine, wasmtime::Span<uint8_t>(serialised.data(), serialised.size()));
    if (!d) state.SkipWithError("deserialise failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Aos_DeserialiseCompiledModule)->Unit(benchmark::kMillisecond);

}  // namespace
