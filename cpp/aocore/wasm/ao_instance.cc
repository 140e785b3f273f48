#include "aocore/wasm/ao_instance.h"

#include <time.h>

#include <algorithm>
#include <cstring>

#include "aocore/common/bytes.h"
#include "aocore/wasm/heap_growth.h"
#include "aocore/wasm/resident_pages.h"
#include "aocore/wasm/wasm_runtime.h"

namespace ao::wasm {
namespace {

constexpr uint64_t kSparsePage = kResidentPageSize;
// Below this, reading the bytes is cheaper than asking the kernel which pages were written.
constexpr uint64_t kAskKernelFrom = uint64_t{1} << 20;
// An epoch deadline no run reaches (ticks beyond the current epoch).
constexpr uint64_t kNoDeadline = uint64_t{1} << 62;

// CPU time of the calling thread: wasm runs on the thread that calls it, and the deadline
// callback runs there too, so a call's CPU time does not count time the thread waited for a core.
uint64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool IsZero(const uint8_t* p, uint64_t len) {
  return IsAllZero(std::string_view(reinterpret_cast<const char*>(p), len));
}

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
  std::optional<std::string> owned = std::move(options.memory);
  options.memory.reset();
  const std::optional<std::string_view> image =
      owned ? std::optional<std::string_view>(*owned)
            : (options.memory_view.data() != nullptr ? std::optional<std::string_view>(options.memory_view)
                                                     : std::nullopt);
  options.memory_view = {};
  // The pieces' function need only live until here (its captures are the caller's).
  std::function<Status(const InstanceOptions::MemoryPut&)> pieces =
      image ? nullptr : std::move(options.memory_pieces);
  options.memory_pieces = nullptr;
  const uint64_t size = image ? image->size() : options.memory_size;
  if ((image || pieces) && size > module->max_memory_bytes()) {
    return Status::InvalidArgument("memory image of " + std::to_string(size) +
                                   " bytes exceeds the module's maximum of " +
                                   std::to_string(module->max_memory_bytes()));
  }
  if ((image || pieces) && size % kWasmPageSize != 0) {
    return Status::InvalidArgument("a memory image must be a whole number of 64 KiB pages");
  }
  std::unique_ptr<AoInstance> instance(new AoInstance(std::move(module), std::move(options)));
  if (image) {
    instance->checkpoint_.emplace(SparseImage{});
    Capture(*image, *instance->checkpoint_);
  } else if (pieces) {
    SparseImage& into = instance->checkpoint_.emplace(SparseImage{});
    into.size = size;
    uint64_t end = 0;  // where the previous piece ended
    AO_RETURN_IF_ERROR(pieces([&](uint64_t offset, std::string_view bytes) -> Status {
      if (offset % kSparsePage != 0 || offset < end || bytes.size() > size - std::min(offset, size)) {
        return Status::InvalidArgument("a memory image piece of " + std::to_string(bytes.size()) + " bytes at " +
                                       std::to_string(offset) + " is out of order, unaligned or beyond the image's " +
                                       std::to_string(size) + " bytes");
      }
      CapturePages(bytes, offset, into);
      end = offset + bytes.size();
      return Status::OK();
    }));
  }
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
  // Called on this thread when the epoch passes the store's deadline (one tick after a limited
  // call starts, then every tick): stops the call once it has used its CPU time.
  store_->epoch_deadline_callback(
      [this](wasmtime::Store::Context, uint64_t& delta) -> wasmtime::Result<wasmtime::DeadlineKind> {
        if (!limiting_) {
          delta = kNoDeadline;
        } else if (ThreadCpuNs() - call_cpu_start_ns_ >= options_.compute_limit_ms * 1'000'000u) {
          limit_hit_ = true;
          return wasmtime::Error("compute limit exceeded");
        } else {
          delta = 1;
        }
        return wasmtime::DeadlineKind::Continue;
      });
  limiting_ = false;
  store_->context().set_epoch_deadline(kNoDeadline);
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
  if (checkpoint_) {
    const SparseImage& image = *checkpoint_;
    // Booting can have written only below the size it left; what GrowTo adds is zero.
    const uint64_t booted = host_->guest().memory().data(cx).size();
    // ao-loader: resizeHeap(buffer.byteLength) when the instance is smaller, then HEAPU8.set.
    if (!host_->GrowTo(cx, image.size)) {
      return Status::InvalidArgument("cannot grow the memory to the image's " + std::to_string(image.size) +
                                     " bytes (memory limit)");
    }
    // The same bytes as copying the whole image: its pages where it has them, zero elsewhere
    // (a page of the new memory is already zero unless booting wrote to it; checking one
    // faults it in, so the grown pages are not checked).
    uint8_t* dst = host_->guest().At(cx, 0, image.size);
    // Of the booted pages, only those the kernel says were written need checking.
    const std::optional<std::vector<std::pair<uint64_t, uint64_t>>> written = MaybeNonZeroRanges(dst, booted);
    size_t range = 0;
    auto may_be_nonzero = [&](uint64_t at) {
      if (!written) return true;
      while (range < written->size() && (*written)[range].second <= at) ++range;
      return range < written->size() && (*written)[range].first <= at;
    };
    size_t next = 0;
    for (uint64_t at = 0; at < image.size; at += kSparsePage) {
      const uint64_t len = std::min<uint64_t>(kSparsePage, image.size - at);
      if (next < image.offsets.size() && image.offsets[next] == at) {
        std::memcpy(dst + at, image.pages.data() + next * kSparsePage, len);
        ++next;
      } else if (at < booted && may_be_nonzero(at) && !IsZero(dst + at, len)) {
        std::memset(dst + at, 0, len);
      }
    }
  }
  broken_ = false;
  return Status::OK();
}

Result<HandleOutcome> AoInstance::Handle(std::string_view msg, std::string_view env) {
  if (broken_) return Status::Closed("this AO instance could not be restored after a trap");
  auto cx = store_->context();
  limiting_ = options_.compute_limit_ms > 0;
  limit_hit_ = false;
  wasmtime::TrapResult<std::string> r = [&] {
    if (!limiting_) {
      cx.set_epoch_deadline(kNoDeadline);
      return host_->CallHandle(cx, msg, env);
    }
    WasmRuntime::TickingScope ticking(WasmRuntime::Default());
    call_cpu_start_ns_ = ThreadCpuNs();
    cx.set_epoch_deadline(1);
    return host_->CallHandle(cx, msg, env);
  }();
  limiting_ = false;
  if (r) return HandleOutcome{r.ok(), std::nullopt};
  HostFault fault = limit_hit_ ? HostFault{HostFault::Kind::kComputeLimit, ""}
                               : (host_->fault() ? *host_->fault() : FaultOf(r.err()));
  if (fault.kind == HostFault::Kind::kComputeLimit) {
    fault.message = "compute limit exceeded (" + std::to_string(options_.compute_limit_ms) + " ms of CPU time)";
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
  return MemoryView().size() + (checkpoint_ ? checkpoint_->pages.size() : 0);
}

void AoInstance::Capture(std::string_view memory, SparseImage& into) {
  // Reuses the buffers of the previous checkpoint: no allocation once they are large enough.
  into.size = memory.size();
  into.offsets.clear();
  into.pages.clear();
  CapturePages(memory, 0, into);
}

void AoInstance::CapturePages(std::string_view bytes, uint64_t offset, SparseImage& into) {
  // A linear memory is mostly pages never written: the kernel lists the others, so the zero
  // ones are not read (reading 105 MiB cost ~2% of an AOS message at a checkpoint every 64).
  std::optional<std::vector<std::pair<uint64_t, uint64_t>>> written;
  if (bytes.size() >= kAskKernelFrom) written = MaybeNonZeroRanges(bytes.data(), bytes.size());
  if (!written) return CaptureRange(bytes, 0, bytes.size(), offset, into);
  for (const auto& [from, to] : *written) CaptureRange(bytes, from, to, offset, into);
}

void AoInstance::CaptureRange(std::string_view bytes, uint64_t from, uint64_t to, uint64_t offset,
                              SparseImage& into) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  for (uint64_t at = from; at < to; at += kSparsePage) {
    const uint64_t len = std::min<uint64_t>(kSparsePage, bytes.size() - at);
    if (IsZero(p + at, len)) continue;
    into.offsets.push_back(offset + at);
    into.pages.append(bytes.data() + at, len);
    into.pages.resize(into.offsets.size() * kSparsePage);  // a short last page, padded
  }
}

void AoInstance::Checkpoint() {
  if (broken_) return;
  if (!checkpoint_) checkpoint_.emplace(SparseImage{});
  Capture(MemoryView(), *checkpoint_);
  options_.clock = host_->clock();
}

}  // namespace ao::wasm
