// ContentCache: content-addressed message storage over a Store, the port of hb_cache's
// write/read with its gaps fixed.
//
// Layout (all paths relative to the Store):
//   msg/<hash>           group of a message; <hash> = base64url(SHA-256 over its (key, value
//                        address) pairs): a Merkle hash, so only equal messages share a group
//   msg/<hash>/<key>     link -> the address of the key's value, for every non-private key
//   <id>                 link -> msg/<hash>; <id> = MessageId(message, kUncommitted), the
//                        reference's group ID (the content ID, or the ID over all commitments),
//                        when every commitment verifies; else the content ID (UncommittedId).
//                        First writer wins: messages that differ only in fields the ID leaves
//                        out (`signature`, `signature-input`, ...) share an ID, not a group
//   data/<hash>          a leaf value (binary, integer, float, atom) in the typed encoding below;
//                        <hash> = base64url(SHA-256(encoding)): identical leaves are stored once
//   list/<hash>          group of a list; children "1".."n" link to the elements' addresses;
//                        <hash> = base64url(SHA-256 over the element addresses), so identical
//                        lists are stored once too
//   list-packed/<hash>   a list of at least 16 leaves (no lists, messages or chunked binaries in
//                        it) also as one value in the packed encoding (below): reading the list
//                        whole is one store read; paths into the list use the group
//   <record path>        a message stored whole as ONE value in the packed encoding (below), at
//                        a path of its writer's (AssignmentCache's packed copy of an assignment),
//                        with links from its ID, its verified commitment IDs and those of every
//                        message nested in it to the message's path inside the record
//                        (<record path>/<key>/...): AddRecordLinksToBatch. It reads as the same
//                        message as a tree would, but costs one value and a few links to write
//                        instead of a node per field and value
//   <commitment id>      link -> msg/<hash>, for every key of the message's top-level `commitments`
//                        map that verifies (VerifiedCommitments), at every nesting level (a
//                        message is readable by each commitment ID). A message with a commitment
//                        that does not verify is linked under its content ID (UncommittedId), never
//                        under an ID it merely claims, so it cannot squat another message's ID
// Nested messages are stored as their own groups (msg/<hash>/<key> links to the nested group).
// Every write of one message, with everything nested in it, is a single WriteBatch, so a crash
// never leaves a partial message visible: either the group and all its links exist or none do.
// Links are first-writer-wins, so writing the same message again changes nothing.
//
// Reads follow paths into a record: when a path resolved through a link leads to nothing, and
// a prefix of it is a record, the rest of the path is taken from the record's value (a message
// key, or a list index 1..n). A path that followed no link is never looked up that way, so a miss
// costs what it did.
//
// Typed leaf encoding (persistent format; one tag byte, then the payload):
//   'b' <bytes>                    binary
//   'i' <decimal, optional '-'>    integer (int64)
//   'f' <8 bytes>                  float: IEEE-754 binary64 bit pattern, big-endian (exact, keeps
//                                  -0.0, infinities and NaN payloads)
//   'a' <name>                     atom (true/false/null/any symbol)
//   'p' <packed value>             any value in the packed encoding (AddPackedToBatch, below)
//   '1' ...                        a record: a packed value as EncodePacked makes it (its version
//                                  byte is the tag), at a path of its writer's (above)
//   'c' <size> ('\n' <hash>)*      a binary longer than kChunkedBinaryMin, in chunks of kChunkSize
//                                  bytes: chunk/<hash> holds chunk bytes whose base64url SHA-256
//                                  is <hash>, as 'r' <bytes> or 's' <snappy-compressed bytes>.
//                                  Identical chunks are stored once, so storing a large binary
//                                  (a WebAssembly memory) that changed a little writes only the
//                                  chunks that changed (aocore's format; the reference stores
//                                  one leaf)
// so binary "1" and integer 1 are different data (different hashes), and every value reads
// back exactly as written. Lists and messages are groups, never leaves; devices cannot be stored.
//
// Reads are lazy: Read("<id>/a/b") follows links to that one node and reads only it (and, if it
// is a message or list, its subtree). A link cycle, in the store or through message groups,
// is a Corruption error whose message says "circular links", never a hang.
//
// Deviations from the reference (see also docs/deviations.md):
//   * leaves are typed and addressed by the hash of their typed encoding, not of raw TABM bytes;
//   * keys that are empty, contain '/' or are "." / ".." are refused (InvalidArgument): the
//     reference silently turns "a/b" into a nested path, so the message would not round-trip;
//   * a message whose ID cannot be computed (MessageId error) is refused, as is a device value;
//   * not replicated: the reference first reduces a signed message to its committed keys
//     (hb_message:with_only_committed); here every non-private key is stored;
//   * a commitment's ID is a storage address only when the commitment verifies (above).
//
// Thread-safety: safe for concurrent use (stateless over a thread-safe Store).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/message/value.h"
#include "aocore/store/store.h"

