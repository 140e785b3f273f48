// NodeOptions: the options of an aocore node, with the reference's names (hb_opts) where one
// exists and one documented default per field. Parsed from the keyword arguments a user passes
// to aocore.Node(...): an unknown option or a value of the wrong type is an InvalidArgument
// error naming the option (a typo must not be silently ignored).
//
// Thread-safety: a plain value; copy it freely.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aocore/ao/device.h"  // DevicePtr
#include "aocore/ao/resolve_options.h"  // HashpathMode, HashpathModeName
#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/scheduler/peer_transport.h"
#include "aocore/scheduler/scheduling_mode.h"  // SchedulingMode, SchedulingModeName

namespace ao {


struct NodeOptions {
  // Where the node keeps its data: empty = in memory; else a LevelDB directory.
  std::string store_path;
  SchedulingMode scheduling_mode = SchedulingMode::kLocalConfirmation;  // HB scheduling_mode
  int64_t process_cache_frequency = 1;        // HB process_cache_frequency: snapshot every N slots
  bool process_workers = true;                // HB process_workers: keep hot workers per process
  int64_t process_worker_max_idle_ms = 300000;// HB process_worker_max_idle (5 minutes)
  int64_t max_workers = 1024;                 // cap on live workers (LRU eviction with snapshot)
  int64_t threads = 0;                        // worker pool size; 0 = DefaultThreads()
  HashpathMode hashpath = HashpathMode::kUpdate;  // HB hashpath (local option)
  int64_t max_stack_passes = 1000;            // bound on stack@1.0 `pass` loops (HB has none)
  int64_t max_resolve_depth = 100;            // nested device calls per thread (HB has none)
  int64_t request_timeout_ms = 30000;         // deadline of any wait inside the node
  // Bytes the live WebAssembly instances of genesis-wasm@1.0 may hold together (4 GiB; 0: no
  // limit); beyond it the least recently used are dropped (devices/wasm_process_device.h).
  int64_t wasm_memory_budget = int64_t{4} << 30;
  // remote_confirmation: accepts (OK) or refuses a committed assignment before the scheduler
  // replies. Not parsed from user options (it is code, given to the Node directly).
  std::function<std::future<Status>(const Message& assignment)> uploader;
  // Other nodes: scheduler address -> base URL "http://host:port" (aocore's `peers`; the
  // reference finds peers through scheduler-location records). A process whose `scheduler` is
  // one of these addresses is scheduled there and computed here from its pulled assignments
  // (scheduler/peer_schedules.h).
  std::map<std::string, std::string, std::less<>> peers;
  // HB scheduler_follow_redirects: true forwards a schedule request for a peer's process to the
  // peer and answers with the peer's answer; false answers 307 with the peer's URL.
  bool scheduler_follow_redirects = true;
  // The execution device of a process whose definition names none (neither `execution-device`
  // nor `device-stack`), e.g. a legacy ao.TN.1 process spawned by aoconnect. Empty (the
  // default): such a process cannot compute (422). The reference assumes genesis-wasm@1.0.
  std::string default_execution_device;
  // How the node reaches its peers (the HTTP client, http/peer_client.h, in the Python package
  // and `aocore serve`). Not parsed from user options. Required when `peers` is not empty.
  std::shared_ptr<PeerTransport> peer_transport;
  // Devices (name@version) registered while the node opens, before it resumes its cron tasks
  // and monitors, so their first runs can load them. Not parsed from user options.
  std::vector<std::pair<std::string, DevicePtr>> devices;

  // Parses user options (keys as given to Node(**options)). InvalidArgument on an unknown key
  // or a value of the wrong type or range.
  static Result<NodeOptions> Parse(const Message& options);

  // The documented default of `threads`: the number of cores, at least 2 (a pool of one
  // thread would serialise a process worker behind the scheduler's signing helpers).
  static int64_t DefaultThreads();

  // The option names Parse accepts, sorted.
  static const std::vector<std::string>& Names();
};


}  // namespace ao
