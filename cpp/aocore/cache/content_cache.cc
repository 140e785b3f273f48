#include "aocore/cache/content_cache.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <unordered_set>

#include <snappy.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "aocore/store/keys.h"

namespace ao {
namespace {

constexpr std::string_view kDataGroup = "data";
constexpr std::string_view kListGroup = "list";
constexpr std::string_view kMessageGroup = "msg";
constexpr std::string_view kChunkGroup = "chunk";
// list-packed/<hash>: the packed copy of list/<hash> when every element is a leaf (below).
constexpr std::string_view kPackedListGroup = "list-packed";
constexpr size_t kPackedListMin = 16;
constexpr size_t kPackedListMax = 1 << 20;
constexpr char kChunkedTag = 'c';
constexpr char kPackedTag = 'p';
constexpr char kRawChunk = 'r';
constexpr char kSnappyChunk = 's';
constexpr char kBinaryTag = 'b';
constexpr char kIntegerTag = 'i';
constexpr char kFloatTag = 'f';
constexpr char kAtomTag = 'a';
// The first byte of EncodePacked's output, and so the tag of a record (a packed value stored as
// EncodePacked makes it, at a path of its writer's).
constexpr char kPackedVersion = '1';

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// A key or ID must be exactly one path segment to be stored and read back unchanged.
Status CheckSegment(std::string_view what, std::string_view segment) {
  if (segment.empty() || segment == "." || segment == ".." ||
      segment.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " " + Quoted(segment) +
                                   " cannot be stored: it must be non-empty, without '/', and "
                                   "not '.' or '..'");
  }
  return Status::OK();
}

std::string ContentHash(std::string_view bytes) { return Base64UrlEncode(Sha256(bytes)); }

bool IsListPath(std::string_view resolved) {
  return resolved.size() > kListGroup.size() && resolved.substr(0, kListGroup.size()) == kListGroup &&
         resolved[kListGroup.size()] == '/';
}

}  // namespace

ContentCache::ContentCache(Store& store)
    : ContentCache(
          store, [](const Message& message) { return MessageId(message, IdMode::kUncommitted); },
          VerifiedCommitments) {}

ContentCache::ContentCache(Store& store, IdFunction id_function, VerifiedFunction verified)
    : store_(store), id_function_(std::move(id_function)), verified_(std::move(verified)) {}

Result<Bytes> ContentCache::EncodeLeaf(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kBinary: return std::string(1, kBinaryTag) + value.binary();
    case Value::Kind::kInteger: return std::string(1, kIntegerTag) + std::to_string(value.integer());
    case Value::Kind::kFloat: {
      uint64_t bits = std::bit_cast<uint64_t>(value.floating());
      std::string out(1, kFloatTag);
      for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((bits >> shift) & 0xff);
      return out;
    }
    case Value::Kind::kAtom: return std::string(1, kAtomTag) + value.atom().name;
    default:
      return Status::InvalidArgument(std::string("a ") + std::string(KindName(value.kind())) +
                                     " is not a leaf value");
  }
}

Result<Value> ContentCache::DecodeLeaf(std::string_view encoded) {
  if (encoded.empty()) return Status::Corruption("empty leaf encoding");
  std::string_view payload = encoded.substr(1);
  switch (encoded[0]) {
    case kBinaryTag: return Value(Bytes(payload));
    case kIntegerTag: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), n);
      if (payload.empty() || ec != std::errc() || end != payload.data() + payload.size()) {
        return Status::Corruption("bad integer leaf encoding " + Quoted(payload));
      }
      return Value(n);
    }
    case kFloatTag: {
      if (payload.size() != 8) return Status::Corruption("bad float leaf encoding (length)");
      uint64_t bits = 0;
      for (unsigned char c : payload) bits = (bits << 8) | c;
      return Value(std::bit_cast<double>(bits));
    }
    case kAtomTag: return Value(Atom{std::string(payload)});
    case kPackedTag: return DecodePacked(payload);
    case kPackedVersion: return DecodePacked(encoded);  // a record
    case kChunkedTag:
      return Status::InvalidArgument("a chunked binary leaf is read through ContentCache::Read (its chunks are in the store)");
    default:
      return Status::Corruption("unknown leaf type tag " +
                                std::to_string(static_cast<unsigned char>(encoded[0])));
  }
}

