// MemoryStore: an in-memory Store for tests and throwaway nodes (the role of the reference's
// in-memory/LRU stores). Same semantics as every Store (it is a KvStore over a std::map with the
// same physical key layout as LevelDbStore); nothing survives the object.
//
// Thread-safety: safe for concurrent use; the map is guarded by a leaf mutex held only for the
// map operation itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aocore/store/kv_store.h"

namespace ao {

class MemoryStore final : public KvStore {
 public:
  MemoryStore() = default;
  ~MemoryStore() override { StopDeferred(); }
  static std::unique_ptr<MemoryStore> Create() { return std::make_unique<MemoryStore>(); }

  Status Close() override;
  std::string Describe() const override { return "memory"; }
  // Point reads of the key-value map so far (tests of what an operation costs).
  int64_t point_reads() const { return point_reads_.load(std::memory_order_relaxed); }

 protected:
  Result<std::optional<std::string>> KvGet(std::string_view key) override;
  Result<std::vector<KvEntry>> KvScan(std::string_view lower, std::string_view upper, bool reverse,
                                      size_t limit) override;
  Status KvCommit(const std::vector<KvWrite>& writes, bool sync) override;

 private:
  std::mutex mu_;
  // Guarded by mu_.
  std::map<std::string, std::string, std::less<>> kv_;
  bool closed_ = false;
  std::atomic<int64_t> point_reads_{0};
};

}  // namespace ao
