#include "aocore/node/node.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "aocore/common/logging.h"
#include "aocore/devices/builtin_devices.h"
#include "aocore/message/commitment.h"
#include "aocore/node/meta_device.h"
#include "aocore/node/path_request.h"
#include "aocore/node/result_cache.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"
#include "aocore/store/write_batch.h"

namespace ao {
namespace {

// How many operations of which nodes the current thread is inside; Close() from inside one of
// its own operations would wait for itself.
thread_local std::vector<const Node*> t_inside;

Result<Wallet> LoadOrCreateWallet(const std::filesystem::path& file, std::optional<Wallet> given) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    if (given) return *given;  // an explicit wallet wins for this session; the stored one stays
    Result<Wallet> loaded = Wallet::Load(file.string());
    if (!loaded.ok()) return loaded.status().WithContext("node wallet " + file.string());
    return loaded;
  }
  if (!given) {
    AO_ASSIGN_OR_RETURN(Wallet generated, Wallet::Generate());
    given.emplace(std::move(generated));
  }
  AO_RETURN_IF_ERROR(given->Save(file.string()));
  return *given;
}

// Loads base messages given by ID from the node's content cache.
class ContentLoader final : public MessageLoader {
 public:
  explicit ContentLoader(const ContentCache* content) : content_(content) {}
  Result<Message> Load(std::string_view id) const override { return content_->ReadMessage(id); }

 private:
  const ContentCache* content_;
};

}  // namespace

Result<std::unique_ptr<Node>> Node::Open(NodeOptions options, std::optional<Wallet> wallet) {
  auto log = Logger("node");
  // Options built in C++ (not through Parse) get the same documented default.
  if (options.threads <= 0) options.threads = NodeOptions::DefaultThreads();
  std::unique_ptr<Store> store;
  std::optional<Wallet> node_wallet;
  if (options.store_path.empty()) {
    store = MemoryStore::Create();
    if (wallet) {
      node_wallet = std::move(wallet);
    } else {
      AO_ASSIGN_OR_RETURN(Wallet generated, Wallet::Generate());
      node_wallet.emplace(std::move(generated));
    }
  } else {
    std::filesystem::path dir(options.store_path);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir, ec)) {
      return Status::IOError("cannot create node directory '" + dir.string() + "': " +
                             (ec ? ec.message() : "not a directory"));
    }
    Result<std::unique_ptr<LevelDbStore>> opened = LevelDbStore::Open((dir / "store").string());
    if (!opened.ok()) return opened.status();
    store = std::move(opened).value();
    Result<Wallet> loaded = LoadOrCreateWallet(dir / "wallet.json", std::move(wallet));
    if (!loaded.ok()) {
      (void)store->Close();
      return loaded.status();
    }
    node_wallet.emplace(std::move(loaded).value());
  }
  std::unique_ptr<Node> node(new Node(std::move(options), std::move(store), std::move(*node_wallet)));
  AO_RETURN_IF_ERROR(node->Start());
  log->info("node opened store={} address={}", node->store_->Describe(), node->address_);
  return node;
}

Node::Node(NodeOptions options, std::unique_ptr<Store> store, Wallet wallet)
    : options_(std::move(options)),
      store_(std::move(store)),
      content_(std::make_unique<ContentCache>(*store_)),
      wallet_(std::move(wallet)),
      address_(wallet_.Address()) {}

Status Node::RegisterDevices() {
  BuiltinDeviceServices services;
  services.process.store = store_.get();
  services.process.content = content_.get();
  services.process.process_cache = process_cache_.get();
  services.process.schedulers = schedulers_.get();
  services.process.workers = workers_.get();
  services.process.peers = peers_.get();
  services.process.wallet = &wallet_;
  services.process.address = address_;
  services.process.process_cache_frequency = options_.process_cache_frequency;
  services.process.process_workers = options_.process_workers;
  services.process.request_timeout_ms = options_.request_timeout_ms;
  services.process.default_execution_device = options_.default_execution_device;

  services.scheduler.schedulers = schedulers_.get();
  services.scheduler.store = store_.get();
  services.scheduler.content = content_.get();
  services.scheduler.peers = peers_.get();
  services.scheduler.address = address_;
  services.scheduler.follow_redirects = options_.scheduler_follow_redirects;
  services.scheduler.assignment_hooks = &assignment_hooks_;

  services.push.store = store_.get();
  services.push.content = content_.get();
  services.push.wallet = &wallet_;
  services.push.assignment_hooks = &assignment_hooks_;

  services.cron = cron_.get();

  services.wasm.store = store_.get();
  services.wasm.content = content_.get();
  services.wasm.process_cache = process_cache_.get();
  services.wasm.wasm_memory_budget = options_.wasm_memory_budget;

  AO_RETURN_IF_ERROR(RegisterBuiltinDevices(*registry_, services));
  path_arguments_ = BuiltinPathArguments();
  AO_RETURN_IF_ERROR(registry_->Register("meta@1.0", MakeMetaDevice(address_, options_.scheduling_mode)));
  for (const auto& [name, device] : options_.devices) {
    if (name.find('@') == std::string::npos) {
      return Status::InvalidArgument("device names have the form name@version, got '" + name + "'");
    }
    AO_RETURN_IF_ERROR(registry_->Register(name, device));
  }
  return Status::OK();
}

