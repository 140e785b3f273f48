#include "aocore/common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace ao {
namespace {

// Shared with the helpers, which may start (and find nothing left) after ParallelFor returned.
struct Work {
  size_t n = 0;
  const std::function<void(size_t)>* body = nullptr;  // only read while an item is claimed
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  size_t done = 0;  // guarded by mu
};

void RunItems(Work& work) {
  for (size_t i = work.next.fetch_add(1); i < work.n; i = work.next.fetch_add(1)) {
    (*work.body)(i);
    std::lock_guard<std::mutex> lock(work.mu);
    if (++work.done == work.n) work.all_done.notify_all();
  }
}

}  // namespace

void ParallelFor(size_t n, size_t max_helpers, const HelperStarter& start_helper,
                 const std::function<void(size_t index)>& body) {
  if (n == 0) return;
  const size_t helpers = start_helper ? std::min(max_helpers, n - 1) : 0;
  if (helpers == 0) {  // the common one-request batch: no shared state, no wait
    for (size_t i = 0; i < n; ++i) body(i);
    return;
  }
  auto work = std::make_shared<Work>();
  work->n = n;
  work->body = &body;
  for (size_t h = 0; h < helpers; ++h) {
    if (!start_helper([work] { RunItems(*work); })) break;
  }
  RunItems(*work);
  std::unique_lock<std::mutex> lock(work->mu);
  work->all_done.wait(lock, [&] { return work->done == work->n; });
}

}  // namespace ao
