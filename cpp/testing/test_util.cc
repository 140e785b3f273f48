#include "testing/test_util.h"

#include <atomic>
#include <unistd.h>

namespace ao::testing {

const Wallet& SharedTestWallet() {
  static const Wallet* wallet = new Wallet(std::move(Wallet::Generate()).value());
  return *wallet;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("aocore-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace ao::testing
