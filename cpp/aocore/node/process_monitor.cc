#include "aocore/node/process_monitor.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "aocore/common/logging.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

namespace {

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::string RegistrationRecord(const MonitorOptions& o) {
  return std::to_string(o.every.count()) + " " + std::to_string(o.page) + " " + std::to_string(o.max_backoff.count());
}

}  // namespace

std::string ProcessMonitor::CursorPath(std::string_view process_id) {
  return std::string(kGroup) + "/" + std::string(process_id) + "/cursor";
}

std::string ProcessMonitor::RegistrationPath(std::string_view process_id) {
  return std::string(kGroup) + "/" + std::string(process_id) + "/registration";
}

Result<MonitorOptions> ProcessMonitor::ParseRegistration(std::string_view record) {
  // "<every_ms> <page> <max_backoff_ms>"
  std::optional<int64_t> fields[3];
  std::string_view rest = record;
  for (int i = 0; i < 3; ++i) {
    const size_t space = rest.find(' ');
    const bool last = i == 2;
    if (last != (space == std::string_view::npos)) {
      return Status::InvalidArgument("malformed monitor registration '" + std::string(record) + "'");
    }
    fields[i] = ParseInt(rest.substr(0, space));
    if (!fields[i] || *fields[i] <= 0) {
      return Status::InvalidArgument("malformed monitor registration '" + std::string(record) + "'");
    }
    if (!last) rest.remove_prefix(space + 1);
  }
  MonitorOptions o;
  o.every = std::chrono::milliseconds(*fields[0]);
  o.page = static_cast<size_t>(*fields[1]);
  o.max_backoff = std::chrono::milliseconds(*fields[2]);
  return o;
}

Result<std::shared_ptr<ProcessMonitor>> ProcessMonitor::Start(std::string process_id, MonitorOptions options,
                                                              Store& store, Timer& timer, Hooks hooks,
                                                              StartMode mode) {
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
  if (options.max_backoff.count() <= 0) options.max_backoff = options.every;
  if (mode == StartMode::kNew) {
    WriteBatch batch;
    batch.Write(RegistrationPath(process_id), RegistrationRecord(options));
    WriteOptions wo;
    wo.sync = true;
    AO_RETURN_IF_ERROR(store.Apply(batch, wo));
  }
  std::shared_ptr<ProcessMonitor> m(
      new ProcessMonitor(std::move(process_id), options, store, timer, std::move(hooks), cursor));
  Logger("monitor")->info("monitor_{} proc={} every_ms={} cursor={}", mode == StartMode::kNew ? "started" : "resumed",
                          m->pid_, options.every.count(), cursor);
  m->Arm(mode == StartMode::kNew ? std::chrono::milliseconds(0) : options.every);
  return m;
}

ProcessMonitor::ProcessMonitor(std::string pid, MonitorOptions options, Store& store, Timer& timer, Hooks hooks,
                               int64_t cursor)
    : pid_(std::move(pid)), options_(options), store_(store), timer_(timer), hooks_(std::move(hooks)), cursor_(cursor) {}

ProcessMonitor::~ProcessMonitor() { Halt(); }

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
  if (!running()) return;
  // The registration goes first: a monitor started again once this one no longer runs writes
  // its own registration after this delete, never before it.
  if (hooks_.forget) {
    Status s = hooks_.forget(pid_);
    if (!s.ok()) Logger("monitor")->warn("monitor_forget_failed proc={} error={}", pid_, s.ToString());
  }
  Logger("monitor")->info("monitor_unregistered proc={}", pid_);
  Halt();
}

void ProcessMonitor::Halt() {
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
