#include "aocore/devices/cron_device.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>

#include "aocore/actor/process_worker.h"
#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/devices/message_device.h"
#include "aocore/message/id.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {
namespace {

using std::chrono::milliseconds;

constexpr char kTasksGroup[] = "cron";
constexpr char kLastRunGroup[] = "cron-last";

ResolveResult ErrorText(std::string text) { return ResolveResult::Error(Value(std::move(text))); }

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The task request of a cron@1.0 registration request.
Result<Message> TaskRequest(const Message& req) {
  const Value* path = MessageFind(req, "cron-path");
  if (path == nullptr || !path->is_binary()) return Status::InvalidArgument("No cron path found in message.");
  Message task = req;
  task.Erase("cron-path");
  task.Erase("interval");
  task.Erase("device");
  task.Erase("priv");
  task.Erase("hashpath");
  task.Set("path", *path);
  if (!task.Contains("method")) task.Set("method", Value("POST"));
  return task;
}

}  // namespace

Result<milliseconds> ParseCronInterval(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return Status::InvalidArgument("Error parsing interval");
  std::string_view amount = text.substr(0, dash);
  while (!amount.empty() && amount.back() == ' ') amount.remove_suffix(1);
  std::optional<int64_t> n = ParseInt(amount);
  if (!n || *n <= 0) return Status::InvalidArgument("Invalid interval value.");
  std::string unit(text.substr(dash + 1));
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char ch) { return std::tolower(ch); });
  const std::pair<const char*, int64_t> units[] = {
      {"millisecond", 1}, {"second", 1000}, {"minute", 60000}, {"hour", 3600000}, {"day", 86400000}};
  for (const auto& [name, ms] : units) {
    if (unit.rfind(name, 0) == 0) {
      if (*n > INT64_MAX / ms) return Status::InvalidArgument("Invalid interval value.");
      return milliseconds(*n * ms);
    }
  }
  return Status::InvalidArgument("Invalid time unit: " + std::string(text.substr(dash + 1)));
}


// ---------------------------------------------------------------------------------------------

struct CronScheduler::Task {
  std::string id;
  std::string kind;
  milliseconds interval{0};
  Message request;       // the task request
  int64_t runs = 0;      // guarded by the scheduler's mu_
  int64_t failures = 0;  // guarded by mu_
  uint64_t timer_id = 0;  // guarded by mu_
  bool running = false;   // guarded by mu_
  bool stopped = false;   // guarded by mu_
};

CronScheduler::CronScheduler(Store& store, const ContentCache& content, Timer& timer, Runner runner,
                             std::chrono::milliseconds stop_wait)
    : store_(store), content_(content), timer_(timer), runner_(std::move(runner)), stop_wait_(stop_wait) {}

CronScheduler::~CronScheduler() { Shutdown(); }

Status CronScheduler::Persist(const Task& task, const Message& original) {
  (void)original;
  WriteBatch batch;
  AO_ASSIGN_OR_RETURN(std::string request_id, content_.AddToBatch(task.request, &batch));
  batch.Write(std::string(kTasksGroup) + "/" + task.id,
              task.kind + " " + std::to_string(task.interval.count()) + " " + request_id);
  WriteOptions wo;
  wo.sync = true;
  return store_.Apply(batch, wo);
}

Result<std::string> CronScheduler::Register(const Message& request, std::string kind, milliseconds interval) {
  AO_ASSIGN_OR_RETURN(Message task_request, TaskRequest(request));
  Message keyed = request;
  keyed.Erase("priv");
  keyed.Erase("hashpath");
  AO_ASSIGN_OR_RETURN(std::string id, MessageId(keyed, IdMode::kAll));
  auto task = std::make_shared<Task>();
  task->id = id;
  task->kind = std::move(kind);
  task->interval = interval;
  task->request = std::move(task_request);
  {
    std::lock_guard lock(mu_);
    if (shutdown_) return Status::Closed("the cron scheduler is shut down");
    if (tasks_.count(id) != 0) return id;  // already registered: the same task
    tasks_.emplace(id, task);
  }
  Status persisted = Persist(*task, request);
  if (!persisted.ok()) {
    std::lock_guard lock(mu_);
    tasks_.erase(id);
    return persisted.WithContext("persisting cron task " + id);
  }
  Logger("cron")->info("cron_registered task={} kind={} interval_ms={} path={}", id, task->kind,
                       task->interval.count(), task->request.Find("path")->DebugString());
  Arm(task, Timer::Clock::now());
  return id;
}

Result<std::string> CronScheduler::Once(const Message& request) { return Register(request, "once", milliseconds(0)); }

Result<std::string> CronScheduler::Every(const Message& request, milliseconds interval) {
  if (interval.count() <= 0) return Status::InvalidArgument("Invalid interval value.");
  return Register(request, "every", interval);
}

