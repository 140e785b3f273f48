#include "aocore/node/node.h"

#include <filesystem>
#include <system_error>

#include "aocore/common/logging.h"
#include "aocore/store/leveldb_store.h"
#include "aocore/store/memory_store.h"

namespace ao {
namespace {

// How many operations of which nodes the current thread is inside; Close() from inside one of
// its own operations would wait for itself.
thread_local std::vector<const Node*> t_inside;

Result<Wallet> LoadOrCreateWallet(const std::filesystem::path& file, std::optional<Wallet> given) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    if (given) return *given;  // an explicit wallet wins for this session; the stored one stays
    Result<Wallet> loaded = Wallet::Load(file.string());
    if (!loaded.ok()) return loaded.status().WithContext("node wallet " + file.string());
    return loaded;
  }
  if (!given) {
    AO_ASSIGN_OR_RETURN(Wallet generated, Wallet::Generate());
    given.emplace(std::move(generated));
  }
  AO_RETURN_IF_ERROR(given->Save(file.string()));
  return *given;
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Open(NodeOptions options, std::optional<Wallet> wallet) {
  auto log = Logger("node");
  std::unique_ptr<Store> store;
  std::optional<Wallet> node_wallet;
  if (options.store_path.empty()) {
    store = MemoryStore::Create();
    if (wallet) {
      node_wallet = std::move(wallet);
    } else {
      AO_ASSIGN_OR_RETURN(Wallet generated, Wallet::Generate());
      node_wallet.emplace(std::move(generated));
    }
  } else {
    std::filesystem::path dir(options.store_path);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir, ec)) {
      return Status::IOError("cannot create node directory '" + dir.string() + "': " +
                             (ec ? ec.message() : "not a directory"));
    }
    Result<std::unique_ptr<LevelDbStore>> opened = LevelDbStore::Open((dir / "store").string());
    if (!opened.ok()) return opened.status();
    store = std::move(opened).value();
    Result<Wallet> loaded = LoadOrCreateWallet(dir / "wallet.json", std::move(wallet));
    if (!loaded.ok()) {
      (void)store->Close();
      return loaded.status();
    }
    node_wallet.emplace(std::move(loaded).value());
  }
  std::unique_ptr<Node> node(new Node(std::move(options), std::move(store), std::move(*node_wallet)));
  log->info("node opened store={} address={}", node->store_->Describe(), node->address_);
  return node;
}

Node::Node(NodeOptions options, std::unique_ptr<Store> store, Wallet wallet)
    : options_(std::move(options)),
      store_(std::move(store)),
      content_(std::make_unique<ContentCache>(*store_)),
      wallet_(std::move(wallet)),
      address_(wallet_.Address()) {}

Node::~Node() { (void)Close(); }

Result<Node::Operation> Node::Enter() const {
  std::lock_guard lock(mu_);
  if (closing_) return Status::Closed("the node is closed");
  ++active_;
  t_inside.push_back(this);
  return Operation(this);
}

void Node::Exit() const {
  for (auto it = t_inside.rbegin(); it != t_inside.rend(); ++it) {
    if (*it == this) {
      t_inside.erase(std::next(it).base());
      break;
    }
  }
  std::lock_guard lock(mu_);
  if (--active_ == 0) idle_.notify_all();
}

Node::Operation::~Operation() {
  if (node_) node_->Exit();
}

Status Node::Close() {
  for (const Node* n : t_inside) {
    if (n == this) return Status::Unavailable("cannot close a node from inside one of its own operations");
  }
  {
    std::unique_lock lock(mu_);
    if (closed_) return Status::OK();
    closing_ = true;
    idle_.wait(lock, [&] { return active_ == 0; });
    if (closed_) return Status::OK();
    closed_ = true;
  }
  Status s = store_->Close();
  Logger("node")->info("node closed address={}", address_);
  return s;
}

bool Node::closed() const {
  std::lock_guard lock(mu_);
  return closing_;
}

Result<std::string> Node::Write(const Message& message) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  WriteOptions wo;
  wo.sync = true;
  return content_->Write(message, wo);
}

Result<Value> Node::Read(std::string_view path) {
  AO_ASSIGN_OR_RETURN(Operation op, Enter());
  return content_->Read(path);
}

}  // namespace ao
