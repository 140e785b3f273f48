#include "aocore/message/commitment.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/crypto/hash.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/httpsig.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "aocore/message/structured_fields.h"

namespace ao {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const std::shared_ptr<spdlog::logger> logger = Logger("message");
  return logger;
}

std::string StripAt(std::string_view id) {
  if (!id.empty() && id.front() == '@') id.remove_prefix(1);
  return std::string(id);
}

// ---------------------------------------------------------------------------------------------

// The message as it is signed: everything but its commitments.
Message Content(const Message& message) {
  Message content = message;
  content.Erase("commitments");
  return content;
}

Result<const Message*> CommitmentsOf(const Message& message) {
  const Value* v = message.Find("commitments");
  if (v == nullptr) return static_cast<const Message*>(nullptr);
  if (!v->is_message()) {
    return Status::InvalidArgument("key \"commitments\" must hold a message of commitments, not a " +
                                   std::string(KindName(v->kind())));
  }
  return &v->message();
}

bool HasCommitter(const Value& commitment) {
  return commitment.is_message() && commitment.message().FindBinary("committer") != nullptr;
}

const Bytes* BinaryField(const Value& commitment, std::string_view key) {
  return commitment.is_message() ? commitment.message().FindBinary(key) : nullptr;
}

// Lazily computed facts about the content of one message, shared by the checks of several
// commitments.
class Subject {
 public:
  explicit Subject(const Message& message) : content_(Content(message)) {}

  Result<const HttpsigEncoding*> Encoding() {
    if (!encoding_) {
      auto enc = EncodeHttpsig(content_);
      if (!enc.ok()) return enc.status();
      encoding_ = std::move(enc).value();
    }
    return &*encoding_;
  }
  Result<std::string> UncommittedIdValue() {
    if (!uncommitted_id_) {
      AO_ASSIGN_OR_RETURN(std::string id, UncommittedId(content_));
      uncommitted_id_ = std::move(id);
    }
    return *uncommitted_id_;
  }
  const Message& content() const { return content_; }

 private:
  Message content_;
  std::optional<HttpsigEncoding> encoding_;
  std::optional<std::string> uncommitted_id_;
};

bool Reject(std::string_view id, std::string_view reason) {
  Log()->warn("commitment {} does not verify: {}", id, reason);
  return false;
}

bool VerifyRsa(Subject& subject, std::string_view id, const Message& commitment) {
  const Bytes* committer = commitment.FindBinary("committer");
  const Bytes* signature = commitment.FindBinary("signature");
  const Bytes* signature_input = commitment.FindBinary("signature-input");
  if (committer == nullptr || signature == nullptr || signature_input == nullptr) {
    return Reject(id, "needs binary committer, signature and signature-input");
  }
  std::string name = SignatureName(*committer);
  if (name.empty()) return Reject(id, "committer is not an address");

  auto inputs = ParseSfDictionary(*signature_input);
  if (!inputs.ok()) return Reject(id, "signature-input: " + inputs.status().message());
  const SfDictionaryMember* input = FindSfMember(*inputs, name);
  if (input == nullptr || !input->inner_list) {
    return Reject(id, "signature-input has no component list named " + name);
  }
  auto alg = input->params.find("alg");
  if (alg == input->params.end() || alg->second != kRsaPssSha512) {
    return Reject(id, "signature-input alg is not rsa-pss-sha512");
  }
  auto keyid = input->params.find("keyid");
  if (keyid == input->params.end()) return Reject(id, "signature-input has no keyid");
  auto modulus = Base64UrlDecode(keyid->second);
  if (!modulus.ok() || modulus->empty()) return Reject(id, "keyid is not base64url");
  if (BinaryId(*modulus) != *committer) return Reject(id, "committer is not the keyid's address");

  auto sigs = ParseSfDictionary(*signature);
  if (!sigs.ok()) return Reject(id, "signature: " + sigs.status().message());
  const SfDictionaryMember* sig = FindSfMember(*sigs, name);
  if (sig == nullptr || !sig->bytes) return Reject(id, "signature has no byte sequence named " + name);
  if (BinaryId(*sig->bytes) != id) return Reject(id, "key is not the signature's ID");

  auto enc = subject.Encoding();
  if (!enc.ok()) return Reject(id, "message cannot be encoded: " + enc.status().message());
  // Map each listed component back to the encoding's identifier (the list holds them
  // Latin-1-lower-cased); a listed component the message no longer has fails verification.
  std::multimap<std::string, std::string> by_lowered;
  for (std::string& c : SignatureComponents(**enc)) by_lowered.emplace(Latin1Lower(c), std::move(c));
  std::vector<std::string> components;
  components.reserve(input->items.size());
  for (const std::string& listed : input->items) {
    auto it = by_lowered.find(listed);
    if (it == by_lowered.end()) {
      // The message changed (a signed key was removed or its encoding moved): a mismatch, not
      // a malformed commitment.
      Log()->debug("commitment {}: signed component \"{}\" is missing", id, listed);
      return false;
    }
    components.push_back(it->second);
    by_lowered.erase(it);
  }
  std::string base = SignatureBase(**enc, components, input->raw);
  if (!Wallet::VerifyWithModulus(*modulus, base, *sig->bytes)) {
    Log()->debug("commitment {}: RSA-PSS signature does not match the message", id);
    return false;
  }
  return true;
}

