#include "aocore/message/hashpath.h"

#include <optional>

#include "aocore/crypto/hash.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"

namespace ao {
namespace {

enum class HashpathAlg { kSha256Chain, kAccumulate256 };

// The value under the key that normalises to `key` (ASCII lower-case): the exact key if present
// (it sorts last among its case variants, so it wins a normalisation collision), else the last
// variant in key order.
const Value* FindNormalized(const Message& m, std::string_view key) {
  if (const Value* v = m.Find(key)) return v;
  const Value* found = nullptr;
  for (const auto& [k, v] : m) {
    if (k.size() != key.size()) continue;
    Result<std::string> nk = NormalizeKey(k);
    if (nk.ok() && *nk == key) found = &v;
  }
  return found;
}

Result<HashpathAlg> AlgOf(const Message& base) {
  const Value* alg = FindNormalized(base, "hashpath-alg");
  if (alg == nullptr) return HashpathAlg::kSha256Chain;
  if (alg->is_binary()) {
    if (alg->binary() == "sha-256-chain") return HashpathAlg::kSha256Chain;
    if (alg->binary() == "accumulate-256") return HashpathAlg::kAccumulate256;
  }
  return Status::InvalidArgument("unknown hashpath-alg " + alg->DebugString() +
                                 " (expected sha-256-chain or accumulate-256)");
}

// Splits on '/' dropping empty segments (binary:split(_, <<"/">>, [global, trim_all])).
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// hb_path:term_to_path_parts for the value of a request's `path`; nullopt for "undefined"
// (an empty binary or an empty list).
Status AppendPathParts(const Value& v, std::vector<std::string>& out) {
  switch (v.kind()) {
    case Value::Kind::kBinary:
      for (std::string_view p : SplitPath(v.binary())) out.emplace_back(p);
      return Status::OK();
    case Value::Kind::kAtom:
      out.push_back(v.atom().name);
      return Status::OK();
    case Value::Kind::kInteger:
      out.push_back(std::to_string(v.integer()));
      return Status::OK();
    case Value::Kind::kList:
      for (const Value& e : v.list()) AO_RETURN_IF_ERROR(AppendPathParts(e, out));
      return Status::OK();
    default:
      return Status::InvalidArgument("a path cannot hold a " + std::string(KindName(v.kind())));
  }
}

Result<std::optional<std::vector<std::string>>> RequestPathParts(const Message& request) {
  const Value* path = request.Find("path");
  if (path == nullptr) path = request.Find("Path");
  if (path == nullptr) return std::optional<std::vector<std::string>>();
  if ((path->is_binary() && path->binary().empty()) || (path->is_list() && path->list().empty())) {
    return std::optional<std::vector<std::string>>();
  }
  std::vector<std::string> parts;
  AO_RETURN_IF_ERROR(AppendPathParts(*path, parts));
  return std::optional<std::vector<std::string>>(std::move(parts));
}

// hb_util:native_id for the first HashPath segment; the chain needs exactly 32 bytes.
Result<Bytes> NativeBase(std::string_view part) {
  Bytes native;
  if (part.size() == 43) {
    AO_ASSIGN_OR_RETURN(native, Base64UrlDecode(part));
  } else {
    native.assign(part);
  }
  if (native.size() != 32) {
    return Status::InvalidArgument("hashpath base \"" + std::string(part) +
                                   "\" is not a 32-byte ID");
  }
  return native;
}

// (a + b) mod 2^256, both 32-byte big-endian.
Bytes Add256(std::string_view a, std::string_view b) {
  Bytes out(32, '\0');
  unsigned carry = 0;
  for (int i = 31; i >= 0; --i) {
    unsigned sum = static_cast<unsigned char>(a[i]) + static_cast<unsigned char>(b[i]) + carry;
    out[i] = static_cast<char>(sum & 0xFF);
    carry = sum >> 8;
  }
  return out;
}

Result<std::string> Combine(const std::string& hashpath, std::string_view ref, HashpathAlg alg) {
  std::vector<std::string_view> parts = SplitPath(hashpath);
  if (parts.size() == 1) {
    std::string out;
    out.reserve(hashpath.size() + 1 + ref.size());
    out += hashpath;
    out += '/';
    out.append(ref);
    return out;
  }
  if (parts.size() != 2) {
    return Status::InvalidArgument("hashpath \"" + hashpath + "\" does not have 1 or 2 parts");
  }
  AO_ASSIGN_OR_RETURN(Bytes a, NativeBase(parts[0]));
  Bytes chained = a;
  if (parts[1].size() == 43) {
    AO_ASSIGN_OR_RETURN(Bytes b, Base64UrlDecode(parts[1]));
    chained += b;
  } else {
    chained.append(parts[1]);
  }
  Bytes digest = Sha256(chained);
  if (alg == HashpathAlg::kAccumulate256) digest = Add256(a, digest);
  std::string out = Base64UrlEncode(digest);
  out += '/';
  out.append(ref);
  return out;
}

}  // namespace

Result<std::string> HashpathOf(const Message& message) {
  const Value* priv = FindNormalized(message, "priv");
  if (priv != nullptr && priv->is_message()) {
    if (const Value* hp = priv->message().Find("hashpath")) {
      if (!hp->is_binary()) {
        return Status::InvalidArgument("priv.hashpath must be a binary, not a " +
                                       std::string(KindName(hp->kind())));
      }
      return hp->binary();
    }
  }
  return MessageId(message, IdMode::kAll);
}

Result<std::string> HashpathRef(const Message& request) {
  bool only_meta = true;
  for (const auto& [k, v] : request) {
    if (k != "path" && k != "hashpath" && k != "priv") {
      only_meta = false;
      break;
    }
  }
  if (only_meta) {
    AO_ASSIGN_OR_RETURN(auto parts, RequestPathParts(request));
    if (parts.has_value()) {
      if (parts->empty()) {
        return Status::InvalidArgument("the request's path has no segment to reference");
      }
      return std::move(parts->front());
    }
  }
  return MessageId(request, IdMode::kAll);
}

Result<std::string> NextHashpath(const Message& base, const Message& request) {
  AO_ASSIGN_OR_RETURN(std::string hashpath, HashpathOf(base));
  AO_ASSIGN_OR_RETURN(HashpathAlg alg, AlgOf(base));
  AO_ASSIGN_OR_RETURN(std::string ref, HashpathRef(request));
  return Combine(hashpath, ref, alg);
}

Result<Message> SetHashpath(Message result, std::string hashpath) {
  const Value* priv = result.Find("priv");
  Message new_priv;
  if (priv != nullptr) {
    if (!priv->is_message()) {
      return Status::InvalidArgument("cannot set the hashpath: priv is a " +
                                     std::string(KindName(priv->kind())) + ", not a message");
    }
    new_priv = priv->message();
  }
  new_priv.Set("hashpath", Value(std::move(hashpath)));
  result.Set("priv", Value(std::move(new_priv)));
  return result;
}

Result<bool> VerifyHashpath(const std::vector<Message>& chain) {
  if (chain.size() < 3) {
    return Status::InvalidArgument("verifying a hashpath needs at least 3 messages");
  }
  for (size_t i = 0; i + 2 < chain.size(); ++i) {
    AO_ASSIGN_OR_RETURN(std::string expected, NextHashpath(chain[i], chain[i + 1]));
    AO_ASSIGN_OR_RETURN(std::string actual, HashpathOf(chain[i + 2]));
    if (expected != actual) return false;
  }
  return true;
}

}  // namespace ao