Status Node::Start() {
  // The services first, then the devices that receive them (RegisterDevices), then the resolver
  // over the filled registry (it takes its default device, message@1.0, from it).
  pool_ = std::make_unique<ThreadPoolExecutor>(static_cast<size_t>(options_.threads));

  SchedulerEnvironment env;
  env.store = store_.get();
  // A batch's assignments are signed in parallel on the pool (the scheduler thread signs too,
  // so a saturated or stopped pool only makes it slower, never stuck).
  ThreadPoolExecutor* pool = pool_.get();
  env.start_helper = [pool](std::function<void()> task) { return pool->Schedule(std::move(task)).ok(); };
  env.signing_helpers = static_cast<size_t>(options_.threads);
  const Wallet* wallet = &wallet_;
  // Deterministic salts: an assignment's signature is a function of the assignment, so the
  // scheduler can sync a reservation while it signs and re-sign it after a power loss
  // (process_scheduler.h, "Pipelined local confirmation").
  env.signer = [wallet](Message assignment) { return Commit(assignment, *wallet, SaltMode::kDeterministic); };
  env.deterministic_signer = true;
  // The caller is answered once its reservation is synced; the signed write follows on the
  // store's thread (every later read waits for it) and Start's recovery below re-signs what a
  // crash left in reservations. Takes ~0.6 ms of store work per assignment off the reply's path.
  env.defer_signed_write = true;
  // The wallet's signature is CPU work only, so a request to an idle process is scheduled on
  // its caller's thread: two thread wake-ups fewer per assignment (process_scheduler.h).
  env.schedule_on_caller = true;
  env.verifier = [](const Message& message) -> Status {
    if (Verify(message)) return Status::OK();
    return Status::InvalidArgument("the message's commitments do not verify");
  };
  env.mode = options_.scheduling_mode;
  env.uploader = options_.uploader;
  env.deadline = std::chrono::milliseconds(options_.request_timeout_ms);
  schedulers_ = std::make_unique<SchedulerRegistry>(std::move(env));
  if (Result<size_t> recovered = schedulers_->RecoverReservedAssignments(); !recovered.ok()) {
    return recovered.status().WithContext("recovering reserved assignments");
  }

  process_cache_ = std::make_unique<ProcessCache>(*store_, *content_);
  WorkerRegistryOptions worker_options;
  worker_options.max_workers = static_cast<size_t>(std::max<int64_t>(options_.max_workers, 1));
  worker_options.max_idle = std::chrono::milliseconds(std::max<int64_t>(options_.process_worker_max_idle_ms, 0));
  // The reaper looks for idle workers a few times per idle period (at most every second).
  worker_options.reap_interval = std::clamp(worker_options.max_idle / 4, std::chrono::milliseconds(10),
                                            std::chrono::milliseconds(1000));
  workers_ = std::make_unique<WorkerRegistry>(*pool_, worker_options);

  timer_ = std::make_unique<Timer>(2);
  cron_ = std::make_unique<CronScheduler>(*store_, *content_, *timer_, [this](const Message& request) -> Result<ResolveResult> {
    AO_ASSIGN_OR_RETURN(Operation op, Enter());
    ResolveOptions opts = default_opts_;
    opts.hashpath = HashpathMode::kIgnore;
    // One path resolution for HTTP, node.resolve_path and cron (path_request.h).
    const Bytes* path = request.FindBinary("path");
    if (!path) return Status::InvalidArgument("a cron task needs a path");
    Message params = request;
    params.Erase("path");
    return ResolvePath(*this, *path, params, opts);
  }, std::chrono::milliseconds(options_.request_timeout_ms));

  if (options_.peer_transport) {
    peers_ = std::make_unique<PeerSchedules>(options_.peer_transport, options_.peers, *store_, *content_,
                                             std::chrono::milliseconds(options_.request_timeout_ms), address_);
  } else if (!options_.peers.empty()) {
    return Status::InvalidArgument("the `peers` option needs a peer transport (NodeOptions::peer_transport; the "
                                   "Python package and `aocore serve` use the HTTP client)");
  }

  AO_RETURN_IF_ERROR(RegisterDevices());
  ResolverConfig config;
  config.registry = registry_;
  config.loader = std::make_shared<ContentLoader>(content_.get());
  config.cache = std::make_shared<ResultCache>(store_.get(), content_.get());
  resolver_ = std::make_unique<Resolver>(std::move(config));

  default_opts_.hashpath = options_.hashpath;
  default_opts_.max_stack_passes = options_.max_stack_passes;
  default_opts_.max_resolve_depth = options_.max_resolve_depth;
  default_opts_.priv_wallet = std::make_shared<const Wallet>(wallet_);
  AO_RETURN_IF_ERROR(cron_->Resume());
  return ResumeMonitors();
}

