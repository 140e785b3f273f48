#include "aocore/wasm/resident_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

namespace ao::wasm {
namespace {

constexpr uint64_t kPage = kResidentPageSize;

bool Covered(const std::vector<std::pair<uint64_t, uint64_t>>& ranges, uint64_t page) {
  for (const auto& [from, to] : ranges) {
    if (from <= page * kPage && page * kPage < to) return true;
  }
  return false;
}

class Mapping {
 public:
  Mapping(size_t len, int flags, int fd = -1) : len_(len) {
    p_ = static_cast<uint8_t*>(::mmap(nullptr, len, PROT_READ | PROT_WRITE, flags, fd, 0));
  }
  ~Mapping() {
    if (p_ != MAP_FAILED) ::munmap(p_, len_);
  }
  uint8_t* get() const { return p_ == MAP_FAILED ? nullptr : p_; }

 private:
  size_t len_;
  uint8_t* p_;
};

TEST(ResidentPagesWasm, ListsWrittenPagesAndSkipsNeverWrittenAndZeroPages) {
  Mapping m(64 * kPage, MAP_PRIVATE | MAP_ANONYMOUS);
  ASSERT_NE(m.get(), nullptr);
  m.get()[3 * kPage] = 1;
  m.get()[10 * kPage + 17] = 2;
  m.get()[11 * kPage + kPage - 1] = 3;
  volatile uint8_t read = m.get()[20 * kPage];  // maps the zero page: still zero
  (void)read;
  m.get()[30 * kPage] = 0;  // written with zeros: listed (the caller checks the bytes)
  auto ranges = MaybeNonZeroRanges(m.get(), 64 * kPage);
  if (!ranges) GTEST_SKIP() << "the kernel has no PAGEMAP_SCAN (Linux 6.7+)";
  EXPECT_TRUE(Covered(*ranges, 3));
  EXPECT_TRUE(Covered(*ranges, 10));
  EXPECT_TRUE(Covered(*ranges, 11));
  EXPECT_TRUE(Covered(*ranges, 30));
  EXPECT_FALSE(Covered(*ranges, 20));
  for (uint64_t page : {0, 4, 12, 40, 63}) EXPECT_FALSE(Covered(*ranges, page)) << page;
  for (size_t i = 0; i < ranges->size(); ++i) {
    EXPECT_EQ((*ranges)[i].first % kPage, 0u);
    EXPECT_LT((*ranges)[i].first, (*ranges)[i].second);
    if (i > 0) {
      EXPECT_LT((*ranges)[i - 1].second, (*ranges)[i].first);  // merged when adjacent
    }
  }
}

TEST(ResidentPagesWasm, FileBackedPagesNeverTouchedAreListed) {
  // Wasmtime maps a module's data image copy-on-write from a memfd: a page of it that was never
  // touched has no page-table entry, yet reads the image's bytes.
  const int fd = ::memfd_create("resident-pages-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> image(8 * kPage, 0);
  image[5 * kPage] = 7;
  ASSERT_EQ(::write(fd, image.data(), image.size()), static_cast<ssize_t>(image.size()));
  {
    Mapping m(8 * kPage, MAP_PRIVATE, fd);
    ASSERT_NE(m.get(), nullptr);
    auto ranges = MaybeNonZeroRanges(m.get(), 8 * kPage);
    if (ranges) {
      EXPECT_TRUE(Covered(*ranges, 5));
    }
    EXPECT_EQ(m.get()[5 * kPage], 7);
  }
  ::close(fd);
}

TEST(ResidentPagesWasm, UnalignedRangesAreNotAnswered) {
  Mapping m(4 * kPage, MAP_PRIVATE | MAP_ANONYMOUS);
  ASSERT_NE(m.get(), nullptr);
  EXPECT_FALSE(MaybeNonZeroRanges(m.get() + 1, 2 * kPage).has_value());
}

TEST(ResidentPagesWasm, ALengthNotAWholePageEndsAtTheLength) {
  Mapping m(4 * kPage, MAP_PRIVATE | MAP_ANONYMOUS);
  ASSERT_NE(m.get(), nullptr);
  m.get()[kPage + 5] = 1;
  auto ranges = MaybeNonZeroRanges(m.get(), kPage + 100);
  if (!ranges) GTEST_SKIP() << "the kernel has no PAGEMAP_SCAN (Linux 6.7+)";
  ASSERT_EQ(ranges->size(), 1u);
  EXPECT_EQ((*ranges)[0], (std::pair<uint64_t, uint64_t>{kPage, kPage + 100}));
}

}  // namespace
}  // namespace ao::wasm
