// LevelDbStore's resident memory does not grow with the size of the database: table files are
// read with pread, never memory-mapped (leveldb_env.h). A mapped table keeps every page that was
// read in the process's resident set (B8 in docs/benchmarks.md: ~500 MiB of 600 at 10,000
// processes).
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "aocore/store/leveldb_store.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// Lines of /proc/self/maps that map a file under `dir`.
int MappingsUnder(const std::string& dir) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int count = 0;
  while (std::getline(maps, line)) {
    if (line.find(dir) != std::string::npos) ++count;
  }
  return count;
}

TEST(LevelDbMemory, TableFilesAreReadWithoutMappingThem) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/db";
  LevelDbStoreOptions options;
  options.write_buffer_bytes = 64 << 10;  // small memtables: many table files quickly
  const Bytes value(1000, 'v');
  {
    auto store = LevelDbStore::Open(path, options);
    ASSERT_OK(store);
    for (int batch = 0; batch < 40; ++batch) {
      WriteBatch b;
      for (int i = 0; i < 50; ++i) b.Write("k/" + std::to_string(batch * 50 + i), value);
      ASSERT_OK((*store)->Apply(b));
    }
  }
  // Reopened: every read now comes from table files.
  auto store = LevelDbStore::Open(path, options);
  ASSERT_OK(store);
  for (int i = 0; i < 2000; ++i) {
    Result<Bytes> read = (*store)->Read("k/" + std::to_string(i));
    ASSERT_OK(read);
    ASSERT_EQ(*read, value);
  }
  int tables = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".ldb") ++tables;
  }
  ASSERT_GT(tables, 0);  // the reads above really went to table files
  EXPECT_EQ(MappingsUnder(path), 0);
}

}  // namespace
}  // namespace ao