Status Node::ResumeMonitors() {
  auto log = Logger("monitor");
  Result<std::vector<std::string>> pids = store_->List(ProcessMonitor::kGroup);
  if (!pids.ok()) return pids.status().IsNotFound() ? Status::OK() : pids.status();
  for (const std::string& pid : *pids) {
    Result<Bytes> raw = store_->Read(ProcessMonitor::RegistrationPath(pid));
    if (!raw.ok()) {
      if (!raw.status().IsNotFound()) log->warn("monitor_resume_skipped proc={} error={}", pid, raw.status().ToString());
      continue;  // NotFound: a stopped monitor (only its cursor stays)
    }
    Result<MonitorOptions> options = ProcessMonitor::ParseRegistration(*raw);
    Result<std::shared_ptr<ProcessMonitor>> started =
        options.ok() ? StartMonitor(pid, *options, ProcessMonitor::StartMode::kResumed)
                     : Result<std::shared_ptr<ProcessMonitor>>(options.status());
    if (!started.ok()) log->warn("monitor_resume_skipped proc={} error={}", pid, started.status().ToString());
  }
  return Status::OK();
}

Result<std::shared_ptr<ProcessMonitor>> Node::Monitor(std::string_view process_id, MonitorOptions options) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  AO_ASSIGN_OR_RETURN(std::string pid, CanonicalProcessId(process_id));
  return StartMonitor(pid, options, ProcessMonitor::StartMode::kNew);
}

Result<std::shared_ptr<ProcessMonitor>> Node::StartMonitor(const std::string& pid, MonitorOptions options,
                                                           ProcessMonitor::StartMode mode) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  {
    std::lock_guard lock(mu_);
    auto it = monitors_.find(pid);
    if (it != monitors_.end() && it->second->running()) return it->second;
  }
  ProcessMonitor::Hooks hooks;
  hooks.current_slot = [this](const std::string& id) -> Result<int64_t> {
    AO_ASSIGN_OR_RETURN(Operation inner, Enter());
    return schedulers_->CurrentSlot(id);
  };
  hooks.push = [this](const std::string& id, int64_t slot) -> Result<ResolveResult> {
    AO_ASSIGN_OR_RETURN(Operation inner, Enter());
    AO_ASSIGN_OR_RETURN(Message definition, content_->ReadMessage(id));
    ResolveOptions opts = default_opts_;
    opts.hashpath = HashpathMode::kIgnore;
    return resolver_->Resolve(Value(std::move(definition)), Message{{"path", "push"}, {"slot", Value(slot)}}, opts);
  };
  hooks.forget = [this](const std::string& id) -> Status {
    AO_ASSIGN_OR_RETURN(Operation inner, Enter());
    WriteBatch batch;
    batch.Delete(ProcessMonitor::RegistrationPath(id));
    WriteOptions wo;
    wo.sync = true;
    return store_->Apply(batch, wo);
  };
  AO_ASSIGN_OR_RETURN(std::shared_ptr<ProcessMonitor> monitor,
                      ProcessMonitor::Start(pid, options, *store_, *timer_, std::move(hooks), mode));
  std::shared_ptr<ProcessMonitor> replaced;
  {
    std::lock_guard lock(mu_);
    auto& slot = monitors_[pid];
    if (slot && slot->running()) {
      replaced = monitor;  // a concurrent call won: keep its monitor
      monitor = slot;
    } else {
      slot = monitor;
    }
  }
  if (replaced) replaced->Halt();  // not Stop: the registration is the winner's too
  return monitor;
}

