#include "aocore/store/kv_store.h"

#include <algorithm>
#include <utility>

#include "aocore/store/keys.h"

namespace ao {
namespace {

std::string Quoted(std::string_view path) { return "'" + std::string(path) + "'"; }

// The smallest key greater than every key starting with `prefix`; "" when there is none
// (all bytes 0xff), which KvScan reads as unbounded.
std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty() && static_cast<unsigned char>(out.back()) == 0xff) out.pop_back();
  if (!out.empty()) out.back() = static_cast<char>(static_cast<unsigned char>(out.back()) + 1);
  return out;
}

const char* OpName(WriteBatch::OpKind kind) {
  switch (kind) {
    case WriteBatch::OpKind::kWrite: return "write";
    case WriteBatch::OpKind::kMakeGroup: return "make_group";
    case WriteBatch::OpKind::kMakeLink: return "make_link";
    case WriteBatch::OpKind::kReplaceLink: return "replace_link";
    case WriteBatch::OpKind::kDelete: return "delete";
    case WriteBatch::OpKind::kMakeNewLink: return "make_new_link";
    case WriteBatch::OpKind::kWriteNew: return "write_new";
    case WriteBatch::OpKind::kExpectNoChildren: return "expect_no_children";
  }
  return "?";
}

}  // namespace

std::string KvStore::NodeKey(std::string_view path) {
  std::string key;
  key.reserve(path.size() + 1);
  key += kNodePrefix;
  key += path;
  return key;
}

std::string KvStore::MemberPrefix(std::string_view parent) {
  std::string key;
  key.reserve(parent.size() + 5);
  key += kMemberPrefix;
  uint32_t n = static_cast<uint32_t>(parent.size());
  key += static_cast<char>((n >> 24) & 0xff);
  key += static_cast<char>((n >> 16) & 0xff);
  key += static_cast<char>((n >> 8) & 0xff);
  key += static_cast<char>(n & 0xff);
  key += parent;
  return key;
}

std::string KvStore::MemberKey(std::string_view parent, std::string_view child) {
  std::string key = MemberPrefix(parent);
  key += child;
  return key;
}

bool KvStore::KnownGroup(std::string_view path) {
  std::shared_lock lock(groups_mu_);
  return known_groups_.find(path) != known_groups_.end();
}

void KvStore::RememberGroup(std::string_view path, std::optional<uint64_t> epoch) {
  std::unique_lock lock(groups_mu_);
  if (epoch && *epoch != known_epoch_) return;
  if (known_groups_.size() >= kKnownGroupsMax) known_groups_.clear();
  known_groups_.emplace(path);
}

void KvStore::ForgetGroup(std::string_view path) {
  std::unique_lock lock(groups_mu_);
  if (auto it = known_groups_.find(path); it != known_groups_.end()) known_groups_.erase(it);
  ++known_epoch_;
}

Result<std::optional<KvStore::Node>> KvStore::GetNode(std::string_view path,
                                                     const Overlay* overlay) {
  if (path.empty()) return std::optional<Node>(Node{Node::Kind::kGroup, {}});
  std::string key = NodeKey(path);
  std::optional<std::string> record;
  auto pending = overlay ? overlay->find(key) : Overlay::const_iterator();
  std::optional<uint64_t> epoch;
  if (overlay && pending != overlay->end()) {
    record = pending->second;
  } else {
    if (KnownGroup(path)) return std::optional<Node>(Node{Node::Kind::kGroup, {}});
    if (overlay == nullptr) {
      std::shared_lock lock(groups_mu_);
      epoch = known_epoch_;
    }
    AO_ASSIGN_OR_RETURN(record, KvGet(key));
    if (record && record->size() == 1 && (*record)[0] == kGroupTag) RememberGroup(path, epoch);
  }
  if (!record) return std::optional<Node>();
  if (record->empty()) return Status::Corruption("empty node record at " + Quoted(path));
  switch ((*record)[0]) {
    case kLinkTag: return std::optional<Node>(Node{Node::Kind::kLink, record->substr(1)});
    case kValueTag: return std::optional<Node>(Node{Node::Kind::kValue, record->substr(1)});
    case kGroupTag: return std::optional<Node>(Node{Node::Kind::kGroup, {}});
    default:
      return Status::Corruption("unknown node tag " + std::to_string(static_cast<int>((*record)[0])) +
                                " at " + Quoted(path));
  }
}

