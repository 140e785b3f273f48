// A Store that forwards every call to another store, for tests that observe or disturb what a
// component reads and writes: derive from it and override only the calls the test watches.
//
// Thread-safety: as the inner store; what a subclass adds must be made safe by the subclass.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aocore/store/store.h"

namespace ao::testing {

class ForwardingStore : public Store {
 public:
  // Forwards to `inner`, which must outlive this store.
  explicit ForwardingStore(Store& inner) : inner_(inner) {}
  // Forwards to `inner` and owns it.
  explicit ForwardingStore(std::unique_ptr<Store> inner) : owned_(std::move(inner)), inner_(*owned_) {}

  Result<Bytes> Read(std::string_view path) override { return inner_.Read(path); }
  Result<NodeType> Type(std::string_view path) override { return inner_.Type(path); }
  Result<std::vector<std::string>> List(std::string_view path) override { return inner_.List(path); }
  Result<std::vector<std::string>> ScanChildren(std::string_view group, const ScanOptions& options) override {
    return inner_.ScanChildren(group, options);
  }
  Result<std::vector<std::pair<std::string, Bytes>>> ScanValues(std::string_view group,
                                                              const ScanOptions& options) override {
    return inner_.ScanValues(group, options);
  }
  Result<std::string> Resolve(std::string_view path) override { return inner_.Resolve(path); }
  using Store::Apply;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override { return inner_.Apply(batch, options); }
  Status Close() override { return inner_.Close(); }
  std::string Describe() const override { return "forwarding:" + inner_.Describe(); }

 protected:
  Store& inner() { return inner_; }

 private:
  std::unique_ptr<Store> owned_;  // null when the inner store is borrowed
  Store& inner_;
};

}  // namespace ao::testing
