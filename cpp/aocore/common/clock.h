// Clock: where the core reads time, injected so that idle timeouts, deadlines and timestamps are
// testable without sleeping. Now() is monotonic time (std::chrono::steady_clock) for durations;
// WallMillis() is wall time in milliseconds since the Unix epoch for timestamps that leave the
// node (an assignment's `timestamp`). SystemClock reads the system clocks; ManualClock only moves
// when a test advances or sets it.
//
// Thread-safety: both clocks are safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ao {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual int64_t WallMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  int64_t WallMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A process-wide instance.
  static SystemClock& Default() {
    static SystemClock clock;
    return clock;
  }
};

class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(nanos_.load())); }
  int64_t WallMillis() const override { return wall_millis_.load(); }
  // Moves both times forward by `d`.
  void Advance(std::chrono::nanoseconds d) {
    nanos_.fetch_add(d.count());
    wall_millis_.fetch_add(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }
  // Sets the wall time (it may go backwards, as a system clock may); Now() is unchanged.
  void SetWallMillis(int64_t millis) { wall_millis_.store(millis); }

 private:
  std::atomic<int64_t> nanos_{1'000'000'000};
  std::atomic<int64_t> wall_millis_{1'700'000'000'000};
};

}  // namespace ao
