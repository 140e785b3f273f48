// Clock: where the actor layer reads time, injected so that idle timeouts and deadlines are
// testable without sleeping. SystemClock reads std::chrono::steady_clock; ManualClock only
// moves when a test advances it.
//
// Thread-safety: both clocks are safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>

namespace ao {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  // A process-wide instance.
  static SystemClock& Default() {
    static SystemClock clock;
    return clock;
  }
};

class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(nanos_.load())); }
  void Advance(std::chrono::nanoseconds d) { nanos_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> nanos_{1'000'000'000};
};

}  // namespace ao
