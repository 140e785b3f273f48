#include "aocore/common/file_io.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace ao {
namespace {

TEST(FileIo, WriteThenReadRoundTripsWithMode0600AndNoTemporaryLeft) {
  testing::TempDir dir;
  std::string path = (dir.path() / "f.txt").string();
  { std::ofstream(path) << "old contents, longer than the new ones"; }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(WriteFileAtomically(path, std::string("new\0bytes", 9)).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto read = ReadSmallFile(path, 1024);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, std::string("new\0bytes", 9));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(FileIo, ReadingAMissingFileIsNotFoundAndATooLargeOneIsInvalidArgument) {
  testing::TempDir dir;
  std::string path = (dir.path() / "f.txt").string();
  EXPECT_TRUE(ReadSmallFile(path, 10).status().IsNotFound());
  { std::ofstream(path) << std::string(11, 'x'); }
  auto r = ReadSmallFile(path, 10);
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  ASSERT_TRUE(ReadSmallFile(path, 11).ok());
}

TEST(FileIo, WritingIntoAMissingDirectoryIsAnIOError) {
  testing::TempDir dir;
  Status s = WriteFileAtomically((dir.path() / "no" / "f.txt").string(), "x");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
}

}  // namespace
}  // namespace ao
