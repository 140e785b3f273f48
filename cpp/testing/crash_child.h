// Crash tests in one binary: the test re-executes this very test binary in a child process to
// run one disabled "child" test, reads what the child acknowledges, SIGKILLs it at a chosen
// moment, and reaps it; the test then reopens the store and checks what survived.
//
// The child reports each acknowledged piece of work as one line "<key> <value>\n", written to
// kCrashChildAckFd with a single write() (atomic on a pipe), so a kill never tears a line.
//
// Thread-safety: call from the test's own thread; one child at a time per call.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "aocore/common/result.h"

namespace ao::testing {

inline constexpr int kCrashChildAckFd = 3;

struct CrashChildRun {
  // The acknowledged lines split at the first space, in the order the child wrote them; lines
  // already in the pipe when the kill landed are included.
  std::vector<std::pair<std::string, std::string>> acknowledged;
  // Whether the kill was sent before the child ended (false: it finished or failed first).
  bool killed = false;
  // Whether the child died of SIGKILL (rather than exiting on its own).
  bool died_of_kill = false;
  int wait_status = 0;
};

// Runs the disabled test `gtest_filter` of this binary in a child whose environment is `env`
// (NAME=value entries) plus nothing else, SIGKILLs it once `kill_after` lines were acknowledged,
// and reads until the pipe closes. Internal if the child cannot be started, malformed lines;
// DeadlineExceeded (after killing and reaping the child) if no line arrives for `quiet_limit`.
Result<CrashChildRun> RunChildUntilKilled(const std::string& gtest_filter,
                                          const std::vector<std::string>& env, size_t kill_after,
                                          std::chrono::milliseconds quiet_limit);

}  // namespace ao::testing
