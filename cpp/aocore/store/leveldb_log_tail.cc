#include "aocore/store/leveldb_log_tail.h"

#include <cstdint>
#include <filesystem>
#include <system_error>

#include "aocore/common/file_io.h"

namespace ao {
namespace {

// LevelDB's log format (db/log_format.h): fixed blocks, a 7-byte header per fragment.
constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;
constexpr size_t kMaxCheckedLog = size_t{1} << 30;
enum RecordType : uint8_t { kZeroType = 0, kFullType = 1, kFirstType = 2, kMiddleType = 3, kLastType = 4 };

// The newest write-ahead log of the database in `dir` (the one LevelDB would reuse), or "".
std::string NewestLog(const std::filesystem::path& dir, std::error_code& ec) {
  std::string newest;
  uint64_t newest_number = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) continue;
    const std::string digits = name.substr(0, name.size() - 4);
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const uint64_t number = std::stoull(digits);
    if (newest.empty() || number > newest_number) {
      newest = name;
      newest_number = number;
    }
  }
  return newest;
}

}  // namespace

bool LevelDbLogEndsWithCompleteRecord(std::string_view log) {
  size_t at = 0;
  bool in_record = false;  // after a FIRST or MIDDLE fragment: the record is not complete yet
  while (at < log.size()) {
    const size_t left_in_block = kBlockSize - at % kBlockSize;
    if (left_in_block < kHeaderSize) {  // the block's zero trailer
      if (log.size() - at < left_in_block) return !in_record;  // the writer pads as it goes
      at += left_in_block;
      continue;
    }
    if (log.size() - at < kHeaderSize) return false;  // a torn header
    const auto* header = reinterpret_cast<const uint8_t*>(log.data() + at);
    const size_t length = header[4] | (static_cast<size_t>(header[5]) << 8);
    const uint8_t type = header[6];
    if (kHeaderSize + length > left_in_block) return false;  // cannot be a fragment LevelDB wrote
    if (log.size() - at - kHeaderSize < length) return false;  // a torn payload
    switch (type) {
      case kFullType:
        if (in_record) return false;
        break;
      case kFirstType:
        if (in_record) return false;
        in_record = true;
        break;
      case kMiddleType:
        if (!in_record) return false;
        break;
      case kLastType:
        if (!in_record) return false;
        in_record = false;
        break;
      default:  // zero-filled or unknown: not a tail to append to
        return false;
    }
    at += kHeaderSize + length;
  }
  return !in_record;
}

Result<bool> LevelDbLogsSafeToReuse(const std::string& dir) {
  const std::filesystem::path root(dir);
  std::error_code ec;
  if (!std::filesystem::exists(root / "CURRENT", ec)) return true;  // a new database
  AO_ASSIGN_OR_RETURN(std::string manifest, ReadSmallFile((root / "CURRENT").string(), 4096));
  while (!manifest.empty() && (manifest.back() == '\n' || manifest.back() == '\r')) manifest.pop_back();
  if (manifest.empty() || manifest.find('/') != std::string::npos) {
    return false;  // LevelDB reports a bad CURRENT itself; nothing here is reused
  }
  for (const std::string& name : {manifest, NewestLog(root, ec)}) {
    if (ec) return Status::IOError("cannot list store directory '" + dir + "': " + ec.message());
    if (name.empty() || !std::filesystem::exists(root / name, ec)) continue;
    Result<std::string> bytes = ReadSmallFile((root / name).string(), kMaxCheckedLog);
    // A log this long is never reused: its memtable would be written out while it is replayed.
    if (!bytes.ok() && bytes.status().IsInvalidArgument()) return false;
    if (!bytes.ok()) return bytes.status();
    if (!LevelDbLogEndsWithCompleteRecord(*bytes)) return false;
  }
  return true;
}

}  // namespace ao