Result<std::string> ContentCache::AddMessage(const Message& message, WriteBatch* batch,
                                             int depth, std::string* group_out) const {
  if (depth > kMaxDepth) {
    return Status::InvalidArgument("message nesting deeper than " + std::to_string(kMaxDepth));
  }
  // The group's address is a Merkle hash over its (key, value address) pairs, so two messages
  // share a group only when they are equal field for field. A message ID cannot address
  // content: the httpsig encoding leaves out `signature`, so every RSA
  // commitment by one signer has the same ID, and first-writer-wins would hand back another
  // message's signature.
  std::vector<std::pair<std::string, std::string>> fields;
  std::string digest_input = "message";
  for (const auto& [key, value] : message) {
    if (IsPrivateKey(key)) continue;
    AO_RETURN_IF_ERROR(CheckSegment("key", key));
    Result<std::string> address = AddValue(value, batch, depth + 1);
    if (!address.ok()) return address.status().WithContext("key " + Quoted(key));
    digest_input += std::to_string(key.size()) + ":" + key + std::to_string(address->size()) + ":" + *address;
    fields.emplace_back(key, std::move(address).value());
  }
  std::string group = JoinPath({kMessageGroup, ContentHash(digest_input)});
  // A message group is only ever created together with all its fields (one batch), so an
  // existing one is complete: skip rewriting it.
  AO_ASSIGN_OR_RETURN(NodeType existing, store_.Type(group));
  if (existing != NodeType::kComposite) {
    // Content operations: the group's address hashes every (key, address) it holds.
    batch->MakeContentGroup(group);
    for (const auto& [key, address] : fields) batch->MakeContentLink(address, group + "/" + key);
  }
  // A commitment's key claims an ID; it becomes a storage address only when the commitment
  // verifies (the HMAC ID recomputed, the signature checked). Otherwise a message carrying a
  // fake commitment keyed by another message's ID would be stored under that ID, and, links
  // being first-writer-wins, the legitimate message written later would read back as it.
  // A message with a commitment that does not verify is addressed by its content ID instead.
  // A group already stored was written with its links, so a claim that already leads to this
  // very group was verified then (the same content is not verified again on every write).
  const Message* commitments = message.FindMessage("commitments");
  std::vector<std::string> verified;
  bool all_verified = true;
  if (commitments != nullptr && !commitments->empty()) {
    if (existing == NodeType::kComposite) {
      for (const auto& [claimed, unused] : *commitments) {
        if (!CheckSegment("commitment ID", claimed).ok()) continue;  // only an ID, never a path
        Result<std::string> target = store_.Resolve(claimed);
        if (target.ok() && *target == group) verified.push_back(claimed);
      }
    } else {
      verified = verified_(message);
    }
    all_verified = verified.size() == commitments->size();
  }
  AO_ASSIGN_OR_RETURN(std::string id, LinkByIds(message, verified, all_verified, group, batch));
  if (group_out) *group_out = group;
  return depth == 0 ? id : group;
}

// Links `target` (a message's group, or its place in a record) by the message's ID and by every
// verified commitment ID (hb_cache: AltIDs, at every level); returns the ID. These links are
// first-writer-wins: two messages with one ID (they differ only in fields the ID leaves out)
// keep the first one under that ID; each is always reachable by its group.
Result<std::string> ContentCache::LinkByIds(const Message& message, const std::vector<std::string>& verified,
                                            bool all_verified, const std::string& target, WriteBatch* batch) const {
  AO_ASSIGN_OR_RETURN(std::string id, all_verified ? id_function_(message) : UncommittedId(message));
  AO_RETURN_IF_ERROR(CheckSegment("message ID", id));
  batch->MakeLink(target, id);
  for (const std::string& commitment_id : verified) {
    if (IsPrivateKey(commitment_id)) continue;
    AO_RETURN_IF_ERROR(CheckSegment("commitment ID", commitment_id));
    batch->MakeLink(target, commitment_id);
  }
  return id;
}