// Walks `normalized` segment by segment; whenever the accumulated prefix is a link, replaces it
// by its target, itself resolved the same way. `in_progress` holds the links being followed
// right now: meeting one of them again is a cycle. (A link may legitimately be met twice in
// one walk, e.g. a/b -> a while resolving a/b/b, but never while it is still in progress.)
Status KvStore::ResolveInto(std::string_view normalized, int* hops,
                            std::vector<std::string>* in_progress, std::string* out,
                            std::optional<Node>* last) {
  std::string resolved;
  const std::vector<std::string> segments = SplitPath(normalized);
  if (last != nullptr && segments.empty()) *last = Node{Node::Kind::kGroup, {}};  // the root
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    const bool final_segment = i + 1 == segments.size();
    std::string current = resolved.empty() ? segment : resolved + "/" + segment;
    AO_ASSIGN_OR_RETURN(std::optional<Node> node, GetNode(current, nullptr));
    if (node && node->kind == Node::Kind::kLink) {
      auto seen = std::find(in_progress->begin(), in_progress->end(), current);
      if (seen != in_progress->end() || ++*hops > kMaxLinkHops) {
        std::string chain;
        for (auto it = seen == in_progress->end() ? in_progress->begin() : seen;
             it != in_progress->end(); ++it) {
          chain += *it + " -> ";
        }
        chain += current;
        return Status::Corruption(
            (seen != in_progress->end() ? "circular links detected: "
                                        : "circular links detected (more than " +
                                              std::to_string(kMaxLinkHops) + " link hops): ") +
            chain);
      }
      in_progress->push_back(current);
      std::string target;
      Status status = ResolveInto(node->data, hops, in_progress, &target, final_segment ? last : nullptr);
      in_progress->pop_back();
      AO_RETURN_IF_ERROR(status);
      current = std::move(target);
    } else if (final_segment && last != nullptr) {
      *last = std::move(node);
    }
    resolved = std::move(current);
  }
  *out = std::move(resolved);
  return Status::OK();
}

Result<std::string> KvStore::ResolveNormalized(std::string_view path, std::optional<Node>* last) {
  int hops = 0;
  std::vector<std::string> in_progress;
  std::string out;
  AO_RETURN_IF_ERROR(ResolveInto(path, &hops, &in_progress, &out, last));
  return out;
}

Result<std::optional<KvStore::Node>> KvStore::ResolvedNode(std::string_view path, std::string* resolved) {
  AO_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  std::optional<Node> node;
  AO_ASSIGN_OR_RETURN(std::string out, ResolveNormalized(normalized, &node));
  if (resolved != nullptr) *resolved = std::move(out);
  return node;
}

Result<std::string> KvStore::Resolve(std::string_view path) {
  AwaitDeferred();
  AO_ASSIGN_OR_RETURN(std::string normalized, NormalizePath(path));
  return ResolveNormalized(normalized);
}

Result<Bytes> KvStore::Read(std::string_view path) {
  AwaitDeferred();
  AO_ASSIGN_OR_RETURN(std::optional<Node> node, ResolvedNode(path));
  if (!node) return Status::NotFound("nothing at " + Quoted(path));
  if (node->kind != Node::Kind::kValue) {
    return Status::NotFound(Quoted(path) + " is a group, not a value");
  }
  return std::move(node->data);
}

