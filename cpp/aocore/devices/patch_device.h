// patch@1.0: applies PATCH messages found in a process's state (typically its outbox) to the
// state itself. Port of src/dev_patch.erl (spec/process.md §4.3, §6 scenarios 36-39).
//
// Keys: init, normalize, snapshot return the base unchanged; compute and patches run the
// `patches` mode; all runs the `all` mode.
//   source path: first of request `patch-from`, base `patch-from`, request `from`, base `from`
//                (default "/"); a first segment "base:" reads from the base, "req:" from the
//                request; no prefix reads from the base (the reference's precedence, which
//                checks the request first — replicated);
//   target path: first of request `patch-to`, base `patch-to`, request `to`, base `to`
//                (default "/").
//   patches: the source message's entries whose `method` is "PATCH" (or whose `device` is
//            patch@1.0) are removed from the source and deep-merged, in numeric key order
//            (the reference: map order, not numeric beyond 32 entries, §7.24 — fixed), each
//            without `method`, `commitments` and `priv`, into the message at the target path.
//   all:     the whole source value moves to the target path and the source is removed.
// The result is the source message (base, or request with "req:") with the source trimmed and
// the target set. A missing source is no patch: the source message comes back unchanged.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include "aocore/ao/device.h"

namespace ao {

DevicePtr MakePatchDevice();

}  // namespace ao