Result<std::string> ContentCache::AddValue(const Value& value, WriteBatch* batch, int depth) const {
  switch (value.kind()) {
    case Value::Kind::kMessage: return AddMessage(value.message(), batch, depth);
    case Value::Kind::kList: {
      if (depth > kMaxDepth) {
        return Status::InvalidArgument("list nesting deeper than " + std::to_string(kMaxDepth));
      }
      // The list's address hashes its elements' addresses (length-prefixed): a Merkle hash.
      std::vector<std::string> elements;
      std::string digest_input = "list";
      for (size_t i = 0; i < value.list().size(); ++i) {
        Result<std::string> address = AddValue(value.list()[i], batch, depth + 1);
        if (!address.ok()) {
          return address.status().WithContext("list element " + std::to_string(i + 1));
        }
        digest_input += std::to_string(address->size()) + ":" + *address;
        elements.push_back(std::move(address).value());
      }
      const std::string hash = ContentHash(digest_input);
      std::string path = JoinPath({kListGroup, hash});
      batch->MakeContentGroup(path);  // the address hashes every element's address
      for (size_t i = 0; i < elements.size(); ++i) {
        batch->MakeContentLink(elements[i], path + "/" + std::to_string(i + 1));
      }
      // A long list of leaves (a log, test-device's `already-seen`) also gets a packed copy, so
      // reading it whole (a restore point, on restart) is one store read instead of a few per
      // element; the tree stays, so paths into the list still resolve.
      bool leaves = value.list().size() >= kPackedListMin;
      for (size_t i = 0; leaves && i < value.list().size(); ++i) {
        const Value& e = value.list()[i];
        leaves = !e.is_list() && !e.is_message() && !(e.is_binary() && e.binary().size() > kChunkedBinaryMin);
      }
      if (leaves) {
        if (Result<Bytes> packed = EncodePacked(value); packed.ok() && packed->size() <= kPackedListMax) {
          batch->WriteContent(JoinPath({kPackedListGroup, hash}), std::move(packed).value());
        }
      }
      return path;
    }
    case Value::Kind::kDevice:
      return Status::InvalidArgument("a device value cannot be stored");
    default: {
      if (value.is_binary() && value.binary().size() > kChunkedBinaryMin) return AddChunkedBinary(value.binary(), batch);
      AO_ASSIGN_OR_RETURN(Bytes encoded, EncodeLeaf(value));
      std::string path = JoinPath({kDataGroup, ContentHash(encoded)});
      batch->WriteContent(path, std::move(encoded));
      return path;
    }
  }
}

// Links `message`, stored at `at` inside a record, by its ID and its verified commitment IDs (as
// AddMessage links its group), after the messages nested in it.
Status ContentCache::AddRecordLinks(const Message& message, const std::string& at, int depth, std::string_view apart,
                                    WriteBatch* batch, std::string* id_out) const {
  if (depth > kMaxDepth) return Status::InvalidArgument("message nesting deeper than " + std::to_string(kMaxDepth));
  for (const auto& [key, value] : message) {
    if (IsPrivateKey(key) || (!apart.empty() && key == apart)) continue;
    AO_RETURN_IF_ERROR(CheckSegment("key", key));
    Status linked = AddRecordLinksIn(value, at + "/" + key, depth + 1, batch);
    if (!linked.ok()) return linked.WithContext("key " + Quoted(key));
  }
  // The same addresses AddMessage gives (see there): verified commitments only.
  const Message* commitments = message.FindMessage("commitments");
  std::vector<std::string> verified;
  bool all_verified = true;
  if (commitments != nullptr && !commitments->empty()) {
    verified = verified_(message);
    all_verified = verified.size() == commitments->size();
  }
  AO_ASSIGN_OR_RETURN(std::string id, LinkByIds(message, verified, all_verified, at, batch));
  if (id_out != nullptr) *id_out = std::move(id);
  return Status::OK();
}

// Links the messages in `value` (at `at` inside a record): a message, or those in a list.
Status ContentCache::AddRecordLinksIn(const Value& value, const std::string& at, int depth, WriteBatch* batch) const {
  if (value.is_message()) return AddRecordLinks(value.message(), at, depth, {}, batch, nullptr);
  if (!value.is_list()) return Status::OK();
  if (depth > kMaxDepth) return Status::InvalidArgument("list nesting deeper than " + std::to_string(kMaxDepth));
  for (size_t i = 0; i < value.list().size(); ++i) {
    AO_RETURN_IF_ERROR(AddRecordLinksIn(value.list()[i], at + "/" + std::to_string(i + 1), depth + 1, batch));
  }
  return Status::OK();
}

Result<std::string> ContentCache::AddRecordLinksToBatch(const Message& message, std::string_view record_path,
                                                        WriteBatch* batch, std::string_view apart) const {
  AO_ASSIGN_OR_RETURN(std::string at, NormalizePath(record_path));
  if (at.empty()) return Status::InvalidArgument("a record cannot be the root");
  std::string id;
  AO_RETURN_IF_ERROR(AddRecordLinks(message, at, 0, apart, batch, &id));
  return id;
}

