#include "aocore/store/memory_store.h"

namespace ao {
namespace {
Status ClosedStatus() { return Status::Closed("the memory store is closed"); }
}  // namespace

Status MemoryStore::Close() {
  StopDeferred();  // what was deferred is applied first
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  kv_.clear();
  return Status::OK();
}

Result<std::optional<std::string>> MemoryStore::KvGet(std::string_view key) {
  point_reads_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return ClosedStatus();
  auto it = kv_.find(key);
  if (it == kv_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Result<std::vector<KvStore::KvEntry>> MemoryStore::KvScan(std::string_view lower,
                                                          std::string_view upper, bool reverse,
                                                          size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return ClosedStatus();
  std::vector<KvEntry> out;
  if (!upper.empty() && lower >= upper) return out;
  auto begin = kv_.lower_bound(lower);
  auto end = upper.empty() ? kv_.end() : kv_.lower_bound(upper);
  auto full = [&] { return limit != 0 && out.size() >= limit; };
  if (!reverse) {
    for (auto it = begin; it != end && !full(); ++it) out.push_back(KvEntry{it->first, it->second});
  } else {
    for (auto it = end; it != begin && !full();) {
      --it;
      out.push_back(KvEntry{it->first, it->second});
    }
  }
  return out;
}

Status MemoryStore::KvCommit(const std::vector<KvWrite>& writes, bool /*sync*/) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return ClosedStatus();
  for (const KvWrite& write : writes) {
    if (write.value) {
      kv_.insert_or_assign(write.key, *write.value);
    } else {
      auto it = kv_.find(write.key);
      if (it != kv_.end()) kv_.erase(it);
    }
  }
  return Status::OK();
}

}  // namespace ao