void CronScheduler::Arm(const std::shared_ptr<Task>& task, Timer::Clock::time_point due) {
  std::weak_ptr<Task> weak = task;
  const uint64_t id = timer_.At(due, [this, weak] {
    if (std::shared_ptr<Task> t = weak.lock()) Run(t);
  });
  bool cancel = false;
  {
    std::lock_guard lock(mu_);
    task->timer_id = id;
    // Stopped or shut down since the caller decided to arm (a run re-arms outside the lock):
    // Stop and Shutdown cancelled the timer they saw, not this one.
    cancel = task->stopped || shutdown_;
  }
  if (cancel) timer_.Cancel(id);
}

void CronScheduler::Run(const std::shared_ptr<Task>& task) {
  {
    std::lock_guard lock(mu_);
    if (task->stopped || shutdown_ || task->running) return;
    task->running = true;
    ++running_;
  }
  auto log = Logger("cron");
  const auto started = Timer::Clock::now();
  if (task->kind == "every") {
    // When this run started, written before it runs: a node reopening after a crash during the
    // run resumes one interval after this start, never at once (no doubled tick); a run the crash
    // cut short is lost, at most one interval's worth.
    Status s = store_.Write(std::string(kLastRunGroup) + "/" + task->id, std::to_string(WallMs()));
    if (!s.ok()) log->warn("cron_last_run_write_failed task={} error={}", task->id, s.ToString());
  }
  Result<ResolveResult> r = runner_(task->request);
  const bool ok = r.ok() && r->ok();
  if (!ok) {
    log->error("cron_task_failed task={} path={} error={}", task->id, task->request.Find("path")->DebugString(),
               r.ok() ? r->DebugString() : r.status().ToString());
  } else {
    log->debug("cron_task_ran task={}", task->id);
  }
  // Where the task stands, persisted outside the lock.
  bool forget = false;
  milliseconds delay{0};
  {
    std::lock_guard lock(mu_);
    ++task->runs;
    task->failures = ok ? 0 : task->failures + 1;
    if (task->kind == "once") {
      forget = !task->stopped;
    } else {
      delay = task->interval;
      if (task->failures > 0) {
        const int shift = static_cast<int>(std::min<int64_t>(task->failures - 1, 20));
        const milliseconds backoff = std::min(kCronBackoffCap, kCronBackoffBase * (int64_t{1} << shift));
        delay = std::max(delay, backoff);
      }
    }
  }
  if (forget) {
    WriteBatch batch;
    batch.Delete(std::string(kTasksGroup) + "/" + task->id);
    Status s = store_.Apply(batch);
    if (!s.ok()) log->warn("cron_forget_failed task={} error={}", task->id, s.ToString());
  }
  bool rearm = false;
  {
    std::lock_guard lock(mu_);
    task->running = false;
    if (forget) {
      auto it = tasks_.find(task->id);
      if (it != tasks_.end() && it->second == task) tasks_.erase(it);
    }
    rearm = !forget && !task->stopped && !shutdown_;
  }
  // The next run is due one interval after this one started (no catch-up of missed runs).
  if (rearm) Arm(task, std::max(started + delay, Timer::Clock::now() + milliseconds(1)));
  // The run counts until it no longer touches this scheduler: Shutdown (and so the destructor)
  // returns once running_ is 0, so the re-arm above comes first, and the notification is made
  // under the lock, before the waiter can see 0 and destroy idle_.
  std::lock_guard lock(mu_);
  --running_;
  idle_.notify_all();
}

Status CronScheduler::Stop(std::string_view task_id) {
  std::shared_ptr<Task> task;
  {
    std::lock_guard lock(mu_);
    auto it = tasks_.find(task_id);
    if (it == tasks_.end()) return Status::NotFound("Task not found.");
    task = it->second;
    tasks_.erase(it);
    task->stopped = true;
  }
  timer_.Cancel(task->timer_id);
  // A run in flight finishes before Stop returns, so nothing of the task happens afterwards.
  // Not waited for from a timer runner (the run may be the one stopping its own task) nor from
  // a process worker (the run may be waiting for that worker).
  if (!timer_.InRunner() && ProcessWorker::Current() == nullptr) {
    std::unique_lock lock(mu_);
    if (!idle_.wait_for(lock, stop_wait_, [&] { return !task->running; })) {
      // The run is bounded by the node's own deadlines; it will not re-arm (stopped is set).
      Logger("cron")->warn("cron_stop_run_still_in_flight task={} waited_ms={}", task->id, stop_wait_.count());
    }
  }
  WriteBatch batch;
  batch.Delete(std::string(kTasksGroup) + "/" + task->id);
  batch.Delete(std::string(kLastRunGroup) + "/" + task->id);
  WriteOptions wo;
  wo.sync = true;
  Status s = store_.Apply(batch, wo);
  Logger("cron")->info("cron_stopped task={}", task->id);
  return s;
}