Result<NodeType> KvStore::Type(std::string_view path) {
  AwaitDeferred();
  AO_ASSIGN_OR_RETURN(std::optional<Node> node, ResolvedNode(path));
  if (!node) return NodeType::kNotFound;
  return node->kind == Node::Kind::kGroup ? NodeType::kComposite : NodeType::kSimple;
}

Result<std::vector<std::string>> KvStore::List(std::string_view path) {
  return ScanChildren(path, ScanOptions{});
}

Result<std::vector<std::string>> KvStore::ScanChildren(std::string_view group,
                                                       const ScanOptions& options) {
  AwaitDeferred();
  std::string resolved;
  AO_ASSIGN_OR_RETURN(std::optional<Node> node, ResolvedNode(group, &resolved));
  if (!node) return Status::NotFound("no group at " + Quoted(group));
  if (node->kind != Node::Kind::kGroup) {
    return Status::NotFound(Quoted(group) + " is a value, not a group");
  }
  const std::string base = MemberPrefix(resolved);
  // Child-name bounds: [max(prefix, start), min(successor(prefix), end)).
  std::string lower = base + std::max(options.prefix, options.start);
  std::string upper = PrefixSuccessor(base + options.prefix);
  if (!options.end.empty()) upper = std::min(upper, base + options.end);
  std::vector<std::string> names;
  if (lower >= upper) return names;
  AO_ASSIGN_OR_RETURN(std::vector<KvEntry> entries,
                      KvScan(lower, upper, options.reverse, options.limit));
  names.reserve(entries.size());
  for (KvEntry& entry : entries) names.push_back(entry.key.substr(base.size()));
  return names;
}

Result<std::vector<std::pair<std::string, Bytes>>> KvStore::ScanValues(std::string_view group,
                                                                      const ScanOptions& options) {
  AwaitDeferred();
  std::string resolved;
  AO_ASSIGN_OR_RETURN(std::optional<Node> node, ResolvedNode(group, &resolved));
  std::vector<std::pair<std::string, Bytes>> out;
  if (!node) return Status::NotFound("no group at " + Quoted(group));
  if (node->kind != Node::Kind::kGroup) return Status::NotFound(Quoted(group) + " is a value, not a group");
  // Usually one scan: the children's node records are one key range; when no deeper
  // descendant lies between them (a group of values, e.g. a process's packed assignments) those
  // records are the children, with their bytes.
  {
    const std::string prefix = NodeKey(resolved) + "/";
    std::string lower = prefix + std::max(options.prefix, options.start);
    std::string upper = PrefixSuccessor(prefix + options.prefix);
    if (!options.end.empty()) upper = std::min(upper, prefix + options.end);
    if (lower >= upper) return out;
    AO_ASSIGN_OR_RETURN(std::vector<KvEntry> entries, KvScan(lower, upper, options.reverse, options.limit));
    bool only_children = true;
    for (const KvEntry& e : entries) {
      if (std::string_view(e.key).find('/', prefix.size()) != std::string_view::npos) {
        only_children = false;
        break;
      }
    }
    if (only_children) {
      out.reserve(entries.size());
      for (KvEntry& e : entries) {
        if (e.value.empty() || e.value[0] != kValueTag) continue;
        e.value.erase(0, 1);
        out.emplace_back(e.key.substr(prefix.size()), std::move(e.value));
      }
      return out;
    }
  }
  // Descendants in between: the names first, then their records.
  AO_ASSIGN_OR_RETURN(std::vector<std::string> names, ScanChildren(resolved, options));
  if (names.empty()) return out;
  // The children's node records are one key range (with any deeper descendants between them,
  // skipped): one scan from the first selected name to the last.
  const std::string prefix = NodeKey(resolved) + "/";
  const std::string& first = options.reverse ? names.back() : names.front();
  const std::string& last = options.reverse ? names.front() : names.back();
  AO_ASSIGN_OR_RETURN(std::vector<KvEntry> entries,
                      KvScan(prefix + first, PrefixSuccessor(prefix + last), false, 0));
  size_t next = 0;  // names ascending
  std::vector<std::string> ascending = std::move(names);
  if (options.reverse) std::reverse(ascending.begin(), ascending.end());
  for (KvEntry& e : entries) {
    std::string_view name = std::string_view(e.key).substr(prefix.size());
    while (next < ascending.size() && ascending[next] < name) ++next;
    if (next == ascending.size()) break;
    if (ascending[next] != name || e.value.empty() || e.value[0] != kValueTag) continue;
    out.emplace_back(std::string(name), e.value.substr(1));
  }
  if (options.reverse) std::reverse(out.begin(), out.end());
  return out;
}