Result<std::optional<Value>> ContentCache::ReadInRecord(const std::string& resolved) const {
  // From the longest prefix up: a group ends the search (records hold no groups), nothing there
  // goes one segment up.
  for (size_t cut = resolved.rfind('/'); cut != std::string::npos && cut > 0;
       cut = cut == 0 ? std::string::npos : resolved.rfind('/', cut - 1)) {
    const std::string prefix = resolved.substr(0, cut);
    AO_ASSIGN_OR_RETURN(NodeType type, store_.Type(prefix));
    if (type == NodeType::kComposite) return std::optional<Value>();
    if (type == NodeType::kNotFound) continue;
    AO_ASSIGN_OR_RETURN(Bytes encoded, store_.Read(prefix));
    if (encoded.empty() || encoded[0] != kPackedVersion) return std::optional<Value>();
    Result<Value> record = DecodePacked(encoded);
    if (!record.ok()) return record.status().WithContext("reading the record " + Quoted(prefix));
    const Value* at = &*record;
    for (const std::string& segment : SplitPath(std::string_view(resolved).substr(cut + 1))) {
      if (at->is_message()) {
        at = IsPrivateKey(segment) ? nullptr : at->message().Find(segment);
      } else if (at->is_list()) {
        size_t index = 0;
        auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
        const bool valid = ec == std::errc() && end == segment.data() + segment.size() && index >= 1 &&
                           index <= at->list().size() && segment[0] != '0';
        at = valid ? &at->list()[index - 1] : nullptr;
      } else {
        at = nullptr;
      }
      if (at == nullptr) return std::optional<Value>();
    }
    return std::optional<Value>(*at);
  }
  return std::optional<Value>();
}

namespace {

// The hash of a chunk of zeros: most of a WebAssembly memory image (an AOS memory is ~2 MiB of
// data in 105 MiB). Reading skips such chunks: a reader's bytes not covered by a chunk are zero.
const std::string& ZeroChunkHash() {
  static const std::string hash = ContentHash(std::string(ContentCache::kChunkSize, '\0'));
  return hash;
}

}  // namespace

// A long binary: chunks of kChunkSize bytes, each stored once under chunk/<SHA-256 of its bytes>
// (so a binary that changed a little writes only the chunks that changed: the others are in the
// store already), and a small leaf listing them. A chunk is snappy-compressed when that saves at
// least an eighth: a WebAssembly memory is mostly zero pages and compresses ~20x, which the
// batch, LevelDB's log and the memtable all see (LevelDB's own block compression only applies
// when it builds tables, later).
Result<std::string> ContentCache::AddChunkedBinary(std::string_view bytes, WriteBatch* batch,
                                                   const ByteRanges* maybe_nonzero) const {
  std::string leaf(1, kChunkedTag);
  leaf += std::to_string(bytes.size());
  std::unordered_set<std::string> added;
  std::string compressed;
  size_t range = 0;  // the first of `maybe_nonzero` that does not end before the chunk
  for (size_t at = 0; at < bytes.size(); at += kChunkSize) {
    const std::string_view chunk = bytes.substr(at, kChunkSize);
    bool known_zero = false;
    if (maybe_nonzero != nullptr && chunk.size() == kChunkSize) {
      while (range < maybe_nonzero->size() && (*maybe_nonzero)[range].second <= at) ++range;
      known_zero = range == maybe_nonzero->size() || (*maybe_nonzero)[range].first >= at + chunk.size();
    }
    // A whole chunk of zeros (most of a memory image) has a known hash: not hashed again.
    std::string hash =
        chunk.size() == kChunkSize && (known_zero || IsAllZero(chunk)) ? ZeroChunkHash() : ContentHash(chunk);
    leaf += "\n" + hash;
    std::string path = JoinPath({kChunkGroup, hash});
    if (!added.insert(path).second) continue;
    AO_ASSIGN_OR_RETURN(NodeType existing, store_.Type(path));
    if (existing != NodeType::kNotFound) continue;
    compressed.clear();
    snappy::Compress(chunk.data(), chunk.size(), &compressed);
    std::string stored;
    if (compressed.size() < chunk.size() - chunk.size() / 8) {
      stored.reserve(compressed.size() + 1);
      stored += kSnappyChunk;
      stored += compressed;
    } else {
      stored.reserve(chunk.size() + 1);
      stored += kRawChunk;
      stored += chunk;
    }
    batch->WriteContent(path, std::move(stored));
  }
  std::string path = JoinPath({kDataGroup, ContentHash(leaf)});
  batch->WriteContent(path, std::move(leaf));
  return path;
}