std::vector<std::shared_ptr<ProcessMonitor>> Node::Monitors() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<ProcessMonitor>> out;
  for (const auto& [pid, monitor] : monitors_) {
    if (monitor->running()) out.push_back(monitor);
  }
  return out;
}

Node::~Node() { (void)Close(); }

Result<Node::Operation> Node::Enter() const {
  std::lock_guard lock(mu_);
  if (closing_) return Status::Closed("the node is closed");
  ++active_;
  t_inside.push_back(this);
  return Operation(this);
}

void Node::Exit() const {
  for (auto it = t_inside.rbegin(); it != t_inside.rend(); ++it) {
    if (*it == this) {
      t_inside.erase(std::next(it).base());
      break;
    }
  }
  std::lock_guard lock(mu_);
  if (--active_ == 0) idle_.notify_all();
}

Node::Operation::~Operation() {
  if (node_) node_->Exit();
}

Status Node::Close() {
  for (const Node* n : t_inside) {
    if (n == this) return Status::Unavailable("cannot close a node from inside one of its own operations");
  }
  if (ProcessWorker::Current() != nullptr || (pool_ && pool_->InPool())) {
    return Status::Unavailable("cannot close a node from inside one of its process workers");
  }
  if (timer_ && timer_->InRunner()) {
    return Status::Unavailable("cannot close a node from inside one of its cron tasks or monitors");
  }
  // Timed work first: no monitor tick or cron run starts after this, and those in flight end.
  std::map<std::string, std::shared_ptr<ProcessMonitor>, std::less<>> monitors;
  {
    std::lock_guard lock(mu_);
    monitors.swap(monitors_);
  }
  for (auto& [pid, monitor] : monitors) monitor->Halt();  // their registrations stay
  if (cron_) cron_->Shutdown();
  if (timer_) timer_->Stop();
  {
    std::unique_lock lock(mu_);
    if (closed_) return Status::OK();
    closing_ = true;
    idle_.wait(lock, [&] { return active_ == 0; });
    if (closed_) return Status::OK();
    closed_ = true;
  }
  // Shutdown order: no new work (closing_), workers stop (each snapshots and answers its
  // waiters), the pool runs what is queued and joins, schedulers stop, then the store closes.
  if (workers_) {
    for (const std::shared_future<void>& done : workers_->Stop()) done.wait();
  }
  if (pool_) {
    pool_->Stop();
    pool_->Join();
  }
  schedulers_.reset();  // stops every scheduler (each finishes or fails its batch in flight)
  Status s = store_->Close();
  Logger("node")->info("node closed address={}", address_);
  return s;
}

bool Node::closed() const {
  std::lock_guard lock(mu_);
  return closing_;
}

Result<std::string> Node::Write(const Message& message) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  WriteOptions wo;
  wo.sync = true;
  return content_->Write(message, wo);
}

Result<Value> Node::Read(std::string_view path, bool ask_peers) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  Result<Value> local = content_->Read(path);
  if (local.ok() || !ask_peers || !local.status().IsNotFound() || peers_ == nullptr || peers_->peers().empty() ||
      !IsHumanId(path)) {
    return local;
  }
  Result<Message> fetched = peers_->Fetch(path);
  if (!fetched.ok()) return fetched.status().IsNotFound() ? local.status() : fetched.status();
  return Value(std::move(fetched).value());
}

Result<ResolveResult> Node::Resolve(const Value& base, const Value& request, const ResolveOptions& opts) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  resolves_.fetch_add(1, std::memory_order_relaxed);
  return resolver_->Resolve(base, request, opts);
}

Result<ResolveResult> Node::ResolveMany(const std::vector<ResolveStep>& steps, const ResolveOptions& opts) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  resolves_.fetch_add(1, std::memory_order_relaxed);
  return resolver_->ResolveMany(steps, opts);
}

Status Node::RegisterDevice(std::string_view name, DevicePtr device) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  if (name.find('@') == std::string_view::npos) {
    return Status::InvalidArgument("device names have the form name@version, got '" + std::string(name) + "'");
  }
  return registry_->Register(name, std::move(device));
}

std::vector<std::string> Node::DeviceNames() const { return registry_->Names(); }

}  // namespace ao