Status KvStore::Apply(const WriteBatch& batch, const WriteOptions& options) {
  if (batch.empty()) return Status::OK();
  AwaitDeferred();
  std::lock_guard<std::mutex> lock(write_mu_);
  Overlay overlay;
  for (size_t i = 0; i < batch.ops().size(); ++i) {
    const WriteBatch::Op& op = batch.ops()[i];
    Status status = ApplyOp(op, &overlay);
    if (!status.ok()) {
      return status.WithContext("batch operation " + std::to_string(i) + " (" + OpName(op.kind) +
                                " " + Quoted(op.path) + ")");
    }
  }
  if (overlay.empty()) return Status::OK();
  std::vector<KvWrite> writes;
  writes.reserve(overlay.size());
  bool deletes = false;
  for (auto& [key, value] : overlay) {
    deletes = deletes || !value.has_value();
    writes.push_back(KvWrite{key, value});
  }
  Status committed = KvCommit(writes, options.sync);
  if (deletes) {
    // A reader that saw a deleted group just before the commit must not remember it.
    for (const WriteBatch::Op& op : batch.ops()) {
      if (op.kind != WriteBatch::OpKind::kDelete) continue;
      if (Result<std::string> p = NormalizePath(op.path); p.ok()) ForgetGroup(*p);
    }
  }
  return committed;
}

Status KvStore::EnsureParents(std::string_view path, Overlay* overlay) {
  std::vector<std::string_view> missing;
  for (std::string_view parent = ParentPath(path); !parent.empty(); parent = ParentPath(parent)) {
    AO_ASSIGN_OR_RETURN(std::optional<Node> node, GetNode(parent, overlay));
    if (!node) {
      missing.push_back(parent);
      continue;
    }
    // A group's ancestors are groups already (invariant kept by every operation).
    if (node->kind == Node::Kind::kGroup) break;
    return Status::InvalidArgument(Quoted(parent) + " is a " +
                                   (node->kind == Node::Kind::kLink ? "link" : "value") +
                                   ", not a group");
  }
  for (std::string_view group : missing) {
    (*overlay)[NodeKey(group)] = std::string(1, kGroupTag);
    (*overlay)[MemberKey(ParentPath(group), BaseName(group))] = std::string();
  }
  return Status::OK();
}

Result<bool> KvStore::GroupHasChildren(std::string_view path, const Overlay& overlay) {
  const std::string prefix = MemberPrefix(path);
  const std::string upper = PrefixSuccessor(prefix);
  size_t pending_deletes = 0;
  for (auto it = overlay.lower_bound(prefix); it != overlay.end() && it->first < upper; ++it) {
    if (it->second) return true;
    ++pending_deletes;
  }
  // Only children deleted earlier in this batch can hide committed ones, so looking at one more
  // committed child than there are such deletes settles the question.
  AO_ASSIGN_OR_RETURN(std::vector<KvEntry> committed,
                      KvScan(prefix, upper, false, pending_deletes + 1));
  for (const KvEntry& entry : committed) {
    auto pending = overlay.find(entry.key);
    if (pending == overlay.end() || pending->second) return true;
  }
  return false;
}

