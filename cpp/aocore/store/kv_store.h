// KvStore: the Store semantics implemented once over an ordered byte-string key-value map, so
// every backend (MemoryStore, LevelDbStore) behaves identically and only supplies three
// primitives: point get, ordered range scan, and an atomic multi-key commit.
//
// Physical key layout (bytewise-ordered keys; LevelDB's default comparator):
//   'n' <path>                                  -> node record, one per node:
//        0x01 <target path>                         a link
//        0x02 <bytes>                               a value
//        0x03                                       a group (marker only, no payload)
//   'm' <be32 len(parent)> <parent> <child name> -> "" : group membership, one key per child
//   'v'                                          -> format marker (LevelDbStore only)
// Membership keys are separate keys, never a rewritten set, so adding the 100,000th child costs
// the same as the first, and the children of a group are one contiguous, name-ordered key
// range: listing pages by seek, and the last child is a single reverse seek. The parent's
// length prefix keeps groups' ranges disjoint whatever bytes their names hold. The root group
// (path "") is implicit: it has no node record but has membership keys, so it can be listed.
//
// Content operations (WriteBatch::WriteContent, MakeContentGroup, MakeContentLink) are written
// without reading the path first: their writer promises that anything there is the same node, so
// the records are put again as they are (idempotent); only a parent not known to be a group is
// looked up. A slot's content leaf and a restore point's leaves and element links cost writes only.
// WriteBatch::ExpectNoChildren is one seek over the group's membership keys (under write_mu_,
// so it holds until the commit): a writer that has proved a range of slots new writes them as
// content operations.
//
// Known groups: a group stays a group until a batch deletes it (no operation turns a group into
// a value or link), so the paths seen to be groups are remembered (a bounded set, dropped whole
// when full): resolving a path does not read its group prefixes again (they are not links), and
// a write does not read its parents again to find they exist. A delete forgets the path before
// its batch commits. This is what makes a slot's writes and reads cost one store read per
// node instead of one per path segment.
//
// Deferred writes (ApplyDeferred, store.h): queued and applied in order by a thread of the store
// (started by the first one, stopped by the backend's Close and destructor after it applied
// everything queued). Each queued batch holds a ticket until it is applied or failed; every
// public call (reads and Apply) first waits for the tickets taken before it began, except on
// that thread (its builds read what was applied before them). With nothing deferred the check
// is one atomic load. Reads ahead (ReadAhead) go on that thread before the queued batches.
//
// Thread-safety: safe for concurrent use. Reads run without locks of their own (the known-group
// set has its own leaf lock); Apply holds write_mu_ (a leaf lock taken by nothing else) across
// its existence checks and the commit, so first-writer-wins links and implicit parent groups
// are decided atomically with the write. deferred_mu_ is a leaf lock too (never held across a
// build, a write or a callback).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <optional>
#include <shared_mutex>
#include <unordered_set>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/store/store.h"

namespace ao {

class KvStore : public Store {
 public:
  using Store::Apply;

  Result<Bytes> Read(std::string_view path) override;
  Result<NodeType> Type(std::string_view path) override;
  Result<std::vector<std::string>> List(std::string_view path) override;
  Result<std::vector<std::string>> ScanChildren(std::string_view group,
                                                const ScanOptions& options) override;
  Result<std::vector<std::pair<std::string, Bytes>>> ScanValues(std::string_view group,
                                                              const ScanOptions& options) override;
  Result<std::string> Resolve(std::string_view path) override;
  Status Apply(const WriteBatch& batch, const WriteOptions& options) override;
  void ApplyDeferred(std::function<Result<WriteBatch>()> build, std::function<void(Status)> done) override;
  // Queued ahead of the deferred batches (after the reads ahead queued before it).
  void ReadAhead(std::function<void(Status)> read) override;
  // On the store's own thread (inside a `build` or `done`): at once.
  void WaitForDeferred() override { AwaitDeferred(); }

  // For tests of what deferred writes promise. Paused: deferred batches stay queued (calls that
  // must wait for them block) until resumed; reads ahead still run. DropDeferredForTesting: the queued batches are
  // never applied (`done` gets Aborted), as if the process had been killed before they were;
  // the reads ahead queued are not made (they get Aborted too).
  void PauseDeferredForTesting(bool paused);
  void DropDeferredForTesting();
  // Deferred batches not yet applied (queued or being applied).
  size_t deferred_pending() const { return deferred_count_.load(std::memory_order_acquire); }
  // Calls waiting for deferred batches right now.
  size_t deferred_waiters() const;

  // Node record tags (persistent format: never change these values).
  static constexpr char kLinkTag = 0x01;
  static constexpr char kValueTag = 0x02;
  static constexpr char kGroupTag = 0x03;
  // Key-space prefixes (persistent format).
  static constexpr char kNodePrefix = 'n';
  static constexpr char kMemberPrefix = 'm';
  static constexpr char kMetaPrefix = 'v';