namespace {

// The size a chunked binary leaf, 'c' <size> ('\n' <chunk hash>)*, declares.
Result<uint64_t> ChunkedSize(std::string_view leaf) {
  const size_t first = leaf.find('\n');
  std::string_view size_text = leaf.substr(1, first == std::string_view::npos ? std::string_view::npos : first - 1);
  uint64_t size = 0;
  auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  if (size_text.empty() || ec != std::errc() || end != size_text.data() + size_text.size()) {
    return Status::Corruption("bad chunked binary leaf (size)");
  }
  return size;
}

}  // namespace

Result<uint64_t> ContentCache::VisitChunks(std::string_view leaf, const ChunkVisitor& visit) const {
  const size_t first = leaf.find('\n');
  AO_ASSIGN_OR_RETURN(uint64_t size, ChunkedSize(leaf));
  uint64_t offset = 0;  // where the next chunk starts
  std::string stored;
  std::string plain;  // a compressed chunk's bytes, reused
  size_t at = first;
  while (at != std::string_view::npos) {
    const size_t next = leaf.find('\n', at + 1);
    std::string_view hash = leaf.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1);
    at = next;
    if (hash == ZeroChunkHash() && offset + kChunkSize <= size) {
      offset += kChunkSize;  // nothing to visit: every byte no piece covers is zero
      continue;
    }
    Result<Bytes> read = store_.Read(JoinPath({kChunkGroup, hash}));
    if (!read.ok()) {
      if (read.status().IsNotFound()) return Status::Corruption("binary chunk " + Quoted(hash) + " is missing");
      return read.status();
    }
    stored = std::move(read).value();
    if (stored.empty()) return Status::Corruption("empty binary chunk " + Quoted(hash));
    std::string_view chunk;
    if (stored[0] == kRawChunk) {
      chunk = std::string_view(stored).substr(1);
    } else if (stored[0] == kSnappyChunk) {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(stored.data() + 1, stored.size() - 1, &length) || length > size - offset) {
        return Status::Corruption("bad compressed binary chunk " + Quoted(hash));
      }
      plain.resize(length);
      if (!snappy::RawUncompress(stored.data() + 1, stored.size() - 1, plain.data())) {
        return Status::Corruption("bad compressed binary chunk " + Quoted(hash));
      }
      chunk = plain;
    } else {
      return Status::Corruption("unknown binary chunk tag in " + Quoted(hash));
    }
    if (chunk.size() > size - offset) break;  // reported below
    AO_RETURN_IF_ERROR(visit(offset, chunk));
    offset += chunk.size();
  }
  if (offset != size || at != std::string_view::npos) {
    return Status::Corruption("a chunked binary's chunks do not add up to its " + std::to_string(size) + " bytes");
  }
  return size;
}

Result<Value> ContentCache::ReadChunkedBinary(std::string_view leaf) const {
  AO_ASSIGN_OR_RETURN(uint64_t declared, ChunkedSize(leaf));
  Bytes out;
  out.reserve(declared);
  AO_ASSIGN_OR_RETURN(uint64_t size, VisitChunks(leaf, [&](uint64_t offset, std::string_view chunk) {
                        out.resize(offset);  // the zero chunks before this one
                        out.append(chunk);
                        return Status::OK();
                      }));
  out.resize(size);
  return Value(std::move(out));
}

