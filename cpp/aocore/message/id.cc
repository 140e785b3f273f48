#include "aocore/message/id.h"

#include <algorithm>

#include "aocore/crypto/hash.h"
#include "aocore/message/httpsig.h"

namespace ao {
namespace {

constexpr std::string_view kHmacKey = "ao";

}  // namespace

Result<IdMode> ParseIdMode(std::string_view mode) {
  if (mode == "none") return IdMode::kNone;
  if (mode == "all") return IdMode::kAll;
  if (mode == "uncommitted") return IdMode::kUncommitted;
  return Status::InvalidArgument("unknown ID mode \"" + std::string(mode) +
                                 "\" (expected none, all or uncommitted)");
}

Result<std::string> UncommittedId(const Message& message) {
  AO_ASSIGN_OR_RETURN(HttpsigEncoding enc, EncodeHttpsig(message));
  const std::vector<std::string> components = SignatureComponents(enc);
  const std::string base = SignatureBase(enc, components, HmacParamsLine(components));
  return Base64UrlEncode(HmacSha256(kHmacKey, base));
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