  static std::string NodeKey(std::string_view path);
  static std::string MemberPrefix(std::string_view parent);
  static std::string MemberKey(std::string_view parent, std::string_view child);

 protected:
  KvStore() = default;
  ~KvStore() override;

  // Applies every deferred batch and stops their thread; later ApplyDeferred calls get Closed.
  // A backend calls it in Close and in its destructor, before its own state goes.
  void StopDeferred();

  struct KvEntry {
    std::string key;
    std::string value;
  };
  struct KvWrite {
    std::string key;
    std::optional<std::string> value;  // nullopt deletes the key
  };

  // The value under `key`, or nullopt. Closed after Close().
  virtual Result<std::optional<std::string>> KvGet(std::string_view key) = 0;
  // Entries with lower <= key < upper (an empty `upper` is unbounded), ascending (or descending
  // when `reverse`), at most `limit` of them (0 = all).
  virtual Result<std::vector<KvEntry>> KvScan(std::string_view lower, std::string_view upper,
                                              bool reverse, size_t limit) = 0;
  // Applies every write atomically (durably first when `sync`).
  virtual Status KvCommit(const std::vector<KvWrite>& writes, bool sync) = 0;

 private:
  struct Node {
    enum class Kind { kValue, kGroup, kLink } kind;
    std::string data;  // the value bytes or the link target
  };
  // Pending writes of the batch being applied, consulted before the backend.
  using Overlay = std::map<std::string, std::optional<std::string>, std::less<>>;

  Result<std::optional<Node>> GetNode(std::string_view path, const Overlay* overlay);
  // Resolves `normalized`; with `last`, also gives the node at the resolved path (nullopt when
  // nothing is there), read on the way, so a caller need not read it again.
  Status ResolveInto(std::string_view normalized, int* hops, std::vector<std::string>* in_progress,
                     std::string* out, std::optional<Node>* last = nullptr);
  Result<std::string> ResolveNormalized(std::string_view path, std::optional<Node>* last = nullptr);
  // The node at `path` after following links (one read per link and one for the node itself;
  // group prefixes known to be groups are not read).
  Result<std::optional<Node>> ResolvedNode(std::string_view path, std::string* resolved = nullptr);

  bool KnownGroup(std::string_view path);
  // Remembers a group read from the backend; `epoch` is known_epoch_ before the read (a delete
  // in between leaves it unremembered), or nullopt inside Apply (no delete can interleave).
  void RememberGroup(std::string_view path, std::optional<uint64_t> epoch);
  void ForgetGroup(std::string_view path);

  Status ApplyOp(const WriteBatch::Op& op, Overlay* overlay);
  // A content operation (WriteBatch::Op::content) at normalized `path`: no read of the path.
  Status ApplyContentOp(const WriteBatch::Op& op, const std::string& path, Overlay* overlay);
  // WriteBatch::ExpectNoChildren at normalized `path` (one seek when nothing is there).
  Status ExpectNoChildren(const WriteBatch::Op& op, const std::string& path, const Overlay& overlay);
  Status EnsureParents(std::string_view path, Overlay* overlay);
  Result<bool> GroupHasChildren(std::string_view path, const Overlay& overlay);

  // Waits until the deferred batches queued before this call are applied (not on their thread).
  void AwaitDeferred();
  void DeferredLoop();
  // Starts the deferred thread if it is not running. REQUIRES: deferred_mu_ held.
  void StartDeferredThreadLocked();

  std::mutex write_mu_;  // serialises Apply; leaf lock

  struct Deferred {
    uint64_t ticket;
    std::function<Result<WriteBatch>()> build;
    std::function<void(Status)> done;
  };
  mutable std::mutex deferred_mu_;  // leaf lock; guards the deferred state below
  std::condition_variable deferred_cv_;
  std::deque<Deferred> deferred_;
  std::deque<std::function<void(Status)>> reads_ahead_;  // run before deferred_, no tickets
  std::set<uint64_t> deferred_tickets_;  // queued or being applied
  uint64_t next_ticket_ = 0;
  size_t deferred_waiters_ = 0;
  bool deferred_paused_ = false;
  bool deferred_stopped_ = false;
  std::thread deferred_thread_;
  std::thread::id deferred_thread_id_;
  std::atomic<size_t> deferred_count_{0};  // deferred_tickets_.size(), read without the lock

  static constexpr size_t kKnownGroupsMax = 1 << 16;
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::shared_mutex groups_mu_;  // guards known_groups_ and known_epoch_; leaf lock
  std::unordered_set<std::string, PathHash, std::equal_to<>> known_groups_;
  uint64_t known_epoch_ = 0;  // advanced by every ForgetGroup
};

}  // namespace ao