namespace ao {

class ContentCache {
 public:
  // Computes the group ID of a message (a single path segment).
  using IdFunction = std::function<Result<std::string>(const Message&)>;
  // The keys of a message's `commitments` that verify, so may be storage addresses.
  using VerifiedFunction = std::function<std::vector<std::string>(const Message&)>;

  // Uses MessageId(message, IdMode::kUncommitted) and VerifiedCommitments (commitment.h).
  // REQUIRES: `store` outlives the cache.
  explicit ContentCache(Store& store);
  // With a caller-chosen ID function and commitment check (tests whose stand-in IDs cannot be
  // verified, alternative ID modes).
  ContentCache(Store& store, IdFunction id_function, VerifiedFunction verified);

  // Appends to `batch` the operations that store `message` and everything nested in it, and
  // returns the message's ID. Nothing is written until the batch is applied, so a caller can
  // commit the message together with its own links (a slot link, a "latest" pointer) atomically.
  // Reads the store to skip (nested) messages that are already stored. With `group`, also
  // returns the message's group address (msg/<hash>), which only equal messages share.
  Result<std::string> AddToBatch(const Message& message, WriteBatch* batch, std::string* group = nullptr) const;
  // The same for any value: returns its address (a message ID, data/<hash> or list/<hash>).
  Result<std::string> AddValueToBatch(const Value& value, WriteBatch* batch) const;
  // Appends the links that make `message`, stored by the caller as a record at `record_path`
  // (EncodePacked(Value(message)) written there in the same batch), readable like a message
  // AddToBatch stored: by its ID and verified commitment IDs, and every message nested in it
  // (through messages and lists) by its own, each link to the message's path inside the record.
  // The links are first-writer-wins, as AddToBatch's. Returns the message's ID. Writes nothing
  // else and reads nothing: no groups and no leaves, so an equal message stored as a tree or
  // another record shares none of its nodes. The messages in the value of `apart` (a top-level
  // key, when not empty) are not linked: the caller stores that value as its own tree
  // (AddToBatch), which other writers of the same message then find stored (a message nested
  // in what they write is neither written nor verified again); paths under the record still
  // read it from the record.
  Result<std::string> AddRecordLinksToBatch(const Message& message, std::string_view record_path,
                                            WriteBatch* batch, std::string_view apart = {}) const;

  // Stores `message` in one atomic batch; returns its ID.
  Result<std::string> Write(const Message& message, const WriteOptions& options = {}) const;
  // Stores any value in one atomic batch; returns its address.
  Result<std::string> WriteValue(const Value& value, const WriteOptions& options = {}) const;

  // The value at `path`: a message ID, a commitment ID, an address, or any of these followed by
  // a key path ("<id>/a/b"). NotFound when nothing is there; Corruption for circular links or
  // undecodable data.
  Result<Value> Read(std::string_view path) const;
  // Read, requiring a message (InvalidArgument when the value is something else).
  Result<Message> ReadMessage(std::string_view path) const;

  // One piece of a binary read chunk by chunk: where it starts in the binary, and its bytes
  // (valid only during the call). A visitor's error stops the read and is returned.
  using ChunkVisitor = std::function<Status(uint64_t offset, std::string_view bytes)>;
  // Reads the binary at `path` (as Read resolves it) without assembling it: calls `visit` with
  // its pieces in ascending order of offset, leaving out the chunks of kChunkSize zero bytes,
  // and returns the binary's size. Every byte no piece covers is zero. A chunked binary's pieces
  // are its stored chunks (offsets multiples of kChunkSize); a binary stored as one leaf is one
  // piece (none when empty). So a caller can put a large, mostly zero binary (a WebAssembly
  // memory image) straight where it belongs. InvalidArgument when the value is not a binary;
  // NotFound and Corruption as Read.
  Result<uint64_t> VisitBinary(std::string_view path, const ChunkVisitor& visit) const;
  // Stores a binary (chunked when longer than kChunkedBinaryMin, as AddValueToBatch does) in one
  // atomic batch, from bytes the caller need not copy into a Value; returns its address.
  Result<std::string> WriteBinary(std::string_view bytes, const WriteOptions& options = {}) const;
  // Byte ranges [from, to) of a binary, ascending and not overlapping.
  using ByteRanges = std::vector<std::pair<uint64_t, uint64_t>>;
  // WriteBinary for a binary whose bytes outside `maybe_nonzero` the caller knows to be zero: a
  // chunk wholly outside those ranges is stored as a zero chunk without being read (a
  // WebAssembly memory's never-written pages, which reading would fault in one by one). The
  // same address as WriteBinary(bytes) when the ranges are true.
  Result<std::string> WriteBinary(std::string_view bytes, const ByteRanges& maybe_nonzero,
                                  const WriteOptions& options = {}) const;

