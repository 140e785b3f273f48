// Compiled with -fno-rtti (see leveldb_env.h and store/CMakeLists.txt).
#include "aocore/store/leveldb_env.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <leveldb/env.h>
#include <leveldb/slice.h>
#include <leveldb/status.h>

namespace ao {
namespace {

leveldb::Status PosixError(const std::string& context, int error_number) {
  if (error_number == ENOENT) return leveldb::Status::NotFound(context, std::strerror(error_number));
  return leveldb::Status::IOError(context, std::strerror(error_number));
}

class PreadFile final : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PreadFile() override { ::close(fd_); }

  // A short result means end of file (LevelDB checks the length it gets).
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *result = leveldb::Slice(scratch, 0);
        return PosixError(name_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = leveldb::Slice(scratch, done);
    return leveldb::Status::OK();
  }

 private:
  const std::string name_;
  const int fd_;
};

class PreadEnv final : public leveldb::EnvWrapper {
 public:
  explicit PreadEnv(leveldb::Env* base) : leveldb::EnvWrapper(base) {}

  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** result) override {
    *result = nullptr;
    int fd;
    do {
      fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return PosixError(name, errno);
    // LevelDB's interface hands ownership over as a raw pointer (it deletes the file).
    *result = new PreadFile(name, fd);
    return leveldb::Status::OK();
  }
};

}  // namespace

void EnvDeleter::operator()(leveldb::Env* env) const { delete env; }

EnvPtr NewPreadEnv(leveldb::Env* base) { return EnvPtr(new PreadEnv(base)); }

}  // namespace ao
