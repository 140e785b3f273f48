#include "aocore/message/httpsig.h"

#include <algorithm>
#include <utility>

#include "aocore/crypto/hash.h"
#include "aocore/message/key.h"
#include "aocore/message/structured.h"
#include "aocore/message/structured_fields.h"

namespace ao {
namespace {

// Binaries longer than this leave the headers for the body (dev_codec_httpsig_conv).
constexpr size_t kMaxHeaderValue = 4096;
constexpr std::string_view kCrlf = "\r\n";

// A value of the body map: a nested TABM message or a binary.
struct Node {
  const Message* map = nullptr;
  std::string_view bin;
};

Result<Node> ToNode(std::string_view key, const Value& v) {
  if (v.is_message()) return Node{&v.message(), {}};
  if (v.is_binary()) return Node{nullptr, v.binary()};
  return Status::InvalidArgument("key \"" + std::string(key) + "\": a TABM holds only binaries and "
                                 "messages, not a " + std::string(KindName(v.kind())));
}

// One entry of the part table P: a binary part, or the small binaries of one nested message.
struct Part {
  bool is_map = false;
  std::string_view bin;
  std::vector<std::pair<std::string_view, std::string_view>> local;
};
using Parts = std::map<std::string, Part>;
using Local = std::vector<std::pair<std::string_view, std::string_view>>;

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out;
  out.reserve(path.size() + 1 + key.size());
  out.append(path);
  out += '/';
  out.append(key);
  return out;
}

Status VisitMessage(const Message& m, const std::string& path, Parts& parts);

// group_maps: nested messages recurse, large binaries become parts of their own, small binaries
// stay with their message.
Status VisitEntry(std::string_view key, const Node& node, const std::string& path, Local& local,
                  Parts& parts) {
  if (node.map != nullptr) return VisitMessage(*node.map, JoinPath(path, key), parts);
  if (node.bin.size() > kMaxHeaderValue) {
    Part& p = parts[JoinPath(path, key)];
    p = Part{false, node.bin, {}};
  } else {
    local.emplace_back(key, node.bin);
  }
  return Status::OK();
}

void FinishLocal(Local& local, const std::string& path, Parts& parts) {
  if (local.empty()) return;
  if (path.empty()) {
    for (const auto& [k, bin] : local) parts[std::string(k)] = Part{false, bin, {}};
  } else {
    parts[path] = Part{true, {}, std::move(local)};
  }
}

Status VisitMessage(const Message& m, const std::string& path, Parts& parts) {
  Local local;
  for (const auto& [k, v] : m) {
    AO_ASSIGN_OR_RETURN(Node node, ToNode(k, v));
    AO_RETURN_IF_ERROR(VisitEntry(k, node, path, local, parts));
  }
  FinishLocal(local, path, parts);
  return Status::OK();
}

void AppendDisposition(std::string_view name, bool is_inline, std::string& out) {
  if (is_inline) {
    out += "inline";
  } else {
    out += "form-data;name=\"";
    out.append(name);
    out += '"';
  }
}

std::string BuildPart(const std::string& name, const Part& part, bool is_inline) {
  std::string out;
  if (!part.is_map) {
    out.reserve(part.bin.size() + name.size() + 40);
    out += "content-disposition: ";
    AppendDisposition(name, is_inline, out);
    out += kCrlf;
    out += kCrlf;
    out.append(part.bin);
    return out;
  }
  if (part.local.size() == 1 && part.local.front().first == "body") {
    out += "content-disposition: form-data;name=\"";
    out += name;
    out += "/body\"";
    out += kCrlf;
    out += kCrlf;
    out.append(part.local.front().second);
    return out;
  }
  std::string disposition;
  AppendDisposition(name, is_inline, disposition);
  std::vector<std::pair<std::string_view, std::string_view>> lines;
  lines.reserve(part.local.size() + 1);
  std::string_view body;
  bool has_body = false;
  for (const auto& kv : part.local) {
    if (kv.first == "body") {
      body = kv.second;
      has_body = true;
    } else {
      lines.push_back(kv);
    }
  }
  lines.emplace_back("content-disposition", disposition);
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += kCrlf;
    out.append(lines[i].first);
    out += ": ";
    out.append(lines[i].second);
  }
  if (has_body) {
    out += kCrlf;
    out += kCrlf;
    out.append(body);
  }
  return out;
}

