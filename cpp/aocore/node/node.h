// Node: the composition root of an aocore node. It owns the store (in memory, or LevelDB in
// `<dir>/store`), the node wallet (in memory, or `<dir>/wallet.json`, mode 0600, reloaded on
// every open so the node address survives restarts), the content cache, and — as their layers
// land — the device registry, resolver, schedulers and process workers.
//
// Lifecycle: Open() builds everything; Close() stops accepting work, waits for operations in
// flight, then closes the store. Close() is idempotent; any call after it returns
// Status::Closed. Closing from inside an operation of the same node (e.g. a device calling
// back into the node) is refused instead of deadlocking.
//
// Thread-safety: every public method is safe to call concurrently from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aocore/cache/content_cache.h"
#include "aocore/common/result.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/message.h"
#include "aocore/node/node_options.h"
#include "aocore/store/store.h"

namespace ao {

class Node {
 public:
  // Opens a node. With options.store_path empty the node is in memory and, without `wallet`,
  // generates one. With a path, the directory is created if missing; the stored wallet is
  // loaded, or `wallet` (or a new one) is generated and stored. Errors: IOError/Corruption for
  // an unusable or locked store directory, InvalidArgument for a malformed wallet file.
  static Result<std::unique_ptr<Node>> Open(NodeOptions options, std::optional<Wallet> wallet = std::nullopt);

  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Idempotent. Waits for operations in flight. FailedPrecondition-like Unavailable error when
  // called from inside one of this node's own operations.
  Status Close();
  bool closed() const;

  const NodeOptions& options() const { return options_; }
  const Wallet& wallet() const { return wallet_; }
  const std::string& address() const { return address_; }

  // Stores `message` in the content cache (synced for a LevelDB node); returns its ID.
  Result<std::string> Write(const Message& message);
  // Reads a stored message or a path into one ("<id>/a/b"). NotFound when absent.
  Result<Value> Read(std::string_view path);

  // An operation scope: while one is alive the node will not close underneath it.
  class Operation {
   public:
    ~Operation();
    Operation(Operation&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;

   private:
    friend class Node;
    explicit Operation(const Node* node) : node_(node) {}
    const Node* node_;
  };
  // Closed after Close().
  Result<Operation> Enter() const;

  // REQUIRES: an Operation is alive (or the caller otherwise keeps the node open).
  Store& store() { return *store_; }
  ContentCache& content() { return *content_; }

 private:
  Node(NodeOptions options, std::unique_ptr<Store> store, Wallet wallet);
  void Exit() const;

  // Constant after construction.
  const NodeOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ContentCache> content_;
  const Wallet wallet_;
  const std::string address_;

  // Guarded by mu_ (a leaf lock: held only to update these fields).
  mutable std::mutex mu_;
  mutable std::condition_variable idle_;
  mutable int active_ = 0;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace ao
