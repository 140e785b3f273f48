// WriteBatch: an ordered list of store mutations (writes, groups, links, deletes) that a Store
// applies atomically: after Store::Apply either every operation is visible or none is, also
// across a crash. Operations see the effects of earlier operations of the same batch (a link
// made early in the batch makes a later MakeLink on the same path a no-op, a value written early
// makes its parent groups exist, ...). The batch is backend-neutral: it only records intent;
// paths are validated and normalised when it is applied.
//
// Thread-safety: a value type; not safe for concurrent mutation. A built batch may be applied
// from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aocore/common/bytes.h"

namespace ao {

class WriteBatch {
 public:
  enum class OpKind {
    kWrite,        // path <- value; creates missing parent groups; replaces a value
    kMakeGroup,    // path becomes a group (and its parents); existing groups are kept as they are
    kMakeLink,     // path -> target, unless something already exists at path (first writer wins)
    kReplaceLink,  // path -> target, replacing a link or value already at path
    kDelete,       // removes the value, link or empty group at path (no-op when absent)
    kMakeNewLink,  // path -> target; a link to the same target already there is kept; anything
                   // else already at path fails the batch with AlreadyExists
    kWriteNew,     // path <- value; the same value already there is kept; anything else already
                   // at path fails the batch with AlreadyExists
    kExpectNoChildren,  // the group at path (or no group) has no child named in [data, end):
                        // otherwise the batch fails with AlreadyExists; writes nothing
  };
  struct Op {
    OpKind kind;
    std::string path;
    std::string data;  // the value (kWrite), the link target (kMakeLink/kReplaceLink), or the
                       // first name of the range (kExpectNoChildren)
    std::string end;   // kExpectNoChildren: the name after the range (exclusive)
    // A content operation (WriteContent, MakeContentGroup, MakeContentLink): the path is a
    // content address, or lies in a group that is one, so whatever already is at the path is this
    // very node; a store may write it without reading what is there.
    bool content = false;
  };

  WriteBatch() = default;

  // Each returns *this so calls chain.
  WriteBatch& Write(std::string path, Bytes value) {
    return Add(OpKind::kWrite, std::move(path), std::move(value));
  }
  WriteBatch& MakeGroup(std::string path) { return Add(OpKind::kMakeGroup, std::move(path), {}); }
  // Makes `new_path` point at `existing` (the reference's make_link(Existing, New) argument
  // order). Linking a path to itself is a no-op.
  WriteBatch& MakeLink(std::string existing, std::string new_path) {
    return Add(OpKind::kMakeLink, std::move(new_path), std::move(existing));
  }
  // MakeLink that refuses to lose: the batch fails (AlreadyExists, nothing written) when
  // `new_path` already holds something other than a link to `existing`. Lets a writer check
  // for a conflicting entry in the batch's own existence check instead of reading first.
  WriteBatch& MakeNewLink(std::string existing, std::string new_path) {
    return Add(OpKind::kMakeNewLink, std::move(new_path), std::move(existing));
  }
  // Write that refuses to replace: the batch fails (AlreadyExists, nothing written) when `path`
  // already holds anything but this very value (the value counterpart of MakeNewLink).
  WriteBatch& WriteNew(std::string path, Bytes value) {
    return Add(OpKind::kWriteNew, std::move(path), std::move(value));
  }
  WriteBatch& ReplaceLink(std::string existing, std::string new_path) {
    return Add(OpKind::kReplaceLink, std::move(new_path), std::move(existing));
  }
  WriteBatch& Delete(std::string path) { return Add(OpKind::kDelete, std::move(path), {}); }

  // Content operations: Write, MakeGroup and MakeLink for paths that their content names (a hash
  // of the value, or a place in a group whose address hashes all it holds, e.g. the ContentCache's
  // data/<hash>, list/<hash>/<n>, msg/<hash>/<key>). The writer promises that anything already at
  // the path is the same value, group or link, so the store skips the existence read the plain
  // operations make (the cost of writing a slot's content is then writes only). A value, group or
  // link of another kind at such a path is not detected (it cannot be there unless the store is
  // corrupt).
  WriteBatch& WriteContent(std::string path, Bytes value) {
    return Add(OpKind::kWrite, std::move(path), std::move(value), true);
  }
  WriteBatch& MakeContentGroup(std::string path) { return Add(OpKind::kMakeGroup, std::move(path), {}, true); }
  WriteBatch& MakeContentLink(std::string existing, std::string new_path) {
    return Add(OpKind::kMakeLink, std::move(new_path), std::move(existing), true);
  }

  // A precondition, checked where it stands in the batch and atomically with it: the group at
  // `group` has no child whose name is in [first, end) (bytewise), else the batch fails with
  // AlreadyExists and writes nothing. One seek. With it first, the writes of a run of new slots
  // can be content operations (nothing can be at their paths), with no existence read each.
  WriteBatch& ExpectNoChildren(std::string group, std::string first, std::string end) {
    Add(OpKind::kExpectNoChildren, std::move(group), std::move(first));
    ops_.back().end = std::move(end);
    return *this;
  }

  // Appends every operation of `other`, in order.
  void Append(const WriteBatch& other) {
    ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
    approximate_size_ += other.approximate_size_;
  }
  void Clear() {
    ops_.clear();
    approximate_size_ = 0;
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Bytes of paths and payloads, for callers that cap batch sizes.
  size_t ApproximateSize() const { return approximate_size_; }

 private:
  WriteBatch& Add(OpKind kind, std::string path, std::string data, bool content = false) {
    approximate_size_ += path.size() + data.size();
    ops_.push_back(Op{kind, std::move(path), std::move(data), {}, content});
    return *this;
  }

  std::vector<Op> ops_;
  size_t approximate_size_ = 0;
};

}  // namespace ao