bool IsDerivedComponent(std::string_view n) {
  return n == "method" || n == "target-uri" || n == "authority" || n == "scheme" ||
         n == "request-target" || n == "path" || n == "query" || n == "query-param" ||
         n == "status";
}

std::string Identifier(std::string_view field) {
  if (!field.empty() && field.front() == '@') field.remove_prefix(1);
  if (IsDerivedComponent(field)) {
    std::string out;
    out.reserve(field.size() + 1);
    out += '@';
    out.append(field);
    return out;
  }
  return std::string(field);
}

// The field a component identifier reads: F[NK(identifier without its leading @)].
// Returns nullptr when F has no such field; `name` is set to the name the line writes.
const Bytes* ComponentValue(const std::map<std::string, Bytes>& fields,
                            std::string_view identifier, std::string& name) {
  if (!identifier.empty() && identifier.front() == '@') identifier.remove_prefix(1);
  name.assign(identifier);
  auto it = fields.find(name);
  if (it != fields.end()) return &it->second;
  Result<std::string> nk = NormalizeKey(identifier);
  if (!nk.ok()) return nullptr;
  name = std::move(nk).value();
  it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

// Leading/trailing spaces (0x20 only) trimmed, then each LF written as a space.
void AppendComponentValue(std::string_view v, std::string& out) {
  size_t b = 0;
  size_t e = v.size();
  while (b < e && v[b] == ' ') ++b;
  while (e > b && v[e - 1] == ' ') --e;
  for (size_t i = b; i < e; ++i) out += v[i] == '\n' ? ' ' : v[i];
}

}  // namespace