bool VerifyOne(Subject& subject, const Message* commitments, std::string_view id) {
  const Value* commitment = commitments == nullptr ? nullptr : commitments->Find(id);
  if (commitment == nullptr) return Reject(id, "no such commitment");
  if (!commitment->is_message()) return Reject(id, "commitment is not a message");
  const Message& c = commitment->message();
  if (const Bytes* device = c.FindBinary("commitment-device"); device != nullptr && *device == kAns104Device) {
    // An item's commitment: the item is rebuilt from the content and this commitment alone.
    Message single = subject.content();
    single.Set("commitments", Value(Message{{std::string(id), *commitment}}));
    Status ans104 = VerifyAns104Commitment(single, id);
    if (!ans104.ok()) Log()->debug("commitment {}: {}", id, ans104.message());
    return ans104.ok();
  }
  if (const Bytes* device = c.FindBinary("commitment-device");
      device != nullptr && *device != kHttpsigDevice) {
    return Reject(id, "unsupported commitment-device " + *device);
  }
  const Bytes* alg = c.FindBinary("alg");
  if (alg == nullptr) return Reject(id, "commitment has no binary alg");
  if (*alg == kRsaPssSha512) return VerifyRsa(subject, id, c);
  if (*alg == kHmacSha256) {
    auto expected = subject.UncommittedIdValue();
    if (!expected.ok()) return Reject(id, "message cannot be encoded: " + expected.status().message());
    if (*expected != id) {
      Log()->debug("commitment {}: HMAC ID does not match the message ({})", id, *expected);
      return false;
    }
    return true;
  }
  return Reject(id, "unsupported alg " + *alg);
}

// A selector value as a mode or a list of values.
struct Selector {
  enum Mode { kAll, kNone, kList } mode = kNone;
  std::vector<std::string> values;
};

Result<Selector> ParseSelector(std::string_view what, const Value* v, Selector::Mode fallback) {
  Selector sel;
  if (v == nullptr) {
    sel.mode = fallback;
    return sel;
  }
  auto single = [&](const std::string& s) {
    if (s == "all") {
      sel.mode = Selector::kAll;
    } else if (s == "none") {
      sel.mode = Selector::kNone;
    } else {
      sel.mode = Selector::kList;
      sel.values.push_back(s);
    }
  };
  if (v->is_binary()) {
    single(v->binary());
  } else if (v->is_atom() && (v->IsAtom("all") || v->IsAtom("none"))) {
    single(v->atom().name);
  } else if (v->is_list()) {
    sel.mode = Selector::kList;
    for (const Value& item : v->list()) {
      if (!item.is_binary()) {
        return Status::InvalidArgument(std::string(what) + " selector list holds a " +
                                       std::string(KindName(item.kind())) + ", not a binary");
      }
      sel.values.push_back(item.binary());
    }
  } else {
    return Status::InvalidArgument(std::string(what) + " selector must be \"all\", \"none\", a "
                                   "binary or a list of binaries, not a " +
                                   std::string(KindName(v->kind())));
  }
  return sel;
}