  // The typed leaf encoding (above). EncodeLeaf: InvalidArgument for lists, messages, devices.
  static Result<Bytes> EncodeLeaf(const Value& value);
  static Result<Value> DecodeLeaf(std::string_view encoded);

  // The packed encoding: a whole value (messages and lists included) as one byte string, for
  // copies that are read whole and often (AssignmentCache keeps one per assignment, so a worker
  // reads a slot's assignment with one store read instead of one per node). Private keys are
  // left out, as in the store, so Decode(Encode(m)) equals what Read answers for m. Format
  // (version byte '1', then a value): 'b' <varint n> <n bytes> | 'i' <8 bytes BE> | 'f' <8 bytes
  // BE IEEE-754> | 'a' <varint n> <name> | 'l' <varint count> <value>* | 'm' <varint count>
  // (<varint n> <key> <value>)*. EncodePacked: InvalidArgument for a device or too deep a
  // nesting; DecodePacked: Corruption for anything malformed.
  static Result<Bytes> EncodePacked(const Value& value);
  static Result<Value> DecodePacked(std::string_view packed);
  // Appends to `batch` `value` stored as ONE leaf in the packed encoding (leaf tag 'p'), and
  // returns its address (data/<hash>). Read answers it as the value, but a path into it
  // (<address>/key) does not resolve. For small records written often and read whole (a process
  // cache delta): one write instead of one per node.
  Result<std::string> AddPackedToBatch(const Value& value, WriteBatch* batch) const;
  // The leaf AddPackedToBatch stores for `value` (tag 'p' + EncodePacked), for a caller that
  // keeps it at a path of its own: Read answers it as the value wherever it is.
  static Result<Bytes> PackedLeaf(const Value& value);

  // Nesting deeper than this is refused on write and reported as Corruption on read.
  static constexpr int kMaxDepth = 256;
  // Binaries longer than kChunkedBinaryMin are stored in chunks of kChunkSize (above).
  static constexpr size_t kChunkedBinaryMin = 1 << 20;
  static constexpr size_t kChunkSize = 256 << 10;

 private:
  Result<std::string> AddMessage(const Message& message, WriteBatch* batch, int depth,
                                 std::string* group_out = nullptr) const;
  Result<std::string> AddValue(const Value& value, WriteBatch* batch, int depth) const;
  Result<Value> ReadAt(const std::string& path, std::vector<std::string>* in_progress) const;
  Result<std::string> LinkByIds(const Message& message, const std::vector<std::string>& verified, bool all_verified,
                                const std::string& target, WriteBatch* batch) const;
  Status AddRecordLinks(const Message& message, const std::string& at, int depth, std::string_view apart,
                        WriteBatch* batch, std::string* id_out) const;
  Status AddRecordLinksIn(const Value& value, const std::string& at, int depth, WriteBatch* batch) const;
  // The value at `resolved` (nothing there) inside a record stored at one of its prefixes, or
  // nullopt when no prefix is a record or the record has nothing at the rest of the path.
  Result<std::optional<Value>> ReadInRecord(const std::string& resolved) const;
  // `maybe_nonzero` (none: read every chunk): as WriteBinary's.
  Result<std::string> AddChunkedBinary(std::string_view bytes, WriteBatch* batch,
                                       const ByteRanges* maybe_nonzero = nullptr) const;
  Result<Value> ReadChunkedBinary(std::string_view leaf) const;
  // The size of the chunked binary `leaf`; calls `visit` for each of its chunks but the zero ones.
  Result<uint64_t> VisitChunks(std::string_view leaf, const ChunkVisitor& visit) const;

  Store& store_;
  IdFunction id_function_;
  VerifiedFunction verified_;
};

}  // namespace ao
