// Tests of the torn-log check LevelDbStore makes before it lets LevelDB reuse its logs.
#include "aocore/store/leveldb_log_tail.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "aocore/store/leveldb_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

constexpr size_t kBlock = 32768;

// One physical record as LevelDB's log writer lays it out (the checksum is not checked here).
std::string Fragment(uint8_t type, size_t length) {
  std::string out(7, '\0');
  out[4] = static_cast<char>(length & 0xff);
  out[5] = static_cast<char>(length >> 8);
  out[6] = static_cast<char>(type);
  out.append(length, 'x');
  return out;
}

TEST(LevelDbLogTail, CompleteRecordsAreACleanTail) {
  EXPECT_TRUE(LevelDbLogEndsWithCompleteRecord(""));
  EXPECT_TRUE(LevelDbLogEndsWithCompleteRecord(Fragment(1, 10) + Fragment(1, 0)));
  // A record split over two blocks: FIRST fills the first block, LAST starts the second.
  const std::string first = Fragment(2, kBlock - 7);
  EXPECT_TRUE(LevelDbLogEndsWithCompleteRecord(first + Fragment(4, 100)));
  EXPECT_TRUE(LevelDbLogEndsWithCompleteRecord(first + Fragment(3, kBlock - 7) + Fragment(4, 1)));
  // A block ending in fewer than 7 bytes is padded with zeros, which the next record skips.
  const std::string padded = Fragment(1, kBlock - 7 - 3) + std::string(3, '\0');
  EXPECT_TRUE(LevelDbLogEndsWithCompleteRecord(padded));
  EXPECT_TRUE(LevelDbLogEndsWithCompleteRecord(padded + Fragment(1, 5)));
}

TEST(LevelDbLogTail, ATornRecordIsNot) {
  const std::string whole = Fragment(1, 10);
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(whole + Fragment(1, 100).substr(0, 5)));   // header cut
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(whole + Fragment(1, 100).substr(0, 50)));  // payload cut
  // A record whose last fragment was never written.
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(whole + Fragment(2, kBlock - 7 - whole.size())));
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(Fragment(2, kBlock - 7) + Fragment(3, 10)));
  // Fragments out of order, zero-filled space, a length past its block: not a tail to append to.
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(Fragment(4, 10)));
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(whole + std::string(20, '\0')));
  EXPECT_FALSE(LevelDbLogEndsWithCompleteRecord(Fragment(1, kBlock)));
}

std::filesystem::path NewestLogFile(const std::filesystem::path& dir) {
  std::filesystem::path newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && entry.path().filename() > newest.filename()) newest = entry.path();
  }
  return newest;
}

// A writer killed in the middle of a record leaves it torn at the end of the log. What the next
// run writes and acknowledges after that must survive the run after it (google/leveldb#1287:
// with `reuse_logs` it was appended after the torn bytes and dropped by the next open).
TEST(LevelDbLogTail, WritesAfterATornLogTailSurviveTheNextOpen) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "db").string();
  {
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    ASSERT_OK((*store)->Apply(WriteBatch().Write("before", "a"), WriteOptions{.sync = true}));
    ASSERT_OK((*store)->Close());
  }
  const std::filesystem::path log = NewestLogFile(db);
  ASSERT_FALSE(log.empty());
  {
    // The first 7 + 20 bytes of a 1,000-byte record: what a cut-short write(2) leaves.
    std::ofstream out(log, std::ios::binary | std::ios::app);
    const std::string torn = Fragment(1, 1000).substr(0, 27);
    out.write(torn.data(), static_cast<std::streamsize>(torn.size()));
  }
  EXPECT_EQ(LevelDbLogsSafeToReuse(db).value(), false);
  {
    auto store = LevelDbStore::Open(db);
    ASSERT_OK(store);
    ASSERT_OK((*store)->Apply(WriteBatch().Write("after", "b"), WriteOptions{.sync = true}));
    ASSERT_OK((*store)->Apply(WriteBatch().Write("later", "c"), WriteOptions{.sync = true}));
    ASSERT_OK((*store)->Close());
  }
  auto store = LevelDbStore::Open(db);
  ASSERT_OK(store);
  for (const auto& [path, value] : {std::pair{"before", "a"}, {"after", "b"}, {"later", "c"}}) {
    Result<Bytes> read = (*store)->Read(path);
    ASSERT_TRUE(read.ok()) << path << ": " << read.status().ToString();
    EXPECT_EQ(*read, value);
  }
  // The logs were rewritten clean: the next open may reuse them again.
  ASSERT_OK((*store)->Close());
  EXPECT_EQ(LevelDbLogsSafeToReuse(db).value(), true);
}

}  // namespace
}  // namespace ao
