// Timer: runs callbacks at given times — the one timer thread behind cron@1.0 tasks and process
// monitors. A single thread waits for the earliest due entry and hands it to a small pool of
// runner threads of its own (never the node's pool: a task that computes a process waits for
// that process's worker, which runs on the node's pool).
//
// Stop() drops every pending entry, waits for the callbacks already running and joins the
// threads; At() afterwards returns 0 and schedules nothing. Callbacks must not throw (what
// escapes is caught and logged by the runner pool).
//
// Thread-safety: every method is safe from any thread, including from inside a callback
// (Stop() from a callback does not wait for that callback).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "aocore/actor/thread_pool_executor.h"

namespace ao {

class Timer {
 public:
  using Clock = std::chrono::steady_clock;
  using Fn = std::function<void()>;

  // `runners`: how many callbacks may run at once (at least 1).
  explicit Timer(size_t runners = 2);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `fn` at (or soon after) `due`; returns an entry ID (> 0), or 0 once stopped.
  uint64_t At(Clock::time_point due, Fn fn);
  uint64_t After(std::chrono::milliseconds delay, Fn fn) { return At(Clock::now() + delay, std::move(fn)); }
  // Removes a pending entry; false when it already started (or never existed).
  bool Cancel(uint64_t id);
  // Idempotent (see the header comment).
  void Stop();
  bool stopped() const;
  // Whether the calling thread is one of the runner threads.
  bool InRunner() const { return runners_.InPool(); }

 private:
  void Loop();

  ThreadPoolExecutor runners_;
  mutable std::mutex mu_;  // leaf lock: guards the fields below
  std::condition_variable cv_;
  std::multimap<Clock::time_point, uint64_t> due_;
  std::map<uint64_t, std::pair<Clock::time_point, Fn>> entries_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::mutex stop_mu_;  // serialises the joins of Stop
  std::thread thread_;
};

}  // namespace ao
