#include "aocore/common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ao {
namespace {

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

}  // namespace

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = "cannot open file " + path + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IOError(msg);
  }
  std::string out;
  char buf[8192];
  Status status;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::IOError("cannot read file " + path + ": " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      status = Status::InvalidArgument("file " + path + " is larger than " +
                                       std::to_string(max_bytes) + " bytes");
      break;
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return out;
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  // mkstemp creates the file with mode 0600.
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return Status::IOError("cannot create a temporary file to write " + path + ": " +
                           std::strerror(errno));
  }
  auto fail = [&](std::string_view what, const Status& cause) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot write " + path + ": " + std::string(what) + ": " +
                           cause.message());
  };
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod", Status::IOError(std::strerror(errno)));
  Status written = WriteAll(fd, data);
  if (!written.ok()) return fail("write", written);
  if (::fsync(fd) != 0) return fail("fsync", Status::IOError(std::strerror(errno)));
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot write " + path + ": close: " + std::strerror(errno));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot write " + path + ": rename: " + std::strerror(err));
  }
  // Persist the directory entry too; a failure here does not undo a completed rename.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::OK();
}

}  // namespace ao