Result<HttpsigEncoding> TabmToHttpsig(const Message& tabm) {
  HttpsigEncoding enc;
  auto& fields = enc.fields;

  // C1: top-level ID-shaped keys holding binaries are grouped into `ao-ids`.
  std::string ao_ids;
  for (const auto& [k, v] : tabm) {
    if (!IsIdShaped(k) || !v.is_binary()) continue;
    if (!ao_ids.empty()) ao_ids += ", ";
    ao_ids += k;
    ao_ids += '=';
    AppendSfString(v.binary(), ao_ids);
  }

  // C3: the inline body key.
  std::string_view ik = "body";
  bool ik_valid = true;
  if (const Value* ibk = tabm.Find("inline-body-key")) {
    if (ibk->is_binary()) {
      ik = ibk->binary();
    } else {
      ik_valid = false;
    }
  } else if (!tabm.Contains("body") && tabm.Contains("data")) {
    ik = "data";
    fields.emplace("inline-body-key", "data");
  }

  // C2 + C4: headers vs. the body map.
  std::vector<std::pair<std::string_view, Node>> body_map;
  auto route = [&](std::string_view k, const Node& node) {
    if (k == "body" || (ik_valid && k == ik) || node.map != nullptr ||
        node.bin.size() > kMaxHeaderValue) {
      body_map.emplace_back(k, node);
    } else {
      fields.emplace_hint(fields.end(), std::string(k), Bytes(node.bin));
    }
  };
  for (const auto& [k, v] : tabm) {
    if (k == "commitments" || k == "signature" || k == "signature-input" || k == "priv" ||
        k == "body-keys") {
      continue;
    }
    if (IsIdShaped(k) && v.is_binary()) continue;
    if (k == "ao-ids" && !ao_ids.empty()) continue;
    AO_ASSIGN_OR_RETURN(Node node, ToNode(k, v));
    route(k, node);
  }
  if (!ao_ids.empty()) {
    route("ao-ids", Node{nullptr, ao_ids});
    std::sort(body_map.begin(), body_map.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  // C5: flatten the body map into the part table.
  Parts parts;
  {
    Local local;
    const std::string root;
    for (const auto& [k, node] : body_map) {
      AO_RETURN_IF_ERROR(VisitEntry(k, node, root, local, parts));
    }
    FinishLocal(local, root, parts);
  }

  // C6: the body.
  if (parts.empty()) {
    if (!body_map.empty()) {
      // The reference hashes the leftover empty map and crashes (badarg).
      return Status::InvalidArgument(
          "key \"" + std::string(body_map.front().first) +
          "\": a nested message that encodes to nothing (only private or regenerated keys) "
          "with no other body part cannot be encoded");
    }
  } else if (parts.size() == 1 && ik_valid && parts.begin()->first == ik &&
             !parts.begin()->second.is_map) {
    enc.body.emplace(parts.begin()->second.bin);
  } else {
    std::vector<std::string> built;
    built.reserve(parts.size());
    size_t total = 0;
    for (const auto& [name, part] : parts) {
      built.push_back(BuildPart(name, part, ik_valid && name == ik));
      total += built.back().size() + 2;
    }
    std::string joined;
    joined.reserve(total);
    for (size_t i = 0; i < built.size(); ++i) {
      if (i > 0) joined += kCrlf;
      joined += built[i];
    }
    const std::string boundary = Base64UrlEncode(Sha256(joined));
    joined = std::string();
    Bytes body;
    body.reserve(total + built.size() * (boundary.size() + 4) + boundary.size() + 4);
    for (const std::string& part : built) {
      body += "--";
      body += boundary;
      body += kCrlf;
      body += part;
      body += kCrlf;
    }
    body += "--";
    body += boundary;
    body += "--";
    fields.insert_or_assign("content-type",
                            "multipart/form-data; boundary=\"" + boundary + "\"");
    enc.body = std::move(body);
  }
  if (enc.body.has_value() && !enc.body->empty()) {
    fields.insert_or_assign("content-digest", "sha-256=:" + Base64Encode(Sha256(*enc.body)) + ":");
  }

  // Step E reads every component's field; `@name` keys need their `name` twin.
  std::string name;
  for (const auto& [k, v] : fields) {
    if (k.empty() || k.front() != '@') continue;
    if (ComponentValue(fields, Identifier(k), name) == nullptr) {
      return Status::InvalidArgument("key \"" + k +
                                     "\": a key starting with '@' needs its twin without the '@' "
                                     "to be signed (the reference crashes)");
    }
  }
  return enc;
}

Result<HttpsigEncoding> EncodeHttpsig(const Message& message) {
  AO_ASSIGN_OR_RETURN(Message tabm, IdTabm(message));
  return TabmToHttpsig(tabm);
}

std::vector<std::string> SignatureComponents(const HttpsigEncoding& encoding) {
  std::vector<std::string> out;
  out.reserve(encoding.fields.size());
  bool sorted = true;
  for (const auto& [k, v] : encoding.fields) {
    out.push_back(Identifier(k));
    if (out.size() > 1 && out.back() < out[out.size() - 2]) sorted = false;
  }
  if (!sorted) std::sort(out.begin(), out.end());
  return out;
}

std::string ComponentList(const std::vector<std::string>& components) {
  std::string out;
  size_t total = 2;
  for (const std::string& c : components) total += c.size() + 3;
  out.reserve(total);
  out += '(';
  for (size_t i = 0; i < components.size(); ++i) {
    if (i > 0) out += ' ';
    AppendSfString(Latin1Lower(components[i]), out);
  }
  out += ')';
  return out;
}

std::string HmacParamsLine(const std::vector<std::string>& components) {
  std::string out = ComponentList(components);
  out += ";alg=\"hmac-sha256\";keyid=\"ao\"";
  return out;
}

std::string SignatureBase(const HttpsigEncoding& encoding,
                          std::string_view signature_params_line) {
  return SignatureBase(encoding, SignatureComponents(encoding), signature_params_line);
}

std::string SignatureBase(const HttpsigEncoding& encoding,
                          const std::vector<std::string>& components,
                          std::string_view signature_params_line) {
  std::string base;
  size_t total = signature_params_line.size() + 24;
  for (const auto& [k, v] : encoding.fields) total += k.size() + v.size() + 6;
  base.reserve(total);
  if (components.empty()) base += '\n';
  std::string name;
  for (const std::string& id : components) {
    const Bytes* value = ComponentValue(encoding.fields, id, name);
    AppendSfString(name, base);
    base += ": ";
    if (value != nullptr) AppendComponentValue(*value, base);
    base += '\n';
  }
  base += "\"@signature-params\": ";
  base.append(signature_params_line);
  return base;
}

}  // namespace ao
