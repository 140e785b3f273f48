#include "testing/crash_child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace ao::testing {
namespace {

// Starts the child; returns its pid and the read end of its acknowledgement pipe.
Result<std::pair<pid_t, int>> StartChild(const std::string& gtest_filter,
                                         const std::vector<std::string>& env) {
  int fds[2];
  if (::pipe(fds) != 0) return Status::Internal("pipe() failed");
  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls.
  std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {exe, "--gtest_filter=" + gtest_filter,
                                   "--gtest_also_run_disabled_tests"};
  std::vector<std::string> env_copy = env;
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::Internal("fork() failed");
  }
  if (child == 0) {
    ::close(fds[0]);
    if (::dup2(fds[1], kCrashChildAckFd) < 0) ::_exit(127);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return std::make_pair(child, fds[0]);
}

}  // namespace

Result<CrashChildRun> RunChildUntilKilled(const std::string& gtest_filter,
                                          const std::vector<std::string>& env, size_t kill_after,
                                          std::chrono::milliseconds quiet_limit) {
  AO_ASSIGN_OR_RETURN(auto started, StartChild(gtest_filter, env));
  const auto [child, ack_fd] = started;
  CrashChildRun run;
  std::string buffer;
  Status failure;
  while (true) {
    if (!run.killed && run.acknowledged.size() >= kill_after) {
      ::kill(child, SIGKILL);
      run.killed = true;
    }
    pollfd pfd{ack_fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(quiet_limit.count())) <= 0) {
      failure = Status::DeadlineExceeded("the child acknowledged nothing for " +
                                         std::to_string(quiet_limit.count()) + " ms");
      break;
    }
    char chunk[4096];
    const ssize_t n = ::read(ack_fd, chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<size_t>(n));
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      const std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      const size_t space = line.find(' ');
      if (space == std::string::npos) {
        failure = Status::Internal("malformed acknowledgement line: " + line);
        break;
      }
      run.acknowledged.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
    if (!failure.ok()) break;
  }
  if (!failure.ok()) ::kill(child, SIGKILL);
  ::close(ack_fd);
  if (::waitpid(child, &run.wait_status, 0) != child) return Status::Internal("waitpid() failed");
  AO_RETURN_IF_ERROR(failure);
  run.died_of_kill = WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGKILL;
  return run;
}

}  // namespace ao::testing
