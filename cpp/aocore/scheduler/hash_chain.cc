#include "aocore/scheduler/hash_chain.h"

#include <string>

#include "aocore/crypto/hash.h"

namespace ao {
namespace {

constexpr size_t kIdTextSize = 43;
constexpr size_t kDigestSize = 32;

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool IsIdText(std::string_view s) {
  if (s.size() != kIdTextSize) return false;
  for (char c : s) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

}  // namespace

Result<HashChain> HashChain::FromStored(std::string_view stored_text) {
  if (stored_text.empty()) return HashChain();
  if (!IsIdText(stored_text)) {
    return Status::Corruption("stored hash-chain is not a 43-character base64url digest: '" +
                              std::string(stored_text.substr(0, 64)) + "'");
  }
  Result<Bytes> raw = Base64UrlDecode(stored_text);
  if (!raw.ok() || raw->size() != kDigestSize) {
    return Status::Corruption("stored hash-chain does not decode to a 32-byte digest");
  }
  return HashChain(std::move(raw).value());
}

Result<HashChain> HashChain::Next(std::string_view message_id) const {
  if (!IsIdText(message_id)) {
    return Status::InvalidArgument("hash chain input must be a 43-character message ID, got '" +
                                   std::string(message_id.substr(0, 64)) + "'");
  }
  std::string input;
  input.reserve(raw_.size() + message_id.size());
  input.append(raw_);
  input.append(message_id);
  return HashChain(Sha256(input));
}

std::string HashChain::Text() const { return raw_.empty() ? std::string() : Base64UrlEncode(raw_); }

Status VerifyHashChain(const HashChain& start, const std::vector<ChainLink>& links) {
  HashChain chain = start;
  for (size_t i = 0; i < links.size(); ++i) {
    Result<HashChain> next = chain.Next(links[i].message_id);
    if (!next.ok()) return next.status().WithContext("link " + std::to_string(i));
    if (next->Text() != links[i].hash_chain) {
      return Status::Corruption("hash chain mismatch at link " + std::to_string(i) + ": stored " +
                                links[i].hash_chain + ", recomputed " + next->Text());
    }
    chain = std::move(next).value();
  }
  return Status::OK();
}

}  // namespace ao
