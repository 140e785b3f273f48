// Whether LevelDB may append to the write-ahead log and MANIFEST it finds when it opens a
// database (its `reuse_logs` option): only when each ends with a complete record.
//
// Why: a writer killed in the middle of a record (a SIGKILL can cut a write(2) short) leaves an
// incomplete record at the end of the log. LevelDB's reader drops such a tail silently, and with
// `reuse_logs` LevelDB then appends new records after it; the next open reads the torn header's
// length over the new records, fails their checksum and drops the block: writes that were
// acknowledged, synced ones too, are lost (google/leveldb#1287, open). LevelDbStore therefore
// asks this before each open and reuses the logs only when both tails are clean; otherwise
// LevelDB turns the log into a table and starts new files, which drops the torn tail safely.
//
// The check walks the records' framing (32 KiB blocks of <crc:4><length:2><type:1><payload>),
// not their checksums: a record that is whole but damaged is a corruption LevelDB's reader
// reports itself, and LevelDB does not reuse a log it reported.
//
// Thread-safety: stateless functions; the caller must keep the database closed while it asks.
#pragma once

#include <string>
#include <string_view>

#include "aocore/common/result.h"

namespace ao {

// True when `log` (the bytes of a LevelDB log file) is empty or ends with the last fragment of
// a complete record (or with a block trailer after one).
bool LevelDbLogEndsWithCompleteRecord(std::string_view log);

// True when the database at `dir` has no MANIFEST or log to reuse, or when its current MANIFEST
// and its newest write-ahead log both end with a complete record. An unreadable file is an
// error (the open would fail on it too).
Result<bool> LevelDbLogsSafeToReuse(const std::string& dir);

}  // namespace ao
