// The bridge from spdlog to Python's `logging`. A sink queues formatted records under a leaf
// lock (no GIL is ever taken while a spdlog or queue lock is held); Python drains the queue,
// either from a daemon thread (python/aocore/_logging.py) or synchronously (flush_logs()), and
// emits each record on logger "aocore.<subsystem>". The queue is bounded: when Python does not
// keep up, the oldest records are dropped and the number dropped is reported as a warning.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/base_sink.h>

#include "aocore/common/logging.h"

namespace ao::py_bindings {
namespace py = pybind11;
namespace {

struct Record {
  std::string logger;
  int level;  // Python logging level
  std::string message;
};

int ToPythonLevel(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return 5;
    case spdlog::level::debug: return 10;
    case spdlog::level::info: return 20;
    case spdlog::level::warn: return 30;
    case spdlog::level::err: return 40;
    case spdlog::level::critical: return 50;
    default: return 0;
  }
}

class RecordQueue {
 public:
  static constexpr size_t kCapacity = 10000;

  void Push(Record r) {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= kCapacity) {
        queue_.pop_front();
        ++dropped_;
      }
      queue_.push_back(std::move(r));
    }
    cv_.notify_one();
  }

  // Waits up to `timeout` for records (or Stop()); returns everything queued.
  std::deque<Record> Drain(std::chrono::milliseconds timeout, size_t* dropped) {
    std::unique_lock lock(mu_);
    if (timeout.count() > 0) cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || stopped_; });
    std::deque<Record> out;
    out.swap(queue_);
    *dropped = dropped_;
    dropped_ = 0;
    return out;
  }

  // Waits up to `timeout` until a record is queued or Stop() was called; true if records wait.
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || stopped_; });
    return !queue_.empty();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Record> queue_;
  size_t dropped_ = 0;
  bool stopped_ = false;
};

RecordQueue& Queue() {
  static RecordQueue* q = new RecordQueue();  // outlives every logger, never destroyed
  return *q;
}

class QueueSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    Queue().Push(Record{std::string(msg.logger_name.begin(), msg.logger_name.end()), ToPythonLevel(msg.level),
                        std::string(msg.payload.begin(), msg.payload.end())});
  }
  void flush_() override {}
};

spdlog::level::level_enum ParseLevel(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "trace") return spdlog::level::trace;
  if (n == "debug") return spdlog::level::debug;
  if (n == "info") return spdlog::level::info;
  if (n == "warn" || n == "warning") return spdlog::level::warn;
  if (n == "error" || n == "err") return spdlog::level::err;
  if (n == "critical") return spdlog::level::critical;
  if (n == "off") return spdlog::level::off;
  throw py::value_error("unknown log level '" + name + "' (trace, debug, info, warning, error, critical, off)");
}

py::list DrainToPython(double timeout_s) {
  std::deque<Record> records;
  size_t dropped = 0;
  {
    py::gil_scoped_release release;
    records = Queue().Drain(std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)), &dropped);
  }
  py::list out;
  if (dropped) {
    out.append(py::make_tuple("logging", 30, std::to_string(dropped) + " log records dropped (queue full)"));
  }
  for (auto& r : records) out.append(py::make_tuple(r.logger, r.level, r.message));
  return out;
}

}  // namespace

void InitLogging(py::module_& m) {
  SetLogSinks({std::make_shared<QueueSink>()});
  m.def("set_log_level", [](const std::string& level) { SetLogLevel(ParseLevel(level)); }, py::arg("level"),
        "Sets the level of every aocore logger: 'trace', 'debug', 'info', 'warning' (default), 'error',\n"
        "'critical' or 'off'. Records reach Python's logging as loggers 'aocore.<subsystem>'.");
  m.def("get_log_level", [] { return std::string(spdlog::level::to_string_view(GetLogLevel()).data()); });
  m.def("_drain_logs", &DrainToPython, py::arg("timeout") = 0.0,
        "Internal: waits up to `timeout` seconds for log records and returns them as (subsystem, level, text).");
  m.def(
      "_wait_logs",
      [](double timeout_s) {
        py::gil_scoped_release release;
        return Queue().Wait(std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
      },
      py::arg("timeout"), "Internal: waits up to `timeout` seconds until log records are queued.");
  m.def("_stop_log_drain", [] { Queue().Stop(); }, "Internal: wakes and stops the log drain thread.");
  m.def("_log_drain_stopped", [] { return Queue().stopped(); });
  m.def("_log", [](const std::string& subsystem, const std::string& level, const std::string& text) {
    Logger(subsystem)->log(ParseLevel(level), "{}", text);
  }, "Internal (tests): logs `text` on the aocore logger `subsystem`.");
}

}  // namespace ao::py_bindings