// The fields a commitment lists, without `@` and Latin-1-lower-cased. nullopt: the commitment
// lists none (it covers every field).
std::optional<std::set<std::string>> ListedFields(std::string_view id, const Value& commitment) {
  const Bytes* input = BinaryField(commitment, "signature-input");
  if (input == nullptr || input->empty()) return std::nullopt;
  auto members = ParseSfDictionary(*input);
  if (!members.ok()) {
    Log()->warn("commitment {}: signature-input cannot be parsed: {}", id, members.status().message());
    return std::set<std::string>{};
  }
  std::set<std::string> fields;
  const Bytes* committer = BinaryField(commitment, "committer");
  std::string own = committer == nullptr ? std::string() : SignatureName(*committer);
  for (const SfDictionaryMember& m : *members) {
    // A signer's commitment covers its own member; an HMAC commitment all of them.
    if (!own.empty() && m.name != own) continue;
    for (const std::string& item : m.items) fields.insert(StripAt(item));
  }
  return fields;
}

}  // namespace

std::string SignatureName(std::string_view address) {
  Bytes raw;
  if (address.size() == 43) {
    auto decoded = Base64UrlDecode(address);
    if (!decoded.ok() || decoded->size() != 32) return "";
    raw = std::move(decoded).value();
  } else if (address.size() == 32) {
    raw = Bytes(address);
  } else {
    return "";
  }
  return "http-sig-" + HexEncode(std::string_view(raw).substr(1, 8));
}

Result<Message> Commit(const Message& message, const Wallet& wallet) {
  return Commit(message, wallet, SaltMode::kRandom);
}

Result<Message> Commit(const Message& message, const Wallet& wallet, SaltMode salt) {
  if (!wallet.HasPrivateKey()) {
    return Status::InvalidArgument("cannot commit with wallet " + wallet.Address() +
                                   ": it has no private key");
  }
  AO_ASSIGN_OR_RETURN(const Message* existing, CommitmentsOf(message));
  const Message content = Content(message);
  AO_ASSIGN_OR_RETURN(HttpsigEncoding enc, EncodeHttpsig(content));
  const std::vector<std::string> components = SignatureComponents(enc);

  // Signature parameters in name order (alg, keyid, tag), as the reference sorts them.
  std::string params = ComponentList(components);
  params += ";alg=";
  AppendSfString(kRsaPssSha512, params);
  params += ";keyid=";
  AppendSfString(Base64UrlEncode(wallet.Modulus()), params);
  if (const Message* priv = message.FindMessage("priv")) {
    if (const Bytes* hashpath = priv->FindBinary("hashpath")) {
      params += ";tag=";
      AppendSfString(*hashpath, params);
    }
  }
  const std::string base = SignatureBase(enc, components, params);
  AO_ASSIGN_OR_RETURN(Bytes signature,
                      salt == SaltMode::kDeterministic ? wallet.SignDeterministic(base) : wallet.Sign(base));

  const std::string id = BinaryId(signature);
  const std::string name = SignatureName(wallet.Address());
  Message rsa;
  rsa.Set("commitment-device", Value(kHttpsigDevice));
  rsa.Set("alg", Value(kRsaPssSha512));
  rsa.Set("committer", Value(wallet.Address()));
  rsa.Set("signature", Value(name + "=:" + Base64Encode(signature) + ":"));
  rsa.Set("signature-input", Value(name + "=" + params));

  // Keep other signers; drop the old HMAC commitment, which is recomputed below.
  Message commitments;
  if (existing != nullptr) {
    for (const auto& [key, value] : *existing) {
      if (HasCommitter(value)) commitments.Set(key, value);
    }
  }
  commitments.Set(id, Value(std::move(rsa)));

  // The HMAC commitment carries every signer's members, one per signature name.
  std::string all_sigs, all_inputs;
  std::set<std::string> names;
  for (const auto& [key, value] : commitments) {
    const Bytes* sig = BinaryField(value, "signature");
    const Bytes* input = BinaryField(value, "signature-input");
    const Bytes* committer = BinaryField(value, "committer");
    if (sig == nullptr || input == nullptr || committer == nullptr) continue;
    std::string member_name = SignatureName(*committer);
    if (member_name.empty() || !names.insert(member_name).second) continue;
    auto sig_members = ParseSfDictionary(*sig);
    auto input_members = ParseSfDictionary(*input);
    if (!sig_members.ok() || !input_members.ok()) continue;
    const SfDictionaryMember* s = FindSfMember(*sig_members, member_name);
    const SfDictionaryMember* i = FindSfMember(*input_members, member_name);
    if (s == nullptr || i == nullptr) continue;
    if (!all_sigs.empty()) {
      all_sigs += ", ";
      all_inputs += ", ";
    }
    all_sigs += member_name + "=" + s->raw;
    all_inputs += member_name + "=" + i->raw;
  }
  AO_ASSIGN_OR_RETURN(std::string hmac_id, UncommittedId(content));
  Message hmac;
  hmac.Set("commitment-device", Value(kHttpsigDevice));
  hmac.Set("alg", Value(kHmacSha256));
  hmac.Set("signature", Value(std::move(all_sigs)));
  hmac.Set("signature-input", Value(std::move(all_inputs)));
  commitments.Set(hmac_id, Value(std::move(hmac)));

  Message out = message;
  out.Set("commitments", Value(std::move(commitments)));
  return out;
}

