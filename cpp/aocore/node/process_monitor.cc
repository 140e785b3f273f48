#include "aocore/node/process_monitor.h"

#include <algorithm>
#include <charconv>

#include "aocore/common/logging.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

std::string ProcessMonitor::CursorPath(std::string_view process_id) {
  return "monitor/" + std::string(process_id) + "/cursor";
}

Result<std::shared_ptr<ProcessMonitor>> ProcessMonitor::Start(std::string process_id, MonitorOptions options,
                                                              Store& store, Timer& timer, Hooks hooks) {
  int64_t cursor = -1;
  Result<Bytes> raw = store.Read(CursorPath(process_id));
  if (raw.ok()) {
    const std::string& s = *raw;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), cursor);
    if (ec != std::errc() || end != s.data() + s.size()) {
      return Status::Corruption("monitor cursor of " + process_id + " is not a number: '" + s + "'");
    }
  } else if (!raw.status().IsNotFound()) {
    return raw.status();
  }
  if (options.every.count() <= 0) options.every = std::chrono::milliseconds(1);
  if (options.page == 0) options.page = 1;
  std::shared_ptr<ProcessMonitor> m(
      new ProcessMonitor(std::move(process_id), options, store, timer, std::move(hooks), cursor));
  Logger("monitor")->info("monitor_started proc={} every_ms={} cursor={}", m->pid_, options.every.count(), cursor);
  m->Arm(std::chrono::milliseconds(0));
  return m;
}

ProcessMonitor::ProcessMonitor(std::string pid, MonitorOptions options, Store& store, Timer& timer, Hooks hooks,
                               int64_t cursor)
    : pid_(std::move(pid)), options_(options), store_(store), timer_(timer), hooks_(std::move(hooks)), cursor_(cursor) {}

ProcessMonitor::~ProcessMonitor() { Stop(); }

bool ProcessMonitor::running() const {
  std::lock_guard lock(mu_);
  return !stopped_;
}

void ProcessMonitor::Arm(std::chrono::milliseconds delay) {
  std::weak_ptr<ProcessMonitor> weak = weak_from_this();
  std::lock_guard lock(mu_);
  if (stopped_) return;
  timer_id_ = timer_.After(delay, [weak] {
    if (std::shared_ptr<ProcessMonitor> m = weak.lock()) m->Tick();
  });
  if (timer_id_ == 0) stopped_ = true;  // the timer is stopped: so is the monitor
}

void ProcessMonitor::Tick() {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || ticking_) return;
    ticking_ = true;
  }
  auto log = Logger("monitor");
  ticks_.fetch_add(1);
  bool more = false;
  bool failed = false;
  Result<int64_t> latest = hooks_.current_slot(pid_);
  if (!latest.ok()) {
    failed = true;
    log->error("monitor_slot_failed proc={} cursor={} error={}", pid_, cursor_.load(), latest.status().ToString());
  } else {
    const int64_t last = std::min<int64_t>(*latest, cursor_.load() + static_cast<int64_t>(options_.page));
    for (int64_t slot = cursor_.load() + 1; slot <= last; ++slot) {
      {
        std::lock_guard lock(mu_);
        if (stopped_) break;
      }
      Result<ResolveResult> r = hooks_.push(pid_, slot);
      if (!r.ok() || !r->ok()) {
        failed = true;
        log->error("monitor_push_failed proc={} slot={} error={}", pid_, slot,
                   r.ok() ? r->DebugString() : r.status().ToString());
        break;
      }
      WriteBatch batch;
      batch.Write(CursorPath(pid_), std::to_string(slot));
      WriteOptions wo;
      wo.sync = true;
      if (Status s = store_.Apply(batch, wo); !s.ok()) {
        failed = true;
        log->error("monitor_cursor_write_failed proc={} slot={} error={}", pid_, slot, s.ToString());
        break;
      }
      cursor_.store(slot);
      log->info("monitor_pushed proc={} slot={}", pid_, slot);
    }
    more = !failed && cursor_.load() < *latest;
  }
  std::chrono::milliseconds delay = options_.every;
  if (failed) {
    const int64_t f = failures_.fetch_add(1) + 1;
    const int shift = static_cast<int>(std::min<int64_t>(f, 20));
    delay = std::min(options_.max_backoff, options_.every * (int64_t{1} << shift));
    delay = std::max(delay, options_.every);
  } else {
    failures_.store(0);
    if (more) delay = std::chrono::milliseconds(0);
  }
  {
    std::lock_guard lock(mu_);
    ticking_ = false;
  }
  idle_.notify_all();
  Arm(delay);
}

void ProcessMonitor::Stop() {
  uint64_t id = 0;
  bool was_running = false;
  {
    std::lock_guard lock(mu_);
    was_running = !stopped_;
    stopped_ = true;
    id = timer_id_;
  }
  // A stopped monitor never touches the timer again (its node may be gone).
  if (!was_running) return;
  timer_.Cancel(id);
  Logger("monitor")->info("monitor_stopped proc={} cursor={}", pid_, cursor_.load());
  if (timer_.InRunner()) return;  // possibly our own tick: it ends on its own
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return !ticking_; });
}

}  // namespace ao