Status KvStore::ApplyOp(const WriteBatch::Op& op, Overlay* overlay) {
  AO_ASSIGN_OR_RETURN(std::string path, NormalizePath(op.path));
  if (path.empty()) {
    if (op.kind == WriteBatch::OpKind::kMakeGroup) return Status::OK();  // the root exists
    return Status::InvalidArgument("the root path cannot be written, linked or deleted");
  }
  if (op.content) return ApplyContentOp(op, path, overlay);
  if (op.kind == WriteBatch::OpKind::kExpectNoChildren) return ExpectNoChildren(op, path, *overlay);
  AO_ASSIGN_OR_RETURN(std::optional<Node> existing, GetNode(path, overlay));
  const std::string node_key = NodeKey(path);
  const std::string member_key = MemberKey(ParentPath(path), BaseName(path));
  auto put_node = [&](std::string record) {
    (*overlay)[node_key] = std::move(record);
    if (!existing) (*overlay)[member_key] = std::string();
  };
  switch (op.kind) {
    case WriteBatch::OpKind::kWrite: {
      if (existing && existing->kind != Node::Kind::kValue) {
        return Status::InvalidArgument(
            Quoted(path) + " is a " + (existing->kind == Node::Kind::kGroup ? "group" : "link") +
            "; a value cannot replace it");
      }
      if (!existing) AO_RETURN_IF_ERROR(EnsureParents(path, overlay));
      put_node(std::string(1, kValueTag) + op.data);
      return Status::OK();
    }
    case WriteBatch::OpKind::kWriteNew: {
      if (existing) {
        if (existing->kind == Node::Kind::kValue && existing->data == op.data) return Status::OK();
        return Status::AlreadyExists(Quoted(path) + " already holds " +
                                     (existing->kind == Node::Kind::kValue  ? std::string("another value")
                                      : existing->kind == Node::Kind::kLink ? "a link to " + Quoted(existing->data)
                                                                             : std::string("a group")));
      }
      AO_RETURN_IF_ERROR(EnsureParents(path, overlay));
      put_node(std::string(1, kValueTag) + op.data);
      return Status::OK();
    }
    case WriteBatch::OpKind::kMakeGroup: {
      if (existing) {
        if (existing->kind == Node::Kind::kGroup) return Status::OK();
        return Status::InvalidArgument(Quoted(path) + " already exists and is not a group");
      }
      AO_RETURN_IF_ERROR(EnsureParents(path, overlay));
      put_node(std::string(1, kGroupTag));
      return Status::OK();
    }
    case WriteBatch::OpKind::kMakeLink:
    case WriteBatch::OpKind::kMakeNewLink:
    case WriteBatch::OpKind::kReplaceLink: {
      AO_ASSIGN_OR_RETURN(std::string target, NormalizePath(op.data));
      if (target.empty()) return Status::InvalidArgument("a link cannot point at the root");
      if (target == path) return Status::OK();  // the reference's make_link(P, P) no-op
      if (existing && op.kind == WriteBatch::OpKind::kMakeNewLink) {
        if (existing->kind == Node::Kind::kLink && existing->data == target) return Status::OK();
        return Status::AlreadyExists(Quoted(path) + " already holds " +
                                     (existing->kind == Node::Kind::kLink ? "a link to " + Quoted(existing->data)
                                                                          : std::string("something else")));
      }
      if (existing) {
        if (op.kind == WriteBatch::OpKind::kMakeLink) return Status::OK();  // first writer wins
        if (existing->kind == Node::Kind::kGroup) {
          return Status::InvalidArgument(Quoted(path) + " is a group; a link cannot replace it");
        }
      } else {
        AO_RETURN_IF_ERROR(EnsureParents(path, overlay));
      }
      put_node(std::string(1, kLinkTag) + target);
      return Status::OK();
    }
    case WriteBatch::OpKind::kDelete: {
      if (!existing) return Status::OK();
      if (existing->kind == Node::Kind::kGroup) {
        AO_ASSIGN_OR_RETURN(bool has_children, GroupHasChildren(path, *overlay));
        if (has_children) return Status::InvalidArgument("group " + Quoted(path) + " is not empty");
      }
      if (existing->kind == Node::Kind::kGroup) ForgetGroup(path);  // again after the commit (Apply)
      (*overlay)[node_key] = std::nullopt;
      (*overlay)[member_key] = std::nullopt;
      return Status::OK();
    }
    case WriteBatch::OpKind::kExpectNoChildren:
      break;  // checked above
  }
  return Status::Internal("unknown batch operation");
}