Result<std::vector<std::string>> SelectCommitments(const Message& message, const Value* committers,
                                                   const Value* commitments) {
  AO_ASSIGN_OR_RETURN(const Message* all, CommitmentsOf(message));
  AO_ASSIGN_OR_RETURN(Selector by_committer, ParseSelector("committers", committers, Selector::kNone));
  AO_ASSIGN_OR_RETURN(Selector by_id,
                      ParseSelector("commitments", commitments,
                                    by_committer.mode == Selector::kNone ? Selector::kAll
                                                                         : Selector::kNone));
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& id) {
    if (seen.insert(id).second) out.push_back(id);
  };
  static const Message kEmpty;
  const Message& map = all == nullptr ? kEmpty : *all;

  if (by_committer.mode == Selector::kAll) {
    for (const auto& [id, c] : map) {
      if (HasCommitter(c)) add(id);
    }
  } else if (by_committer.mode == Selector::kList) {
    for (const std::string& address : by_committer.values) {
      bool found = false;
      for (const auto& [id, c] : map) {
        const Bytes* committer = BinaryField(c, "committer");
        if (committer != nullptr && *committer == address) {
          add(id);
          found = true;
        }
      }
      if (!found) return Status::NotFound("requested committer " + address + " has no commitment");
    }
  }
  if (by_id.mode == Selector::kAll) {
    for (const auto& [id, c] : map) add(id);
  } else if (by_id.mode == Selector::kList) {
    for (const std::string& id : by_id.values) {
      if (!map.Contains(id)) return Status::NotFound("requested commitment " + id + " is not present");
      add(id);
    }
  }
  return out;
}

bool VerifyCommitment(const Message& message, std::string_view commitment_id) {
  auto all = CommitmentsOf(message);
  if (!all.ok()) return Reject(commitment_id, all.status().message());
  Subject subject(message);
  return VerifyOne(subject, *all, commitment_id);
}

Result<bool> VerifySelected(const Message& message, const Value* committers,
                            const Value* commitments) {
  AO_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectCommitments(message, committers, commitments));
  AO_ASSIGN_OR_RETURN(const Message* all, CommitmentsOf(message));
  Subject subject(message);
  for (const std::string& id : ids) {
    if (!VerifyOne(subject, all, id)) return false;
  }
  return true;
}

