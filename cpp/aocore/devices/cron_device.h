// cron@1.0: node-level timed tasks (port of dev_cron, its weaknesses fixed; notes:
// docs/devices.md#cron). The device is a thin front over the node's CronScheduler, which the
// node gives it when it builds it. Keys: once {cron-path} (run the request once), every
// {cron-path, interval} (run it now and every interval, "<n>-<unit>"), stop {task}. Tasks are
// persisted and resume when the node reopens; failing runs back off.
//
// Thread-safety: CronScheduler is safe from any thread; runs happen on the Timer's runner
// threads, one run of a task at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/actor/timer.h"
#include "aocore/ao/device.h"
#include "aocore/ao/resolve_options.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

class ContentCache;
class Resolver;
class Store;

inline constexpr std::chrono::milliseconds kCronBackoffBase{100};
inline constexpr std::chrono::milliseconds kCronBackoffCap{60000};

class CronScheduler;

// The cron@1.0 device over `cron` (not owned; it outlives the device's calls). Null: every key is
// an error result (no node).
DevicePtr MakeCronDevice(CronScheduler* cron = nullptr);

// Parses "<n>-<unit>" (see the header comment). InvalidArgument with the reference's messages.
Result<std::chrono::milliseconds> ParseCronInterval(std::string_view text);


class CronScheduler {
 public:
  // Runs one task request; provided by the node (it keeps the node open during the run).
  using Runner = std::function<Result<ResolveResult>(const Message& request)>;

  struct TaskInfo {
    std::string id;
    std::string kind;  // "once" or "every"
    std::chrono::milliseconds interval{0};
    Message request;
    int64_t runs = 0;
    int64_t failures = 0;  // consecutive
  };

  // REQUIRES: store, content and timer outlive the scheduler (Shutdown first).
  // `stop_wait` bounds how long Stop waits for a run in flight (the node's request_timeout).
  CronScheduler(Store& store, const ContentCache& content, Timer& timer, Runner runner,
                std::chrono::milliseconds stop_wait = std::chrono::seconds(30));
  ~CronScheduler();
  CronScheduler(const CronScheduler&) = delete;
  CronScheduler& operator=(const CronScheduler&) = delete;

  // Loads and arms the persisted tasks. Call once, after the node is ready to run requests.
  Status Resume();
  // Registers a task (see the header comment); the same request again returns the same ID.
  // `request` is the cron@1.0 request (path once/every, cron-path, interval, ...).
  Result<std::string> Once(const Message& request);
  Result<std::string> Every(const Message& request, std::chrono::milliseconds interval);
  // NotFound when no such task. Waits (at most `stop_wait`, then logs a warning) for a run of
  // the task in flight, unless called from a Timer runner or a process worker.
  Status Stop(std::string_view task_id);
  // No more runs (the persisted tasks stay for the next open); waits for runs in flight unless
  // called from one, until none touches the scheduler any more (the destructor calls it).
  void Shutdown();

  std::vector<TaskInfo> Tasks() const;

 private:
  struct Task;

  Result<std::string> Register(const Message& request, std::string kind, std::chrono::milliseconds interval);
  void Arm(const std::shared_ptr<Task>& task, Timer::Clock::time_point due);
  void Run(const std::shared_ptr<Task>& task);
  Status Persist(const Task& task, const Message& original);

  Store& store_;
  const ContentCache& content_;
  Timer& timer_;
  const Runner runner_;
  const std::chrono::milliseconds stop_wait_;

  mutable std::mutex mu_;  // leaf lock: guards the fields below
  std::condition_variable idle_;
  std::map<std::string, std::shared_ptr<Task>, std::less<>> tasks_;
  int running_ = 0;
  bool shutdown_ = false;
};

}  // namespace ao