Result<uint64_t> ContentCache::VisitBinary(std::string_view path, const ChunkVisitor& visit) const {
  AO_ASSIGN_OR_RETURN(std::string resolved, store_.Resolve(path));
  AO_ASSIGN_OR_RETURN(NodeType type, store_.Type(resolved));
  if (type == NodeType::kNotFound) {
    // A binary inside a record (see Read): one piece.
    Result<std::string> normalized = NormalizePath(path);
    std::optional<Value> inside;
    if (normalized.ok() && *normalized != resolved) {
      AO_ASSIGN_OR_RETURN(inside, ReadInRecord(resolved));
    }
    if (!inside) return Status::NotFound("nothing stored at " + Quoted(path));
    if (!inside->is_binary()) {
      return Status::InvalidArgument(Quoted(path) + " holds a " + std::string(KindName(inside->kind())) + ", not a binary");
    }
    if (!inside->binary().empty()) AO_RETURN_IF_ERROR(visit(0, inside->binary()));
    return inside->binary().size();
  }
  if (type != NodeType::kSimple) return Status::InvalidArgument(Quoted(path) + " holds a group, not a binary");
  AO_ASSIGN_OR_RETURN(Bytes encoded, store_.Read(resolved));
  if (!encoded.empty() && encoded[0] == kChunkedTag) {
    Result<uint64_t> size = VisitChunks(encoded, visit);
    if (!size.ok()) return size.status().WithContext("reading " + Quoted(path));
    return size;
  }
  Result<Value> value = DecodeLeaf(encoded);
  if (!value.ok()) return value.status().WithContext("reading " + Quoted(path));
  if (!value->is_binary()) {
    return Status::InvalidArgument(Quoted(path) + " holds a " + std::string(KindName(value->kind())) + ", not a binary");
  }
  if (!value->binary().empty()) AO_RETURN_IF_ERROR(visit(0, value->binary()));
  return value->binary().size();
}

Result<std::string> ContentCache::WriteBinary(std::string_view bytes, const WriteOptions& options) const {
  return WriteBinary(bytes, ByteRanges{{0, bytes.size()}}, options);
}

Result<std::string> ContentCache::WriteBinary(std::string_view bytes, const ByteRanges& maybe_nonzero,
                                              const WriteOptions& options) const {
  WriteBatch batch;
  std::string address;
  if (bytes.size() > kChunkedBinaryMin) {
    AO_ASSIGN_OR_RETURN(address, AddChunkedBinary(bytes, &batch, &maybe_nonzero));
  } else {
    AO_ASSIGN_OR_RETURN(address, AddValueToBatch(Value(Bytes(bytes)), &batch));
  }
  AO_RETURN_IF_ERROR(store_.Apply(batch, options));
  return address;
}

namespace {

void PutVarint(uint64_t n, Bytes* out) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

void PutFixed64(uint64_t n, Bytes* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((n >> shift) & 0xff));
}

Status PackInto(const Value& value, int depth, Bytes* out) {
  if (depth > ContentCache::kMaxDepth) {
    return Status::InvalidArgument("nesting deeper than " + std::to_string(ContentCache::kMaxDepth));
  }
  switch (value.kind()) {
    case Value::Kind::kBinary:
      out->push_back('b');
      PutVarint(value.binary().size(), out);
      out->append(value.binary());
      return Status::OK();
    case Value::Kind::kInteger:
      out->push_back('i');
      PutFixed64(static_cast<uint64_t>(value.integer()), out);
      return Status::OK();
    case Value::Kind::kFloat:
      out->push_back('f');
      PutFixed64(std::bit_cast<uint64_t>(value.floating()), out);
      return Status::OK();
    case Value::Kind::kAtom:
      out->push_back('a');
      PutVarint(value.atom().name.size(), out);
      out->append(value.atom().name);
      return Status::OK();
    case Value::Kind::kList:
      out->push_back('l');
      PutVarint(value.list().size(), out);
      for (const Value& v : value.list()) AO_RETURN_IF_ERROR(PackInto(v, depth + 1, out));
      return Status::OK();
    case Value::Kind::kMessage: {
      size_t count = 0;
      for (const auto& [key, unused] : value.message()) count += IsPrivateKey(key) ? 0 : 1;
      out->push_back('m');
      PutVarint(count, out);
      for (const auto& [key, v] : value.message()) {
        if (IsPrivateKey(key)) continue;
        PutVarint(key.size(), out);
        out->append(key);
        AO_RETURN_IF_ERROR(PackInto(v, depth + 1, out));
      }
      return Status::OK();
    }
    case Value::Kind::kDevice:
      return Status::InvalidArgument("a device value cannot be stored");
  }
  return Status::Internal("unknown value kind");
}

