#include "aocore/node/node_options.h"

#include <algorithm>
#include <thread>

#include "aocore/scheduler/peer_schedules.h"

namespace ao {
namespace {

Result<int64_t> PositiveInt(const Value& v, std::string_view name, int64_t min) {
  if (!v.is_integer() || v.integer() < min) {
    return Status::InvalidArgument("option '" + std::string(name) + "' must be an integer >= " +
                                   std::to_string(min) + ", got " + v.DebugString());
  }
  return v.integer();
}

Result<bool> Boolean(const Value& v, std::string_view name) {
  if (v.IsAtom("true")) return true;
  if (v.IsAtom("false")) return false;
  return Status::InvalidArgument("option '" + std::string(name) + "' must be a bool, got " + v.DebugString());
}

}  // namespace

const std::vector<std::string>& NodeOptions::Names() {
  static const std::vector<std::string> kNames = {
      "default_execution_device", "hashpath", "max_resolve_depth", "max_stack_passes", "max_workers", "peers",
      "process_cache_frequency", "process_worker_max_idle", "process_workers", "request_timeout",
      "scheduler_follow_redirects", "scheduling_mode", "threads", "wasm_memory_budget",
  };
  return kNames;
}

Result<NodeOptions> NodeOptions::Parse(const Message& options) {
  NodeOptions out;
  for (const auto& [key, v] : options) {
    if (key == "scheduling_mode") {
      const Bytes* s = v.is_binary() ? &v.binary() : nullptr;
      if (s && *s == "aggressive") out.scheduling_mode = SchedulingMode::kAggressive;
      else if (s && *s == "local_confirmation") out.scheduling_mode = SchedulingMode::kLocalConfirmation;
      else if (s && *s == "remote_confirmation") out.scheduling_mode = SchedulingMode::kRemoteConfirmation;
      else return Status::InvalidArgument("option 'scheduling_mode' must be 'aggressive', 'local_confirmation' or "
                                          "'remote_confirmation', got " + v.DebugString());
    } else if (key == "hashpath") {
      const Bytes* s = v.is_binary() ? &v.binary() : nullptr;
      if (s && *s == "update") out.hashpath = HashpathMode::kUpdate;
      else if (s && *s == "reset") out.hashpath = HashpathMode::kReset;
      else if (s && *s == "ignore") out.hashpath = HashpathMode::kIgnore;
      else return Status::InvalidArgument("option 'hashpath' must be 'update', 'reset' or 'ignore', got " +
                                          v.DebugString());
    } else if (key == "process_cache_frequency") {
      AO_ASSIGN_OR_RETURN(out.process_cache_frequency, PositiveInt(v, key, 1));
    } else if (key == "process_workers") {
      AO_ASSIGN_OR_RETURN(out.process_workers, Boolean(v, key));
    } else if (key == "process_worker_max_idle") {
      AO_ASSIGN_OR_RETURN(out.process_worker_max_idle_ms, PositiveInt(v, key, 0));
    } else if (key == "max_workers") {
      AO_ASSIGN_OR_RETURN(out.max_workers, PositiveInt(v, key, 1));
    } else if (key == "wasm_memory_budget") {
      AO_ASSIGN_OR_RETURN(out.wasm_memory_budget, PositiveInt(v, key, 0));
    } else if (key == "threads") {
      AO_ASSIGN_OR_RETURN(out.threads, PositiveInt(v, key, 0));
    } else if (key == "max_resolve_depth") {
      AO_ASSIGN_OR_RETURN(out.max_resolve_depth, PositiveInt(v, key, 1));
    } else if (key == "max_stack_passes") {
      AO_ASSIGN_OR_RETURN(out.max_stack_passes, PositiveInt(v, key, 1));
    } else if (key == "peers") {
      if (!v.is_message()) {
        return Status::InvalidArgument("option 'peers' must map scheduler addresses to http://host:port URLs, got " +
                                       v.DebugString());
      }
      for (const auto& [address, url] : v.message()) {
        if (!IsHumanId(address)) {
          return Status::InvalidArgument("option 'peers': '" + address + "' is not a node address (43 characters)");
        }
        if (!url.is_binary()) {
          return Status::InvalidArgument("option 'peers': the URL of " + address + " must be text, got " +
                                         url.DebugString());
        }
        Status valid = ValidatePeerUrl(url.binary());
        if (!valid.ok()) return valid.WithContext("option 'peers'");
        out.peers[address] = url.binary();
      }
    } else if (key == "scheduler_follow_redirects") {
      AO_ASSIGN_OR_RETURN(out.scheduler_follow_redirects, Boolean(v, key));
    } else if (key == "default_execution_device") {
      if (!v.is_binary() || (!v.binary().empty() && v.binary().find('@') == std::string::npos)) {
        return Status::InvalidArgument("option 'default_execution_device' must be a device name (name@version), got " +
                                       v.DebugString());
      }
      out.default_execution_device = v.binary();
    } else if (key == "request_timeout") {
      AO_ASSIGN_OR_RETURN(out.request_timeout_ms, PositiveInt(v, key, 1));
    } else {
      std::string known;
      for (const auto& n : Names()) known += (known.empty() ? "" : ", ") + n;
      return Status::InvalidArgument("unknown node option '" + key + "' (known: " + known + ")");
    }
  }
  if (out.threads == 0) out.threads = DefaultThreads();
  return out;
}

int64_t NodeOptions::DefaultThreads() { return std::max<int64_t>(2, std::thread::hardware_concurrency()); }

}  // namespace ao