bool Verify(const Message& message) {
  // Every entry must be a commitment that verifies: one that is not a message, has no (or an
  // unknown) alg, or is an RSA commitment without its committer fails the whole message rather
  // than being skipped (a skipped entry would let any garbage commitment "verify").
  auto all = CommitmentsOf(message);
  if (!all.ok()) {
    Log()->warn("message does not verify: {}", all.status().ToString());
    return false;
  }
  if (*all == nullptr) return true;
  Subject subject(message);
  for (const auto& [id, unused] : **all) {
    if (!VerifyOne(subject, *all, id)) return false;
  }
  return true;
}

std::vector<std::string> VerifiedCommitments(const Message& message) {
  std::vector<std::string> out;
  auto all = CommitmentsOf(message);
  if (!all.ok() || *all == nullptr) return out;
  Subject subject(message);
  for (const auto& [id, unused] : **all) {
    if (VerifyOne(subject, *all, id)) out.push_back(id);
  }
  return out;
}

std::vector<std::string> Committers(const Message& message) {
  std::vector<std::string> out;
  auto all = CommitmentsOf(message);
  if (!all.ok() || *all == nullptr) return out;
  for (const auto& [id, c] : **all) {
    if (const Bytes* committer = BinaryField(c, "committer")) out.push_back(*committer);
  }
  return out;
}

Result<std::vector<std::string>> Committed(const Message& message, const Value* committers,
                                           const Value* commitments) {
  AO_ASSIGN_OR_RETURN(std::vector<std::string> ids, SelectCommitments(message, committers, commitments));
  if (ids.empty()) return std::vector<std::string>{};
  AO_ASSIGN_OR_RETURN(const Message* all, CommitmentsOf(message));
  Subject subject(message);
  AO_ASSIGN_OR_RETURN(const HttpsigEncoding* enc, subject.Encoding());

  // The httpsig field that carries each top-level key of the content.
  std::vector<std::pair<std::string, std::string>> key_fields;
  for (const auto& [key, value] : subject.content()) {
    if (IsPrivateKey(key)) continue;
    auto nk = NormalizeKey(key);
    if (!nk.ok()) continue;
    std::string field;
    if (enc->fields.count(*nk) != 0) {
      field = *nk;
    } else if (IsIdShaped(key) && enc->fields.count("ao-ids") != 0) {
      field = "ao-ids";
    } else if (enc->body.has_value()) {
      field = "content-digest";
    } else {
      field = "ao-types";
    }
    key_fields.emplace_back(*nk, Latin1Lower(field));
  }

  std::set<std::string> covered;
  for (const auto& kf : key_fields) covered.insert(kf.first);
  bool all_have_sig_fields = true;
  for (const std::string& id : ids) {
    const Value& c = *all->Find(id);
    if (BinaryField(c, "signature") == nullptr || BinaryField(c, "signature-input") == nullptr) {
      all_have_sig_fields = false;
    }
    std::optional<std::set<std::string>> listed = ListedFields(id, c);
    if (!listed) continue;  // covers everything
    for (const auto& [key, field] : key_fields) {
      if (listed->count(field) == 0) covered.erase(key);
    }
  }
  std::vector<std::string> out(covered.begin(), covered.end());
  if (all_have_sig_fields) {
    out.push_back("signature-input");
    out.push_back("signature");
  }
  return out;
}

Message InvalidateCommitmentsOnSet(const Message& original, Message merged,
                                   const std::vector<std::string>& candidate_keys) {
  if (!original.Contains("commitments") || merged == original) return merged;
  const Value all("all");
  auto committed = Committed(original, &all, nullptr);
  if (!committed.ok()) {
    // Commitments that cannot even be read cannot vouch for a changed message.
    merged.Erase("commitments");
    return merged;
  }
  for (const std::string& key : candidate_keys) {
    auto nk = NormalizeKey(key);
    const std::string& k = nk.ok() ? *nk : key;
    if (std::find(committed->begin(), committed->end(), k) != committed->end()) {
      merged.Erase("commitments");
      break;
    }
  }
  return merged;
}

}  // namespace ao
