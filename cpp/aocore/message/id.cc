#include "aocore/message/id.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "aocore/crypto/hash.h"
#include "aocore/message/httpsig.h"

namespace ao {
namespace {

constexpr std::string_view kHmacKey = "ao";

// The uncommitted ID of a message holding large binaries, remembered. A process definition that
// carries a WebAssembly module (or a 16 MiB payload) is hashed on every compute call (the
// process ID, the hashpath of the request's base): ~60 ms per 16 MiB each time, for the same
// bytes. Only messages with at least kMemoMinBytes of binaries take part. An entry keeps the
// message with each large binary replaced by a placeholder (a per-run random tag and its index)
// and a weak pointer to each large binary: a message matches when its placeholder form is equal
// and each of its large binaries is the very same live (immutable) buffer, so nothing is
// compared or hashed byte by byte, and the cache keeps no large buffer alive.
constexpr size_t kMemoMinBytes = 1 << 20;
constexpr size_t kMemoEntries = 8;

struct Fingerprint {
  Message skeleton;
  std::vector<std::shared_ptr<const Bytes>> large;
};

const std::string& PlaceholderTag() {
  static const std::string* tag = [] {
    return new std::string("ao-large-binary-" + Base64UrlEncode(RandomBytes(16)) + "-");
  }();
  return *tag;
}

Value SkeletonOf(const Value& v, std::vector<std::shared_ptr<const Bytes>>* large, size_t* big_bytes);
Message SkeletonOf(const Message& m, std::vector<std::shared_ptr<const Bytes>>* large, size_t* big_bytes) {
  Message out;
  for (const auto& [k, v] : m) out.Set(k, SkeletonOf(v, large, big_bytes));
  return out;
}
Value SkeletonOf(const Value& v, std::vector<std::shared_ptr<const Bytes>>* large, size_t* big_bytes) {
  if (v.is_binary() && v.binary().size() >= (64 << 10)) {
    large->push_back(v.binary_ptr());
    *big_bytes += v.binary().size();
    return Value(PlaceholderTag() + std::to_string(large->size() - 1));
  }
  if (v.is_message()) return Value(SkeletonOf(v.message(), large, big_bytes));
  if (v.is_list()) {
    Value::List l;
    l.reserve(v.list().size());
    for (const Value& e : v.list()) l.push_back(SkeletonOf(e, large, big_bytes));
    return Value(std::move(l));
  }
  return v;
}

// Whether `m` holds at least kMemoMinBytes of binaries (a cheap walk: no copies).
size_t BinaryBytes(const Value& v);
size_t BinaryBytes(const Message& m) {
  size_t n = 0;
  for (const auto& [k, v] : m) n += BinaryBytes(v);
  return n;
}
size_t BinaryBytes(const Value& v) {
  if (v.is_binary()) return v.binary().size();
  if (v.is_message()) return BinaryBytes(v.message());
  if (v.is_list()) {
    size_t n = 0;
    for (const Value& e : v.list()) n += BinaryBytes(e);
    return n;
  }
  return 0;
}

class IdMemo {
 public:
  std::optional<std::string> Find(const Fingerprint& f) {
    std::lock_guard lock(mu_);  // leaf lock
    for (const Entry& e : entries_) {
      if (e.large.size() != f.large.size()) continue;
      bool same = true;
      for (size_t i = 0; same && i < e.large.size(); ++i) same = e.large[i].lock() == f.large[i];
      if (same && e.skeleton == f.skeleton) return e.id;
    }
    return std::nullopt;
  }
  void Add(Fingerprint f, std::string id) {
    Entry e{std::move(f.skeleton), {}, std::move(id)};
    for (const auto& p : f.large) e.large.push_back(p);
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMemoEntries) entries_.erase(entries_.begin());
    entries_.push_back(std::move(e));
  }

 private:
  struct Entry {
    Message skeleton;
    std::vector<std::weak_ptr<const Bytes>> large;
    std::string id;
  };
  std::mutex mu_;
  std::vector<Entry> entries_;
};

IdMemo& Memo() {
  static IdMemo* memo = new IdMemo();
  return *memo;
}

Result<std::string> ComputeUncommittedId(const Message& message) {
  AO_ASSIGN_OR_RETURN(HttpsigEncoding enc, EncodeHttpsig(message));
  const std::vector<std::string> components = SignatureComponents(enc);
  const std::string base = SignatureBase(enc, components, HmacParamsLine(components));
  return Base64UrlEncode(HmacSha256(kHmacKey, base));
}

}  // namespace

Result<IdMode> ParseIdMode(std::string_view mode) {
  if (mode == "none") return IdMode::kNone;
  if (mode == "all") return IdMode::kAll;
  if (mode == "uncommitted") return IdMode::kUncommitted;
  return Status::InvalidArgument("unknown ID mode \"" + std::string(mode) +
                                 "\" (expected none, all or uncommitted)");
}

Result<std::string> UncommittedId(const Message& message) {
  if (BinaryBytes(message) < kMemoMinBytes) return ComputeUncommittedId(message);
  Fingerprint f;
  size_t big = 0;
  f.skeleton = SkeletonOf(message, &f.large, &big);
  if (std::optional<std::string> id = Memo().Find(f)) return *id;
  AO_ASSIGN_OR_RETURN(std::string id, ComputeUncommittedId(message));
  Memo().Add(std::move(f), id);
  return id;
}

Result<std::string> MessageId(const Message& message, IdMode mode) {
  if (mode == IdMode::kNone) return UncommittedId(message);
  const Value* commitments = message.Find("commitments");
  if (commitments == nullptr) return UncommittedId(message);
  if (!commitments->is_message()) {
    return Status::InvalidArgument("key \"commitments\" must hold a message of commitments, not a " +
                                   std::string(KindName(commitments->kind())));
  }
  std::vector<std::string> selected;
  for (const auto& [key, commitment] : commitments->message()) {
    // kAll keeps signatures only: commitments naming a committer (HMAC ones have none).
    if (mode == IdMode::kAll &&
        !(commitment.is_message() && commitment.message().Contains("committer"))) {
      continue;
    }
    selected.push_back(key);
  }
  if (selected.empty()) return UncommittedId(message);
  return CommitmentSetId(std::move(selected));
}

std::string CommitmentSetId(std::vector<std::string> keys) {
  if (keys.size() == 1) return std::move(keys.front());
  std::sort(keys.begin(), keys.end());
  std::string joined;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) joined += ", ";
    joined += keys[i];
  }
  return BinaryId(joined);
}

std::string BinaryId(std::string_view bytes) { return Base64UrlEncode(Sha256(bytes)); }

}  // namespace ao
