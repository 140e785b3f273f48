// NodeServices: what a node lends to the devices that need more than their messages — the
// store and content cache, the scheduler registry, the node wallet and the node options that
// devices read. The Node fills it once at open and points ResolveOptions::services at it;
// devices reach it through DeviceCall::opts.services (null outside a node: such a device
// returns an error result rather than crashing).
//
// Thread-safety: the struct is immutable after the node opened; every service it points at is
// itself safe for concurrent use.
#pragma once

#include <cstdint>
#include <string_view>

#include "aocore/scheduler/scheduling_mode.h"

namespace ao {

class ContentCache;
class CronScheduler;
class PeerSchedules;
class ProcessCache;
class Resolver;
class SchedulerRegistry;
class Store;
class Wallet;
class WorkerRegistry;

struct NodeServices {
  Store* store = nullptr;
  ContentCache* content = nullptr;
  SchedulerRegistry* schedulers = nullptr;
  const Resolver* resolver = nullptr;
  ProcessCache* process_cache = nullptr;  // computed states (process@1.0)
  WorkerRegistry* workers = nullptr;      // process workers; null: every compute is inline
  CronScheduler* cron = nullptr;          // cron@1.0 tasks (devices/cron_device.h)
  const Wallet* wallet = nullptr;       // the node wallet (signs assignments)
  std::string_view address;             // the node wallet's address
  PeerSchedules* peers = nullptr;       // other nodes (scheduler/peer_schedules.h); null: none

  // Node options devices read (see NodeOptions for their meaning and defaults).
  SchedulingMode scheduling_mode = SchedulingMode::kLocalConfirmation;
  int64_t process_cache_frequency = 1;
  bool process_workers = true;
  int64_t process_worker_max_idle_ms = 300000;
  int64_t max_workers = 1024;
  int64_t request_timeout_ms = 30000;
  bool scheduler_follow_redirects = true;
  std::string_view default_execution_device;  // empty: none (process@1.0 answers 422)
  int64_t wasm_memory_budget = int64_t{4} << 30;  // genesis-wasm@1.0 live instances (bytes; 0: none)
};

}  // namespace ao
