// Node: the composition root of an aocore node. It owns the store (in memory, or LevelDB in
// `<dir>/store`), the node wallet (in memory, or `<dir>/wallet.json`, mode 0600, reloaded on
// every open so the node address survives restarts), the content cache, the device registry
// (preloaded with the built-in devices), the resolver, the scheduler registry (one
// single-writer scheduler per process, signing assignments with the node wallet), the process
// cache, the thread pool and the process workers (one per process, on the pool), and the timed
// work: one Timer, the cron@1.0 tasks (CronScheduler, resumed from the store at open) and the
// process monitors (restarted from their persisted registrations at open). The devices that
// need these get them when the node builds its device registry (devices/builtin_devices.h).
//
// Lifecycle: Open() builds everything; Close() first halts the monitors, the cron tasks and the
// timer (runs in flight finish; persisted cron tasks and monitor registrations stay for the next
// open), then stops accepting work, waits for operations in
// flight, stops the process workers (each writes a restore point and answers its waiters),
// stops and joins the pool, stops the schedulers, then closes the store. Close() is idempotent; any call after it returns
// Status::Closed. Closing from inside an operation of the same node (e.g. a device calling
// back into the node) is refused instead of deadlocking.
//
// Thread-safety: every public method is safe to call concurrently from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aocore/actor/thread_pool_executor.h"
#include "aocore/actor/timer.h"
#include "aocore/actor/worker_registry.h"
#include "aocore/ao/device_registry.h"
#include "aocore/ao/path_argument.h"
#include "aocore/ao/resolve_options.h"
#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/cache/process_cache.h"
#include "aocore/common/result.h"
#include "aocore/crypto/wallet.h"
#include "aocore/devices/cron_device.h"
#include "aocore/devices/assignment_hooks.h"
#include "aocore/message/message.h"
#include "aocore/node/node_options.h"
#include "aocore/node/process_monitor.h"
#include "aocore/scheduler/peer_schedules.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/store/store.h"

namespace ao {

class Node {
 public:
  // Opens a node. With options.store_path empty the node is in memory and, without `wallet`,
  // generates one. With a path, the directory is created if missing; the stored wallet is
  // loaded, or `wallet` (or a new one) is generated and stored. Errors: IOError/Corruption for
  // an unusable or locked store directory, InvalidArgument for a malformed wallet file.
  static Result<std::unique_ptr<Node>> Open(NodeOptions options, std::optional<Wallet> wallet = std::nullopt);

  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Idempotent. Waits for operations in flight. FailedPrecondition-like Unavailable error when
  // called from inside one of this node's own operations.
  Status Close();
  bool closed() const;

  const NodeOptions& options() const { return options_; }
  const Wallet& wallet() const { return wallet_; }
  const std::string& address() const { return address_; }

  // Stores `message` in the content cache (synced for a LevelDB node); returns its ID.
  Result<std::string> Write(const Message& message);
  // Reads a stored message or a path into one ("<id>/a/b"). NotFound when absent. With
  // `peers`, a bare message ID unknown here is fetched from the peers (checked against its
  // ID) and stored (PeerSchedules::Fetch), unless `ask_peers` is false.
  Result<Value> Read(std::string_view path, bool ask_peers = true);

  // Resolves `request` (a message with a path, or a bare path) on `base` with `opts` (start
  // from DefaultResolveOptions()). A non-ok status is a result, not an error; errors are
  // typed Statuses (no path, unknown device, a device that raised, ...).
  Result<ResolveResult> Resolve(const Value& base, const Value& request, const ResolveOptions& opts);
  // Resolves a sequence of messages (the reference's resolve_many).
  Result<ResolveResult> ResolveMany(const std::vector<ResolveStep>& steps, const ResolveOptions& opts);
  // The options every resolution on this node starts from: the node's hashpath mode, its
  // resolution bounds and its wallet (for `commit`).
  const ResolveOptions& DefaultResolveOptions() const { return default_opts_; }

  // Registers a device under "name@version" (replacing one of the same name).
  Status RegisterDevice(std::string_view name, DevicePtr device);
  // The names of the devices this node can load, sorted.
  std::vector<std::string> DeviceNames() const;
  // The path arguments of the node's devices (ao/path_argument.h), for its path requests.
  const std::vector<PathArgument>& path_arguments() const { return path_arguments_; }
  const Resolver& resolver() const { return *resolver_; }
  SchedulerRegistry& schedulers() { return *schedulers_; }
  // The process workers (metrics: live workers, slots computed, cache hits, ...).
  WorkerRegistry& workers() { return *workers_; }
  // How many Resolve/ResolveMany calls the node accepted (its API entry points; the resolutions
  // devices make inside one are not counted).
  int64_t resolves() const { return resolves_.load(std::memory_order_relaxed); }
  ProcessCache& process_cache() { return *process_cache_; }
  CronScheduler& cron() { return *cron_; }

  // The monitor of `process_id` (process_monitor.h): the running one if there is one (its
  // options stay), else a new one resuming from the persisted cursor. Its registration is
  // persisted: the node restarts it when it reopens the store, until ProcessMonitor::Stop().
  // Closed after Close().
  Result<std::shared_ptr<ProcessMonitor>> Monitor(std::string_view process_id, MonitorOptions options = {});
  // The running monitors, by process ID.
  std::vector<std::shared_ptr<ProcessMonitor>> Monitors() const;

  // An operation scope: while one is alive the node will not close underneath it.
  class Operation {
   public:
    ~Operation();
    Operation(Operation&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;

   private:
    friend class Node;
    explicit Operation(const Node* node) : node_(node) {}
    const Node* node_;
  };
  // Closed after Close().
  Result<Operation> Enter() const;

  // REQUIRES: an Operation is alive (or the caller otherwise keeps the node open).
  Store& store() { return *store_; }
  ContentCache& content() { return *content_; }

 private:
  Node(NodeOptions options, std::unique_ptr<Store> store, Wallet wallet);
  void Exit() const;
  Status Start();  // builds the services, then the device registry and resolver (called by Open)
  Status RegisterDevices();  // the built-in devices with their services, meta@1.0, options_.devices
  Result<std::shared_ptr<ProcessMonitor>> StartMonitor(const std::string& pid, MonitorOptions options,
                                                       ProcessMonitor::StartMode mode);
  Status ResumeMonitors();  // restarts the registered monitors (called by Start)

  // Constant after construction.
  const NodeOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ContentCache> content_;
  const Wallet wallet_;
  const std::string address_;
  std::shared_ptr<DeviceRegistry> registry_ = std::make_shared<DeviceRegistry>();
  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<SchedulerRegistry> schedulers_;
  std::unique_ptr<ProcessCache> process_cache_;
  std::unique_ptr<ThreadPoolExecutor> pool_;
  std::unique_ptr<WorkerRegistry> workers_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<CronScheduler> cron_;
  std::unique_ptr<PeerSchedules> peers_;  // null without a peer transport
  AssignmentHooks assignment_hooks_;  // shared by push@1.0 and scheduler@1.0
  std::vector<PathArgument> path_arguments_;
  ResolveOptions default_opts_;

  std::atomic<int64_t> resolves_{0};

  // Guarded by mu_ (a leaf lock: held only to update these fields).
  mutable std::mutex mu_;
  mutable std::condition_variable idle_;
  mutable int active_ = 0;
  bool closing_ = false;
  bool closed_ = false;
  std::map<std::string, std::shared_ptr<ProcessMonitor>, std::less<>> monitors_;
};

}  // namespace ao