Status KvStore::ExpectNoChildren(const WriteBatch::Op& op, const std::string& path, const Overlay& overlay) {
  if (op.data >= op.end) return Status::OK();  // an empty range
  const std::string base = MemberPrefix(path);
  const std::string lower = base + op.data;
  const std::string upper = base + op.end;
  // Children this batch added or deleted before this operation, then the committed ones (a
  // committed child deleted earlier in the batch is gone).
  for (auto it = overlay.lower_bound(lower); it != overlay.end() && it->first < upper; ++it) {
    if (it->second) return Status::AlreadyExists(Quoted(path) + " already has the child " + Quoted(it->first.substr(base.size())));
  }
  AO_ASSIGN_OR_RETURN(std::vector<KvEntry> committed, KvScan(lower, upper, false, 1));
  for (const KvEntry& entry : committed) {
    auto pending = overlay.find(entry.key);
    if (pending == overlay.end()) {
      return Status::AlreadyExists(Quoted(path) + " already has the child " + Quoted(entry.key.substr(base.size())));
    }
  }
  if (!committed.empty()) {
    // The first committed child was deleted by this batch: look at every one in the range.
    AO_ASSIGN_OR_RETURN(std::vector<KvEntry> all, KvScan(lower, upper, false, 0));
    for (const KvEntry& entry : all) {
      auto pending = overlay.find(entry.key);
      if (pending == overlay.end() || pending->second) {
        return Status::AlreadyExists(Quoted(path) + " already has the child " + Quoted(entry.key.substr(base.size())));
      }
    }
  }
  return Status::OK();
}

Status KvStore::ApplyContentOp(const WriteBatch::Op& op, const std::string& path, Overlay* overlay) {
  std::string record;
  switch (op.kind) {
    case WriteBatch::OpKind::kWrite:
      record.reserve(op.data.size() + 1);
      record += kValueTag;
      record += op.data;
      break;
    case WriteBatch::OpKind::kMakeGroup:
      record = std::string(1, kGroupTag);
      break;
    case WriteBatch::OpKind::kMakeLink: {
      AO_ASSIGN_OR_RETURN(std::string target, NormalizePath(op.data));
      if (target.empty()) return Status::InvalidArgument("a link cannot point at the root");
      if (target == path) return Status::OK();
      record = std::string(1, kLinkTag) + target;
      break;
    }
    default:
      return Status::InvalidArgument(std::string("a content operation cannot be a ") + OpName(op.kind));
  }
  // Parents: a known group, or one this batch makes, needs no read.
  const std::string_view parent = ParentPath(path);
  bool parent_known = parent.empty() || KnownGroup(parent);
  if (!parent_known) {
    auto pending = overlay->find(NodeKey(parent));
    parent_known = pending != overlay->end() && pending->second && *pending->second == std::string(1, kGroupTag);
  }
  if (!parent_known) AO_RETURN_IF_ERROR(EnsureParents(path, overlay));
  (*overlay)[NodeKey(path)] = std::move(record);
  (*overlay)[MemberKey(parent, BaseName(path))] = std::string();
  return Status::OK();
}

KvStore::~KvStore() { StopDeferred(); }

void KvStore::ApplyDeferred(std::function<Result<WriteBatch>()> build, std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(deferred_mu_);
    if (!deferred_stopped_) {
      const uint64_t ticket = next_ticket_++;
      deferred_tickets_.insert(ticket);
      deferred_count_.store(deferred_tickets_.size(), std::memory_order_release);
      deferred_.push_back(Deferred{ticket, std::move(build), std::move(done)});
      StartDeferredThreadLocked();
      deferred_cv_.notify_all();
      return;
    }
  }
  if (done) done(Status::Closed("the store is closed: " + Describe()));
}