Status CronScheduler::Resume() {
  auto log = Logger("cron");
  Result<std::vector<std::string>> ids = store_.List(kTasksGroup);
  if (!ids.ok()) return ids.status().IsNotFound() ? Status::OK() : ids.status();
  for (const std::string& id : *ids) {
    Result<Bytes> raw = store_.Read(std::string(kTasksGroup) + "/" + id);
    if (!raw.ok()) {
      log->warn("cron_resume_skipped task={} error={}", id, raw.status().ToString());
      continue;
    }
    const std::string& s = *raw;
    const size_t a = s.find(' ');
    const size_t b = a == std::string::npos ? a : s.find(' ', a + 1);
    std::optional<int64_t> interval = b == std::string::npos ? std::nullopt : ParseInt(s.substr(a + 1, b - a - 1));
    if (!interval) {
      log->warn("cron_resume_skipped task={} error=malformed record", id);
      continue;
    }
    Result<Message> request = content_.ReadMessage(s.substr(b + 1));
    if (!request.ok()) {
      log->warn("cron_resume_skipped task={} error={}", id, request.status().ToString());
      continue;
    }
    auto task = std::make_shared<Task>();
    task->id = id;
    task->kind = s.substr(0, a);
    task->interval = milliseconds(*interval);
    task->request = std::move(request).value();
    auto due = Timer::Clock::now();
    if (task->kind == "every") {
      if (Result<Bytes> last = store_.Read(std::string(kLastRunGroup) + "/" + id); last.ok()) {
        if (std::optional<int64_t> ms = ParseInt(*last)) {
          const int64_t wait = *ms + task->interval.count() - WallMs();
          if (wait > 0) due += milliseconds(std::min<int64_t>(wait, task->interval.count()));
        }
      }
    }
    {
      std::lock_guard lock(mu_);
      if (shutdown_ || tasks_.count(id) != 0) continue;
      tasks_.emplace(id, task);
    }
    log->info("cron_resumed task={} kind={} interval_ms={}", id, task->kind, task->interval.count());
    Arm(task, due);
  }
  return Status::OK();
}

void CronScheduler::Shutdown() {
  std::vector<uint64_t> timers;
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
    for (const auto& [id, t] : tasks_) timers.push_back(t->timer_id);
  }
  for (uint64_t t : timers) timer_.Cancel(t);
  if (timer_.InRunner()) return;
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return running_ == 0; });
}

std::vector<CronScheduler::TaskInfo> CronScheduler::Tasks() const {
  std::lock_guard lock(mu_);
  std::vector<TaskInfo> out;
  for (const auto& [id, t] : tasks_) out.push_back(TaskInfo{t->id, t->kind, t->interval, t->request, t->runs, t->failures});
  return out;
}

// ---------------------------------------------------------------------------------------------

namespace {

ResolveResult NoCron() {
  return ResolveResult::Error(Value(Message{{"status", Value(500)}, {"body", "cron@1.0 needs a node"}}));
}

Result<ResolveResult> Registered(const Result<std::string>& id) {
  if (id.ok()) return ResolveResult::Ok(Value(*id));
  if (id.status().IsInvalidArgument()) return ErrorText(std::string(id.status().message()));
  return id.status();
}

Result<ResolveResult> Once(CronScheduler* cron, const DeviceCall& c) {
  if (cron == nullptr) return NoCron();
  if (MessageFind(c.req, "cron-path") == nullptr) return ErrorText("No cron path found in message.");
  return Registered(cron->Once(c.req));
}

Result<ResolveResult> Every(CronScheduler* cron, const DeviceCall& c) {
  if (cron == nullptr) return NoCron();
  if (MessageFind(c.req, "cron-path") == nullptr) return ErrorText("No cron path found in message.");
  const Value* interval = MessageFind(c.req, "interval");
  if (interval == nullptr) return ErrorText("No interval found in message.");
  if (!interval->is_binary()) return ErrorText("Error parsing interval");
  Result<milliseconds> ms = ParseCronInterval(interval->binary());
  if (!ms.ok()) return ErrorText(std::string(ms.status().message()));
  return Registered(cron->Every(c.req, *ms));
}

Result<ResolveResult> StopKey(CronScheduler* cron, const DeviceCall& c) {
  if (cron == nullptr) return NoCron();
  const Value* task = MessageFind(c.req, "task");
  if (task == nullptr || !task->is_binary()) return ErrorText("No task ID found in message.");
  Status s = cron->Stop(task->binary());
  if (s.IsNotFound()) return ErrorText("Task not found.");
  if (!s.ok()) return s;
  return ResolveResult::Ok(Value(Message{
      {"status", Value(200)},
      {"body", Value(Message{{"message", "Task stopped successfully"}, {"task_id", Value(task->binary())}})}}));
}

}  // namespace

DevicePtr MakeCronDevice(CronScheduler* cron) {
  auto dev = FunctionDevice::Module("cron@1.0");
  dev->AddKey("once", [cron](const DeviceCall& c) { return Once(cron, c); })
      .AddKey("every", [cron](const DeviceCall& c) { return Every(cron, c); })
      .AddKey("stop", [cron](const DeviceCall& c) { return StopKey(cron, c); })
      .SetExports({"once", "every", "stop"});
  return dev;
}

}  // namespace ao
