#include "aocore/wasm/ao_instance.h"

#include <cstring>
#include <limits>

#include "aocore/wasm/heap_growth.h"
#include "aocore/wasm/wasm_runtime.h"

namespace ao::wasm {
namespace {

HostFault FaultOf(const wasmtime::TrapError& error) {
  HostFault fault{HostFault::Kind::kTrap, error.message()};
  if (const auto* trap = std::get_if<wasmtime::Trap>(&error.data)) {
    if (auto code = trap->code();
        code && (*code == WASMTIME_TRAP_CODE_OUT_OF_FUEL || *code == WASMTIME_TRAP_CODE_INTERRUPT)) {
      fault.kind = HostFault::Kind::kComputeLimit;
    }
  }
  return fault;
}

}  // namespace

AoInstance::AoInstance(std::shared_ptr<const AoModule> module, InstanceOptions options)
    : module_(std::move(module)), options_(std::move(options)) {}

AoInstance::~AoInstance() = default;

Result<std::unique_ptr<AoInstance>> AoInstance::Create(std::shared_ptr<const AoModule> module,
                                                       InstanceOptions options) {
  if (options.memory && options.memory->size() > module->max_memory_bytes()) {
    return Status::InvalidArgument("memory image of " + std::to_string(options.memory->size()) +
                                   " bytes exceeds the module's maximum of " +
                                   std::to_string(module->max_memory_bytes()));
  }
  if (options.memory && options.memory->size() % kWasmPageSize != 0) {
    return Status::InvalidArgument("a memory image must be a whole number of 64 KiB pages");
  }
  std::unique_ptr<AoInstance> instance(new AoInstance(std::move(module), std::move(options)));
  AO_RETURN_IF_ERROR(instance->Start());
  return instance;
}

Status AoInstance::Start() {
  broken_ = true;  // until this start completes
  instance_.reset();
  linker_.reset();
  host_.reset();
  store_ = std::make_unique<wasmtime::Store>(WasmRuntime::Default().engine());
  if (options_.memory_limit) {
    store_->limiter(static_cast<int64_t>(options_.memory_limit), -1, -1, -1, -1);
  }
  (void)store_->context().set_fuel(std::numeric_limits<uint64_t>::max());
  host_ = std::make_unique<EmscriptenHost>(module_->is_64(), options_.clock);
  linker_ = std::make_unique<wasmtime::Linker>(WasmRuntime::Default().engine());
  AO_RETURN_IF_ERROR(host_->DefineImports(*linker_, module_->interface()));
  auto cx = store_->context();
  auto inst = linker_->instantiate(cx, module_->compiled());
  if (!inst) return Status::InvalidArgument("instantiating the module: " + inst.err().message());
  instance_ = inst.ok();
  if (auto r = host_->Start(cx, *instance_); !r) {
    return Status::InvalidArgument("the module's start-up trapped: " + r.err().message());
  }
  if (options_.memory) {
    const std::string& image = *options_.memory;
    // ao-loader: resizeHeap(buffer.byteLength) when the instance is smaller, then HEAPU8.set.
    if (!host_->GrowTo(cx, image.size())) {
      return Status::InvalidArgument("cannot grow the memory to the image's " + std::to_string(image.size()) +
                                     " bytes (memory limit)");
    }
    uint8_t* dst = host_->guest().At(cx, 0, image.size());
    std::memcpy(dst, image.data(), image.size());
  }
  broken_ = false;
  return Status::OK();
}

Result<HandleOutcome> AoInstance::Handle(std::string_view msg, std::string_view env) {
  if (broken_) return Status::Closed("this AO instance could not be restored after a trap");
  auto cx = store_->context();
  (void)cx.set_fuel(options_.compute_limit ? options_.compute_limit : std::numeric_limits<uint64_t>::max());
  auto r = host_->CallHandle(cx, msg, env);
  if (r) return HandleOutcome{r.ok(), std::nullopt};
  HostFault fault = host_->fault() ? *host_->fault() : FaultOf(r.err());
  if (fault.kind == HostFault::Kind::kComputeLimit) {
    fault.message = "compute limit exceeded (" + std::to_string(options_.compute_limit) + " fuel units)";
  }
  AO_RETURN_IF_ERROR(Start());
  return HandleOutcome{"", std::move(fault)};
}

std::string_view AoInstance::MemoryView() {
  if (broken_) return {};  // the rebuild after a trap failed: there is no memory to show
  auto span = host_->guest().memory().data(store_->context());
  return std::string_view(reinterpret_cast<const char*>(span.data()), span.size());
}

std::string AoInstance::Memory() { return std::string(MemoryView()); }

int64_t AoInstance::clock() const { return broken_ ? options_.clock : host_->clock(); }

uint64_t AoInstance::stdout_bytes() const { return broken_ ? 0 : host_->stdout_bytes(); }

Status AoInstance::Reset() { return Start(); }

void AoInstance::SetClock(int64_t clock) {
  if (!broken_) host_->set_clock(clock);
}

uint64_t AoInstance::ResidentBytes() {
  return MemoryView().size() + (options_.memory ? options_.memory->size() : 0);
}

void AoInstance::Checkpoint() {
  if (broken_) return;
  const std::string_view now = MemoryView();
  if (options_.memory) {
    // Overwrite the previous image in place: a fresh 105 MiB buffer costs a page fault per 4 KiB
    // page (and freeing the old one an munmap), which was about a third of a node's hot path.
    options_.memory->assign(now.data(), now.size());
  } else {
    options_.memory = std::string(now);
  }
  options_.clock = host_->clock();
}

}  // namespace ao::wasm