void KvStore::ReadAhead(std::function<void(Status)> read) {
  {
    std::lock_guard<std::mutex> lock(deferred_mu_);
    if (!deferred_stopped_) {
      reads_ahead_.push_back(std::move(read));
      StartDeferredThreadLocked();
      deferred_cv_.notify_all();
      return;
    }
  }
  read(Status::Closed("the store is closed: " + Describe()));
}

void KvStore::StartDeferredThreadLocked() {
  if (!deferred_thread_.joinable()) deferred_thread_ = std::thread([this] { DeferredLoop(); });
}

void KvStore::AwaitDeferred() {
  if (deferred_count_.load(std::memory_order_acquire) == 0) return;
  std::unique_lock<std::mutex> lock(deferred_mu_);
  if (std::this_thread::get_id() == deferred_thread_id_) return;
  // Every ticket below `horizon` was taken before this call began.
  const uint64_t horizon = next_ticket_;
  ++deferred_waiters_;
  deferred_cv_.wait(lock, [&] { return deferred_tickets_.empty() || *deferred_tickets_.begin() >= horizon; });
  --deferred_waiters_;
}

size_t KvStore::deferred_waiters() const {
  std::lock_guard<std::mutex> lock(deferred_mu_);
  return deferred_waiters_;
}

void KvStore::DeferredLoop() {
  std::unique_lock<std::mutex> lock(deferred_mu_);
  deferred_thread_id_ = std::this_thread::get_id();
  while (true) {
    deferred_cv_.wait(lock, [&] {
      const bool batch_runnable = !deferred_.empty() && (!deferred_paused_ || deferred_stopped_);
      return !reads_ahead_.empty() || batch_runnable || (deferred_stopped_ && deferred_.empty());
    });
    if (!reads_ahead_.empty()) {
      std::function<void(Status)> read = std::move(reads_ahead_.front());
      reads_ahead_.pop_front();
      lock.unlock();
      read(Status::OK());
      lock.lock();
      continue;
    }
    if (deferred_.empty()) return;  // stopped, and everything queued was applied
    Deferred next = std::move(deferred_.front());
    deferred_.pop_front();
    lock.unlock();
    Result<WriteBatch> batch = next.build();
    Status status = batch.ok() ? Apply(*batch, WriteOptions{}) : batch.status();
    // Before the ticket goes: the calls waiting for it see what `done` records.
    if (next.done) next.done(status);
    lock.lock();
    deferred_tickets_.erase(next.ticket);
    deferred_count_.store(deferred_tickets_.size(), std::memory_order_release);
    deferred_cv_.notify_all();
  }
}

void KvStore::StopDeferred() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(deferred_mu_);
    deferred_stopped_ = true;
    thread = std::move(deferred_thread_);
  }
  deferred_cv_.notify_all();
  if (thread.joinable()) thread.join();
}

void KvStore::PauseDeferredForTesting(bool paused) {
  std::lock_guard<std::mutex> lock(deferred_mu_);
  deferred_paused_ = paused;
  deferred_cv_.notify_all();
}

void KvStore::DropDeferredForTesting() {
  std::deque<Deferred> dropped;
  std::deque<std::function<void(Status)>> reads;
  {
    std::lock_guard<std::mutex> lock(deferred_mu_);
    dropped.swap(deferred_);
    reads.swap(reads_ahead_);
    for (const Deferred& d : dropped) deferred_tickets_.erase(d.ticket);
    deferred_count_.store(deferred_tickets_.size(), std::memory_order_release);
    deferred_cv_.notify_all();
  }
  for (Deferred& d : dropped) {
    if (d.done) d.done(Status::Aborted("a deferred write was dropped (test)"));
  }
  for (auto& read : reads) read(Status::Aborted("a read ahead was dropped (test)"));
}

}  // namespace ao
