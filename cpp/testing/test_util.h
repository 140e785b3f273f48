// Test helpers shared by the GoogleTest suites: status assertions that print the status, a
// deadline-bounded poll, and a temporary directory that removes itself.
//
// Thread-safety: TempDir is owned by one test.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "aocore/common/result.h"
#include "aocore/common/status.h"
#include "aocore/crypto/wallet.h"

#define ASSERT_OK(expr)                                            \
  do {                                                             \
    const ::ao::Status ao_s_ = ::ao::testing::ToStatus(expr);             \
    ASSERT_TRUE(ao_s_.ok()) << #expr << ": " << ao_s_.ToString();  \
  } while (0)
#define EXPECT_OK(expr)                                            \
  do {                                                             \
    const ::ao::Status ao_s_ = ::ao::testing::ToStatus(expr);             \
    EXPECT_TRUE(ao_s_.ok()) << #expr << ": " << ao_s_.ToString();  \
  } while (0)

namespace ao::testing {

inline const Status& ToStatus(const Status& s) { return s; }
template <typename T>
const Status& ToStatus(const Result<T>& r) { return r.status(); }

// One RSA-4096 wallet generated on first use and shared by every test that does not care which
// wallet signs (generation takes about a second).
const Wallet& SharedTestWallet();

// Polls `done` until it holds or `timeout` passes; returns its last answer. Tests wait with this,
// never with a fixed sleep.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ao::testing