// Reads the packed value at `*in`, advancing it.
class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  bool done() const { return in_.empty(); }

  Result<Value> Next(int depth) {
    if (depth > ContentCache::kMaxDepth) return Bad("nesting too deep");
    if (in_.empty()) return Bad("truncated");
    const char tag = in_[0];
    in_.remove_prefix(1);
    switch (tag) {
      case 'b': {
        AO_ASSIGN_OR_RETURN(std::string_view bytes, Span());
        return Value(Bytes(bytes));
      }
      case 'i': {
        AO_ASSIGN_OR_RETURN(uint64_t n, Fixed64());
        return Value(static_cast<int64_t>(n));
      }
      case 'f': {
        AO_ASSIGN_OR_RETURN(uint64_t n, Fixed64());
        return Value(std::bit_cast<double>(n));
      }
      case 'a': {
        AO_ASSIGN_OR_RETURN(std::string_view name, Span());
        return Value(Atom{std::string(name)});
      }
      case 'l': {
        AO_ASSIGN_OR_RETURN(uint64_t count, Varint());
        if (count > in_.size()) return Bad("list count");
        Value::List list;
        list.reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
          AO_ASSIGN_OR_RETURN(Value v, Next(depth + 1));
          list.push_back(std::move(v));
        }
        return Value(std::move(list));
      }
      case 'm': {
        AO_ASSIGN_OR_RETURN(uint64_t count, Varint());
        if (count > in_.size()) return Bad("message count");
        Message m;
        for (uint64_t i = 0; i < count; ++i) {
          AO_ASSIGN_OR_RETURN(std::string_view key, Span());
          AO_ASSIGN_OR_RETURN(Value v, Next(depth + 1));
          m.Set(std::string(key), std::move(v));
        }
        return Value(std::move(m));
      }
      default:
        return Bad("unknown tag");
    }
  }

 private:
  static Status Bad(std::string_view what) {
    return Status::Corruption("bad packed value (" + std::string(what) + ")");
  }
  Result<uint64_t> Varint() {
    uint64_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Bad("truncated varint");
      const auto byte = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      n |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return n;
    }
    return Bad("varint too long");
  }
  Result<uint64_t> Fixed64() {
    if (in_.size() < 8) return Bad("truncated number");
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(8);
    return n;
  }
  Result<std::string_view> Span() {
    AO_ASSIGN_OR_RETURN(uint64_t n, Varint());
    if (n > in_.size()) return Bad("truncated bytes");
    std::string_view out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }

  std::string_view in_;
};

}  // namespace

Result<Bytes> ContentCache::EncodePacked(const Value& value) {
  Bytes out(1, kPackedVersion);
  AO_RETURN_IF_ERROR(PackInto(value, 0, &out));
  return out;
}

Result<Value> ContentCache::DecodePacked(std::string_view packed) {
  if (packed.empty() || packed[0] != kPackedVersion) {
    return Status::Corruption("bad packed value (version)");
  }
  Unpacker in(packed.substr(1));
  AO_ASSIGN_OR_RETURN(Value v, in.Next(0));
  if (!in.done()) return Status::Corruption("bad packed value (trailing bytes)");
  return v;
}

Result<Bytes> ContentCache::PackedLeaf(const Value& value) {
  AO_ASSIGN_OR_RETURN(Bytes packed, EncodePacked(value));
  packed.insert(packed.begin(), kPackedTag);
  return packed;
}

Result<std::string> ContentCache::AddPackedToBatch(const Value& value, WriteBatch* batch) const {
  AO_ASSIGN_OR_RETURN(Bytes packed, PackedLeaf(value));
  std::string path = JoinPath({kDataGroup, ContentHash(packed)});
  batch->WriteContent(path, std::move(packed));
  return path;
}

Result<std::string> ContentCache::AddToBatch(const Message& message, WriteBatch* batch, std::string* group) const {
  return AddMessage(message, batch, 0, group);
}

Result<std::string> ContentCache::AddValueToBatch(const Value& value, WriteBatch* batch) const {
  return AddValue(value, batch, 0);
}

Result<std::string> ContentCache::Write(const Message& message, const WriteOptions& options) const {
  WriteBatch batch;
  AO_ASSIGN_OR_RETURN(std::string id, AddToBatch(message, &batch));
  AO_RETURN_IF_ERROR(store_.Apply(batch, options));
  return id;
}

Result<std::string> ContentCache::WriteValue(const Value& value, const WriteOptions& options) const {
  WriteBatch batch;
  AO_ASSIGN_OR_RETURN(std::string address, AddValueToBatch(value, &batch));
  AO_RETURN_IF_ERROR(store_.Apply(batch, options));
  return address;
}

Result<Value> ContentCache::Read(std::string_view path) const {
  std::vector<std::string> in_progress;
  return ReadAt(std::string(path), &in_progress);
}

Result<Message> ContentCache::ReadMessage(std::string_view path) const {
  AO_ASSIGN_OR_RETURN(Value value, Read(path));
  if (!value.is_message()) {
    return Status::InvalidArgument(Quoted(path) + " holds a " +
                                   std::string(KindName(value.kind())) + ", not a message");
  }
  return std::move(value).TakeMessage();
}

