#include "aocore/message/avro_tags.h"

#include <cstdint>
#include <string>

namespace ao {
namespace {

void PutVarint(int64_t n, Bytes& out) {
  uint64_t z = (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
}

void PutBytes(std::string_view b, Bytes& out) {
  PutVarint(static_cast<int64_t>(b.size()), out);
  out.append(b);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  Result<int64_t> Varint(std::string_view what) {
    uint64_t z = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Truncated(what);
      const auto byte = static_cast<unsigned char>(in_[pos_++]);
      // The tenth byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && byte > 1) break;
      z |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    return Status::InvalidArgument("Avro tags: " + std::string(what) + " is not a valid 64-bit varint");
  }

  Result<Bytes> Blob(std::string_view what) {
    AO_ASSIGN_OR_RETURN(int64_t len, Varint(what));
    if (len < 0) return Status::InvalidArgument("Avro tags: negative " + std::string(what) + " length");
    if (static_cast<uint64_t>(len) > in_.size() - pos_) return Truncated(what);
    Bytes out(in_.substr(pos_, static_cast<size_t>(len)));
    pos_ += static_cast<size_t>(len);
    return out;
  }

  size_t pos() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  Status Truncated(std::string_view what) const {
    return Status::InvalidArgument("Avro tags: truncated in " + std::string(what) + " at byte " +
                                   std::to_string(pos_));
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

Bytes EncodeAvroTags(const std::vector<Tag>& tags) {
  Bytes out;
  if (tags.empty()) return out;
  PutVarint(static_cast<int64_t>(tags.size()), out);
  for (const Tag& t : tags) {
    PutBytes(t.name, out);
    PutBytes(t.value, out);
  }
  out.push_back('\0');
  return out;
}

Result<std::vector<Tag>> DecodeAvroTags(std::string_view bytes, size_t max_tags) {
  std::vector<Tag> tags;
  if (bytes.empty()) return tags;
  Reader r(bytes);
  for (;;) {
    AO_ASSIGN_OR_RETURN(int64_t count, r.Varint("block count"));
    if (count == 0) break;
    if (count < 0) {
      // A block with a negative count carries its byte size next; the items follow as usual.
      if (count == INT64_MIN) return Status::InvalidArgument("Avro tags: block count out of range");
      count = -count;
      AO_ASSIGN_OR_RETURN(int64_t size, r.Varint("block size"));
      if (size < 0 || static_cast<uint64_t>(size) > r.remaining()) {
        return Status::InvalidArgument("Avro tags: block size " + std::to_string(size) +
                                       " does not fit the input");
      }
    }
    // Checked before reserving anything: a forged count must not allocate.
    if (static_cast<uint64_t>(count) > max_tags - tags.size()) {
      return Status::InvalidArgument("Avro tags: more than " + std::to_string(max_tags) + " tags");
    }
    for (int64_t i = 0; i < count; ++i) {
      Tag t;
      AO_ASSIGN_OR_RETURN(t.name, r.Blob("tag name"));
      AO_ASSIGN_OR_RETURN(t.value, r.Blob("tag value"));
      tags.push_back(std::move(t));
    }
  }
  if (r.remaining() != 0) {
    return Status::InvalidArgument("Avro tags: " + std::to_string(r.remaining()) +
                                   " bytes after the array's end");
  }
  return tags;
}

}  // namespace ao
