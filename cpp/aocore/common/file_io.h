// File I/O helpers for small files read or written whole (wallet keys, configuration): a bounded
// read and an atomic, owner-only write.
//
// Thread-safety: free functions with no shared state; concurrent calls on different paths are
// safe, concurrent writes of one path leave one of the contents (each write is a rename).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "aocore/common/result.h"
#include "aocore/common/status.h"

namespace ao {

// The whole content of `path`. NotFound when the file does not exist, IOError when it cannot be
// opened or read, InvalidArgument when it holds more than `max_bytes` (it is then not the small
// file the caller expects, and is not read further).
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

// Writes `data` to `path` with mode 0600, atomically: a temporary file in the same directory,
// fsync, then rename over `path` (and a best-effort fsync of the directory), so a crash leaves
// either the old file or the new one, never a truncated one. The temporary file is created 0600,
// so the content is never readable by others, even before the rename. IOError names the step.
Status WriteFileAtomically(const std::string& path, std::string_view data);

}  // namespace ao