// `in_progress` holds the groups being read (the ancestors of `path`): meeting one again means
// the links form a cycle. A group met twice in different branches (shared, deduplicated
// content) is fine.
Result<Value> ContentCache::ReadAt(const std::string& path,
                                   std::vector<std::string>* in_progress) const {
  AO_ASSIGN_OR_RETURN(std::string resolved, store_.Resolve(path));
  AO_ASSIGN_OR_RETURN(NodeType type, store_.Type(resolved));
  switch (type) {
    case NodeType::kNotFound: {
      // Only a path that followed a link can lead into a record (see the header).
      Result<std::string> normalized = NormalizePath(path);
      if (normalized.ok() && *normalized != resolved) {
        AO_ASSIGN_OR_RETURN(std::optional<Value> inside, ReadInRecord(resolved));
        if (inside) return std::move(*inside);
      }
      return Status::NotFound("nothing stored at " + Quoted(path));
    }
    case NodeType::kSimple: {
      AO_ASSIGN_OR_RETURN(Bytes encoded, store_.Read(resolved));
      Result<Value> value = !encoded.empty() && encoded[0] == kChunkedTag ? ReadChunkedBinary(encoded) : DecodeLeaf(encoded);
      if (!value.ok()) return value.status().WithContext("reading " + Quoted(path));
      return value;
    }
    case NodeType::kComposite:
      break;
  }
  if (std::find(in_progress->begin(), in_progress->end(), resolved) != in_progress->end()) {
    std::string chain;
    for (const std::string& group : *in_progress) chain += group + " -> ";
    return Status::Corruption("circular links detected: " + chain + resolved);
  }
  if (in_progress->size() >= static_cast<size_t>(kMaxDepth)) {
    return Status::Corruption("message nesting deeper than " + std::to_string(kMaxDepth) +
                              " at " + Quoted(path));
  }
  if (IsListPath(resolved)) {
    Result<Bytes> packed = store_.Read(std::string(kPackedListGroup) + resolved.substr(kListGroup.size()));
    if (packed.ok()) {
      Result<Value> list = DecodePacked(*packed);
      if (list.ok() && list->is_list()) return list;
    }
  }
  AO_ASSIGN_OR_RETURN(std::vector<std::string> names, store_.List(resolved));
  in_progress->push_back(resolved);
  auto read_child = [&](const std::string& name) -> Result<Value> {
    Result<Value> child = ReadAt(resolved + "/" + name, in_progress);
    if (!child.ok() && child.status().IsNotFound()) {
      // A listed child that cannot be read is damage, not absence (hb_cache subpath_not_found).
      return Status::Corruption("child " + Quoted(name) + " of " + Quoted(resolved) +
                                " cannot be read: " + child.status().message());
    }
    return child;
  };
  Result<Value> out = Status::Internal("unset");
  if (IsListPath(resolved)) {
    // Children are "1".."n"; listed bytewise, so put them in numeric order and check that none
    // is missing.
    std::vector<std::pair<uint64_t, std::string>> numbered;
    for (const std::string& name : names) {
      uint64_t index = 0;
      auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
      if (ec != std::errc() || end != name.data() + name.size() || index == 0) {
        in_progress->pop_back();
        return Status::Corruption("list " + Quoted(resolved) + " has a non-numbered child " +
                                  Quoted(name));
      }
      numbered.emplace_back(index, name);
    }
    std::sort(numbered.begin(), numbered.end());
    Value::List list;
    for (size_t i = 0; i < numbered.size(); ++i) {
      if (numbered[i].first != i + 1) {
        in_progress->pop_back();
        return Status::Corruption("list " + Quoted(resolved) + " is missing element " +
                                  std::to_string(i + 1));
      }
      Result<Value> element = read_child(numbered[i].second);
      if (!element.ok()) {
        in_progress->pop_back();
        return element.status();
      }
      list.push_back(std::move(element).value());
    }
    out = Value(std::move(list));
  } else {
    Message message;
    for (const std::string& name : names) {
      if (IsPrivateKey(name)) continue;
      Result<Value> field = read_child(name);
      if (!field.ok()) {
        in_progress->pop_back();
        return field.status();
      }
      message.Set(name, std::move(field).value());
    }
    out = Value(std::move(message));
  }
  in_progress->pop_back();
  return out;
}

}  // namespace ao
