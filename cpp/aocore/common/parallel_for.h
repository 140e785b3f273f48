// ParallelFor: runs body(0), ..., body(n - 1) on the calling thread and on helper tasks started
// through `start_helper` (for example a thread pool's Schedule), and returns when all are done.
//
// The caller claims items too, so ParallelFor finishes even when no helper ever runs (a busy,
// saturated or stopped pool): it only ever waits for items already being run, never for a helper
// to start. That makes it safe to call from a thread of the same pool the helpers go to.
//
// Thread-safety: `body` runs concurrently with itself (once per index); it must not throw.
#pragma once

#include <cstddef>
#include <functional>

namespace ao {

// Starts `task` on another thread; false when refused (the task is then dropped, not run).
using HelperStarter = std::function<bool(std::function<void()> task)>;

// Up to `max_helpers` helpers are started (never more than n - 1). An unset `start_helper` runs
// everything on the calling thread.
void ParallelFor(size_t n, size_t max_helpers, const HelperStarter& start_helper,
                 const std::function<void(size_t index)>& body);

}  // namespace ao
