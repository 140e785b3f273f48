// ProcessMonitor: keeps a process's outbox delivered — the port of src/hb_process_monitor.erl
// (seed 004) done as intended. Every `every` a tick on the node's Timer
// reads the process's latest slot and pushes the slots after the cursor (the last pushed slot)
// in order, at most `page` per tick; when more remain the next tick follows at once (the
// reference's inverted pagination fixed). After each pushed slot the cursor is written to the store
// (monitor/<process>/cursor, synced), so a restart resumes after the last pushed slot: no slot
// is skipped, and at most the slot in flight at a crash is pushed again (and push@1.0 itself
// delivers each message once). A failing push (an error status or a non-ok result) keeps the
// cursor, is logged on the "monitor" logger and retried with exponential back-off (doubling
// from `every`, capped at `max_backoff`). Ticks never overlap (one tick in flight per monitor).
//
// Registration: a monitor started by the user is recorded in the store
// (monitor/<process>/registration: its options, synced) and the node restarts it when it
// reopens the store (Start with kResumed: first tick one `every` later, so the node's devices
// can be registered first). Stop() ends the ticker and the monitor together and removes the
// registration durably (the cursor stays, for a later monitor of the same process); Halt() —
// what closing the node does — ends them but keeps the registration. Neither lets a tick run
// after it returns (they wait for a tick in flight unless called from one).
//
// Thread-safety: every method is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "aocore/actor/timer.h"
#include "aocore/ao/device.h"
#include "aocore/common/result.h"
#include "aocore/common/status.h"

namespace ao {

class Store;

struct MonitorOptions {
  std::chrono::milliseconds every{500};
  size_t page = 16;
  std::chrono::milliseconds max_backoff{30000};
};

class ProcessMonitor : public std::enable_shared_from_this<ProcessMonitor> {
 public:
  // What a monitor needs from its node.
  struct Hooks {
    std::function<Result<int64_t>(const std::string& pid)> current_slot;
    std::function<Result<ResolveResult>(const std::string& pid, int64_t slot)> push;
    // Removes the registration (Stop); runs while the store is open, or returns Closed.
    std::function<Status(const std::string& pid)> forget;
  };

  enum class StartMode {
    kNew,      // writes the registration (synced) and ticks at once
    kResumed,  // from a persisted registration: first tick after `every`
  };

  // Reads the persisted cursor (-1 when none) and arms the first tick (see StartMode).
  // REQUIRES: store and timer outlive the monitor's ticks (Halt or Stop it first).
  static Result<std::shared_ptr<ProcessMonitor>> Start(std::string process_id, MonitorOptions options, Store& store,
                                                       Timer& timer, Hooks hooks, StartMode mode = StartMode::kNew);
  ~ProcessMonitor();

  const std::string& process_id() const { return pid_; }
  int64_t cursor() const { return cursor_.load(); }
  bool running() const;
  int64_t ticks() const { return ticks_.load(); }
  int64_t failures() const { return failures_.load(); }  // consecutive
  const MonitorOptions& options() const { return options_; }
  // Ends the monitor and removes its registration (see the header comment). Idempotent; a
  // monitor already halted (its node closed) is left as it is.
  void Stop();
  // Ends the monitor, keeping its registration. Idempotent.
  void Halt();

  static std::string CursorPath(std::string_view process_id);
  static std::string RegistrationPath(std::string_view process_id);
  // The store group holding one child per monitored process.
  static constexpr const char* kGroup = "monitor";
  // The options of a registration record; InvalidArgument when malformed.
  static Result<MonitorOptions> ParseRegistration(std::string_view record);

 private:
  ProcessMonitor(std::string pid, MonitorOptions options, Store& store, Timer& timer, Hooks hooks, int64_t cursor);
  void Arm(std::chrono::milliseconds delay);
  void Tick();

  const std::string pid_;
  const MonitorOptions options_;
  Store& store_;
  Timer& timer_;
  const Hooks hooks_;
  std::atomic<int64_t> cursor_;
  std::atomic<int64_t> ticks_{0};
  std::atomic<int64_t> failures_{0};

  mutable std::mutex mu_;  // leaf lock: guards the fields below
  std::condition_variable idle_;
  bool stopped_ = false;
  bool ticking_ = false;
  uint64_t timer_id_ = 0;
};

}  // namespace ao
