#include "aocore/wasm/resident_pages.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace ao::wasm {
namespace {

// The PAGEMAP_SCAN interface of <linux/fs.h> (Linux 6.7), spelled out: the build machine's
// kernel headers may predate it, and the running kernel is what decides (ENOTTY when it lacks it).
struct PageRegion {
  uint64_t start;
  uint64_t end;
  uint64_t categories;
};
struct PmScanArg {
  uint64_t size;
  uint64_t flags;
  uint64_t start;
  uint64_t end;
  uint64_t walk_end;
  uint64_t vec;
  uint64_t vec_len;
  uint64_t max_pages;
  uint64_t category_inverted;
  uint64_t category_mask;
  uint64_t category_anyof_mask;
  uint64_t return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPageIsFile = 1u << 2;
constexpr uint64_t kPageIsPresent = 1u << 3;
constexpr uint64_t kPageIsSwapped = 1u << 4;
constexpr uint64_t kPageIsPfnZero = 1u << 5;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Adds the parts of [base, end) that lie in file-backed mappings (/proc/self/maps: a non-zero
// inode): PAGEMAP_SCAN does not report their pages that have no page-table entry, and those
// read the file's bytes. False when the maps cannot be read.
bool AddFileBacked(uint64_t base, uint64_t end, std::vector<std::pair<uint64_t, uint64_t>>& out) {
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return false;
  char* line = nullptr;
  size_t cap = 0;
  bool ok = true;
  while (::getline(&line, &cap, maps) > 0) {
    uint64_t from = 0, to = 0, inode = 0;
    if (std::sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %" SCNu64, &from, &to, &inode) != 3) {
      ok = false;
      break;
    }
    if (from >= end) break;  // the lines are in address order
    if (to <= base || inode == 0) continue;
    out.emplace_back(std::max(from, base) - base, std::min(to, end) - base);
  }
  std::free(line);
  std::fclose(maps);
  return ok;
}

}  // namespace

std::optional<std::vector<std::pair<uint64_t, uint64_t>>> MaybeNonZeroRanges(const void* data, uint64_t len) {
  const auto base = reinterpret_cast<uintptr_t>(data);
  if (base % kResidentPageSize != 0 || ::sysconf(_SC_PAGESIZE) != static_cast<long>(kResidentPageSize)) {
    return std::nullopt;
  }
  std::vector<std::pair<uint64_t, uint64_t>> out;
  if (len == 0) return out;
  Fd fd(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  const uint64_t end = base + (len + kResidentPageSize - 1) / kResidentPageSize * kResidentPageSize;
  PageRegion regions[256];
  PmScanArg arg{};
  arg.size = sizeof arg;
  arg.start = base;
  arg.end = end;
  arg.vec = reinterpret_cast<uintptr_t>(regions);
  arg.vec_len = std::size(regions);
  // Interesting: not the zero page, and present, swapped out, or in a file-backed mapping (an
  // unmapped page there reads the file's bytes, not zeros).
  arg.category_inverted = kPageIsPfnZero;
  arg.category_mask = kPageIsPfnZero;
  arg.category_anyof_mask = kPageIsPresent | kPageIsSwapped | kPageIsFile;
  arg.return_mask = kPageIsPresent;
  while (arg.start < end) {
    const long found = ::ioctl(fd.get(), kPagemapScan, &arg);
    if (found < 0) return std::nullopt;
    for (long i = 0; i < found; ++i) {
      const uint64_t from = regions[i].start - base;
      const uint64_t to = std::min<uint64_t>(regions[i].end - base, len);
      if (!out.empty() && out.back().second == from) {
        out.back().second = to;  // adjacent regions that differ only in category
      } else {
        out.emplace_back(from, to);
      }
    }
    if (arg.walk_end <= arg.start) return std::nullopt;  // no progress: do not trust the answer
    arg.start = arg.walk_end;
  }
  const size_t scanned = out.size();
  if (!AddFileBacked(base, end, out)) return std::nullopt;
  if (out.size() > scanned) {
    std::sort(out.begin(), out.end());
    std::vector<std::pair<uint64_t, uint64_t>> merged;
    for (auto [from, to] : out) {
      to = std::min(to, len);
      if (!merged.empty() && from <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, to);
      } else {
        merged.emplace_back(from, to);
      }
    }
    out = std::move(merged);
  }
  return out;
}

}  // namespace ao::wasm
