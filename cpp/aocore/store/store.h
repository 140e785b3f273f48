// Store: the storage interface, the port of the hb_store behaviour with HyperBEAM's RocksDB
// scaling and atomicity bugs fixed.
//
// A store holds nodes at paths (see keys.h for the path rules). A node is one of:
//   * a value ("simple"): bytes;
//   * a group ("composite"): a directory-like node whose children are named by their last path
//     segment. Writing a path creates its missing parent groups implicitly;
//   * a link: a node holding the path of another node (which need not exist). Links are
//     followed by Read/Type/List/ScanChildren/Resolve, at every prefix of a path: with
//     `a/b -> x` and a value at `x/c`, Read("a/b/c") reads `x/c`.
// Following links is bounded: a cycle (a -> b -> a) or a chain longer than kMaxLinkHops is a
// Corruption error whose message says "circular links", never a hang.
//
// Deviations from the reference (deliberate fixes): every mutation goes through an atomic
// WriteBatch; an ancestor that is a value or link makes a write fail with InvalidArgument
// instead of crashing the store; writing a value over a group is refused; "." and ".." segments
// are rejected; the root group ("") can be listed; children are listed sorted bytewise.
// Links are never overwritten by MakeLink (first writer wins, as the reference); ReplaceLink is
// the explicit replace operation.
//
// Errors: NotFound (nothing there, or a group read as a value), InvalidArgument (bad path, type
// conflict), Corruption (circular links, undecodable data), IOError (backend I/O failure,
// store locked by another node), Closed (after Close()).
//
// Thread-safety: every implementation is safe for concurrent use from any thread without
// external synchronization.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/common/result.h"
#include "aocore/store/write_batch.h"

namespace ao {

// The reference's type/2 answer.
enum class NodeType { kNotFound, kSimple, kComposite };
std::string_view NodeTypeName(NodeType type);  // "not_found", "simple", "composite"

struct WriteOptions {
  // Flush the batch to stable storage (fsync) before Apply returns. Without it a process crash
  // loses nothing (the OS has the data) but a machine crash may lose the latest batches.
  // Default: false (the scheduler's aggressive mode); local_confirmation sets it.
  bool sync = false;
};

// Selects children of a group, in bytewise order of their names. All bounds are on the child
// name; empty strings mean "unbounded".
struct ScanOptions {
  std::string prefix;    // only names starting with this
  std::string start;     // inclusive lower bound
  std::string end;       // exclusive upper bound
  bool reverse = false;  // highest name first
  size_t limit = 0;      // at most this many names; 0 = no limit
};

// Links followed while resolving one path, at most (cycles are detected sooner).
inline constexpr int kMaxLinkHops = 256;

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The bytes of the value at `path` after following links. NotFound when nothing is there or
  // the node is a group.
  virtual Result<Bytes> Read(std::string_view path) = 0;

  // simple / composite / not_found after following links (never a NotFound error).
  virtual Result<NodeType> Type(std::string_view path) = 0;

  // Every child name of the group at `path` (links followed), sorted bytewise. NotFound when
  // there is no group there. O(children): use ScanChildren to page through large groups.
  virtual Result<std::vector<std::string>> List(std::string_view path) = 0;

  // The child names of the group at `group` selected by `options`. Costs one seek plus one step
  // per returned name, whatever the size of the group. NotFound when there is no group there.
  virtual Result<std::vector<std::string>> ScanChildren(std::string_view group,
                                                        const ScanOptions& options) = 0;

  // The children of `group` selected by `options` that are values, as (name, bytes) in name
  // order; children that are groups or links are left out (read them with Read). For records
  // read a page at a time (a process's packed assignments). KvStore: two seeks (the names and
  // the records), whatever the page size; this default reads each child.
  virtual Result<std::vector<std::pair<std::string, Bytes>>> ScanValues(std::string_view group,
                                                                      const ScanOptions& options);
  // `path` with every link replaced by its (recursively resolved) target, segment by segment.
  // The result names a value, a group, or nothing; it is never a link.
  virtual Result<std::string> Resolve(std::string_view path) = 0;

  // Applies every operation of `batch` atomically, or none of them (the first failing operation's
  // status is returned, with its index and path as context).
  virtual Status Apply(const WriteBatch& batch, const WriteOptions& options) = 0;
  Status Apply(const WriteBatch& batch) { return Apply(batch, WriteOptions{}); }

  // A write the caller may answer for before it is applied: the batch `build` makes is applied
  // without sync, then `done` gets the status (a build error is the status; nothing is then
  // written). A store may do this later, on a thread of its own, and return at once; it then
  // makes every later call on it (reads and Apply, from any thread) wait until the batches
  // deferred before that call are applied or failed, so whoever learns of the write from the
  // caller reads it; `done` has run before those calls proceed. `build` and `done` run on one
  // thread, in the order of the calls; reads made by `build` see every batch deferred before it,
  // and `build` may itself Apply to this store (a write whose outcome decides the rest, e.g. a
  // conflict fallback; it then returns what is left, or an empty batch). Neither may call
  // ApplyDeferred or wait for anything but this store. After Close, `done` gets Closed. Default
  // (this class): both run now, on the caller's thread (Apply, then `done`).
  virtual void ApplyDeferred(std::function<Result<WriteBatch>()> build, std::function<void(Status)> done);

  // A read wanted soon rather than in turn: `read` runs with OK on the thread that applies the
  // deferred batches, before those still queued there, so it sees the batches applied so far and
  // perhaps not every one deferred before this call; with Closed, and must not read, when the
  // store closed first. For reads ahead whose result is a hint (the next page of assignments
  // while a worker computes): a caller that needs what was deferred reads again the usual way.
  // No call waits for it. The same rules as `build`: no ApplyDeferred, no waiting for anything
  // but this store. Default (this class): now, on the caller's thread.
  virtual void ReadAhead(std::function<void(Status)> read);

  // Returns when every batch deferred before this call is applied or failed (its `done` has
  // run). Default (this class): at once, as its ApplyDeferred is not deferred.
  virtual void WaitForDeferred() {}

  // Closes the store; later calls return Closed. Idempotent.
  virtual Status Close() = 0;

  // A short description for logs ("memory", "leveldb:/path").
  virtual std::string Describe() const = 0;

  // Single-operation conveniences, each one atomic batch.
  Status Write(std::string_view path, std::string_view value);
  Status MakeGroup(std::string_view path);
  Status MakeLink(std::string_view existing, std::string_view new_path);
  Status ReplaceLink(std::string_view existing, std::string_view new_path);
  Status Delete(std::string_view path);

  // The last child of `group` in bytewise order among those starting with `prefix` (one
  // reverse seek), or nullopt when there is none. NotFound when there is no group there.
  Result<std::optional<std::string>> LatestChild(std::string_view group,
                                                 std::string_view prefix = {});

 protected:
  Store() = default;
};

}  // namespace ao
