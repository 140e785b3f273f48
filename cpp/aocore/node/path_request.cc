#include "aocore/node/path_request.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <optional>

#include "aocore/common/bytes.h"
#include "aocore/message/key.h"
#include "aocore/node/node.h"
#include "aocore/scheduler/peer_schedules.h"

namespace ao {
namespace {

// Splits on `sep` outside double quotes and parentheses (hb_util:split_depth_string_aware).
std::vector<std::string> SplitAware(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  int depth = 0;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '(') ++depth;
    if (!quoted && c == ')' && depth > 0) --depth;
    if (c == sep && !quoted && depth == 0) {
      out.push_back(std::move(current));
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  out.push_back(std::move(current));
  return out;
}

// The first position of any of `seps` outside quotes, or npos.
size_t FindAware(std::string_view text, std::string_view seps) {
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    if (!quoted && seps.find(text[i]) != std::string_view::npos) return i;
  }
  return std::string_view::npos;
}

// hb_util:unquote: surrounding double quotes removed.
std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

bool IsSubpath(std::string_view v) { return v.size() >= 2 && v.front() == '(' && v.back() == ')'; }

Result<int64_t> ParseInteger(std::string_view text) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return Status::InvalidArgument("not an integer: '" + std::string(text) + "'");
  }
  return out;
}

// A value with its structured type applied (dev_codec_structured:decode_value for the scalar
// types).
Result<Value> TypedValue(std::string_view type, std::string_view raw) {
  std::string t = NormalizeKey(type).value_or(std::string(type));
  if (t == "integer" || t == "int") {
    AO_ASSIGN_OR_RETURN(int64_t i, ParseInteger(raw));
    return Value(i);
  }
  if (t == "float") {
    std::string s(raw);
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE) {
      return Status::InvalidArgument("not a float: '" + s + "'");
    }
    return Value(d);
  }
  if (t == "atom") return Value::Symbol(raw);
  if (t == "binary") return Value(Bytes(raw));
  return Status::InvalidArgument("unsupported key type '+" + std::string(type) + "'");
}

// "2.key": a key scoped to the N-th message of a path (hb_singleton), not supported here.
bool IsNScoped(std::string_view name) {
  size_t dot = name.find('.');
  return dot != std::string_view::npos && dot > 0 &&
         name.substr(0, dot).find_first_not_of("0123456789") == std::string_view::npos;
}

// Applies a "+type" suffix of `key` (also " type": some encoders turn '+' into a space) to
// `value`, and sets the normalised key in `out`.
Status SetTyped(std::string_view key, std::optional<std::string> value, Message& out) {
  size_t plus = key.find_first_of("+ ");
  std::string_view name = key.substr(0, plus);
  if (name.empty()) return Status::InvalidArgument("empty key in path request");
  if (IsNScoped(name)) return Status::InvalidArgument("N-scoped keys ('" + std::string(name) + "') are not supported");
  AO_ASSIGN_OR_RETURN(std::string normal, NormalizeKey(name));
  Value v;
  if (!value) {
    v = Value(true);
  } else {
    std::string unquoted = Unquote(*value);
    if (IsSubpath(unquoted)) {
      return Status::InvalidArgument("subpath resolutions ('" + unquoted + "') are not supported");
    }
    if (plus == std::string_view::npos) {
      v = Value(Bytes(unquoted));
    } else {
      std::string_view type = key.substr(plus + 1);
      if (type == "resolve") return Status::InvalidArgument("'+resolve' keys are not supported");
      Result<Value> typed = TypedValue(type, unquoted);
      if (!typed.ok()) return typed.status().WithContext("key '" + std::string(name) + "'");
      v = std::move(typed).value();
    }
  }
  out.Set(std::move(normal), std::move(v));
  return Status::OK();
}

// Inline keys "k1=v1&k2&k3+integer=3" into `msg`.
Status AddInlined(std::string_view text, Message& msg) {
  for (const std::string& pair : SplitAware(text, '&')) {
    if (pair.empty()) continue;
    size_t eq = FindAware(pair, "=");
    if (eq == std::string_view::npos) {
      AO_RETURN_IF_ERROR(SetTyped(pair, std::nullopt, msg));
    } else {
      AO_RETURN_IF_ERROR(SetTyped(std::string_view(pair).substr(0, eq), pair.substr(eq + 1), msg));
    }
  }
  return Status::OK();
}

// One parsed segment (hb_singleton parse_part).
struct Part {
  bool is_id = false;
  std::string id;
  std::optional<std::string> device;  // set: {as, device, msg}
  Message msg;                        // {path: key, inline keys...}
};

Result<Part> ParsePart(const std::string& segment) {
  Part part;
  if (segment.size() == 43 && IsHumanId(segment)) {
    part.is_id = true;
    part.id = segment;
    return part;
  }
  if (IsSubpath(segment)) {
    return Status::InvalidArgument("subpath resolutions ('" + segment + "') are not supported");
  }
  size_t sep = FindAware(segment, "&~+ =");
  std::string key = segment.substr(0, sep);
  if (IsNScoped(key)) return Status::InvalidArgument("N-scoped keys ('" + key + "') are not supported");
  if (!key.empty()) part.msg.Set("path", Value(Bytes(key)));
  if (sep == std::string::npos) return part;
  std::string_view rest = std::string_view(segment).substr(sep);
  switch (rest[0]) {
    case '~': {
      std::string_view mods = rest.substr(1);
      size_t amp = FindAware(mods, "&");
      std::string device(mods.substr(0, amp));
      if (device.empty()) return Status::InvalidArgument("empty device in segment '" + segment + "'");
      if (IsSubpath(device)) return Status::InvalidArgument("subpath devices are not supported");
      part.device = std::move(device);
      if (amp != std::string_view::npos) AO_RETURN_IF_ERROR(AddInlined(mods.substr(amp + 1), part.msg));
      return part;
    }
    case '&':
      AO_RETURN_IF_ERROR(AddInlined(rest.substr(1), part.msg));
      return part;
    case '=':
    case '+':
    case ' ':
      // "key=v" / "key+type=v": the key names itself (the reference's assumed key).
      if (key.empty()) return Status::InvalidArgument("malformed segment '" + segment + "'");
      AO_RETURN_IF_ERROR(AddInlined(key + std::string(rest), part.msg));
      return part;
  }
  return part;
}

bool IsDigits(const Value* v) {
  if (v == nullptr || !v->is_binary() || v->binary().empty()) return false;
  const Bytes& b = v->binary();
  size_t start = (b[0] == '-') ? 1 : 0;
  if (start == b.size()) return false;
  return b.find_first_not_of("0123456789", start) == std::string::npos;
}

// Global keys under the step's own keys.
Message Merge(const Message& global, const Message& own) {
  Message out = global;
  for (const auto& [k, v] : own) out.Set(k, v);
  return out;
}

}  // namespace

Result<Message> ParseQuery(std::string_view query) {
  Message out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      // Keys keep '+' (the type marker); values decode '+' as a space (form encoding).
      AO_ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq), false));
      if (eq == std::string_view::npos) {
        AO_RETURN_IF_ERROR(SetTyped(key, std::nullopt, out));
      } else {
        AO_ASSIGN_OR_RETURN(std::string value, PercentDecode(pair.substr(eq + 1), true));
        AO_RETURN_IF_ERROR(SetTyped(key, std::move(value), out));
      }
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

Result<std::vector<ResolveStep>> ParsePathRequest(std::string_view raw, const Message& params,
                                                  const std::vector<PathArgument>& arguments) {
  size_t qmark = raw.find('?');
  std::string_view raw_path = raw.substr(0, qmark);
  Message global;
  for (const auto& [k, v] : params) {
    if (k == "path") continue;
    AO_ASSIGN_OR_RETURN(std::string nk, NormalizeKey(k));
    global.Set(std::move(nk), v);
  }
  if (qmark != std::string_view::npos) {
    AO_ASSIGN_OR_RETURN(Message query, ParseQuery(raw.substr(qmark + 1)));
    for (const auto& [k, v] : query) global.Set(k, v);
  }
  AO_ASSIGN_OR_RETURN(std::string path, PercentDecode(raw_path, false));

  std::vector<Part> parts;
  for (std::string& segment : SplitAware(path, '/')) {
    if (segment.empty()) continue;
    if (segment.size() > kMaxSegmentLength) {
      return Status::InvalidArgument("path segment longer than " + std::to_string(kMaxSegmentLength) + " bytes");
    }
    AO_ASSIGN_OR_RETURN(Part part, ParsePart(segment));
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return Status::InvalidArgument("path request '" + std::string(raw) + "' names nothing");

  // Path arguments: <key>/<integer> -> key with <argument> = <integer>.
  for (size_t i = 0; i + 1 < parts.size() && !arguments.empty(); ++i) {
    Part& p = parts[i];
    Part& next = parts[i + 1];
    const Bytes* key = p.msg.FindBinary("path");
    if (p.is_id || p.device || key == nullptr) continue;
    auto argument = std::find_if(arguments.begin(), arguments.end(),
                                 [&](const PathArgument& a) { return a.key == *key; });
    if (argument == arguments.end()) continue;
    if (next.is_id || next.device || next.msg.size() != 1 || !IsDigits(next.msg.Find("path"))) continue;
    AO_ASSIGN_OR_RETURN(int64_t value, ParseInteger(next.msg.FindBinary("path")->c_str()));
    p.msg.Set(argument->argument, Value(value));
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i + 1));
  }

  std::vector<ResolveStep> steps;
  // hb_singleton normalize_base: an ID or an as-form starts the sequence; otherwise {}.
  if (!parts.front().is_id && !parts.front().device) steps.push_back(ResolveStep::Of(Value(global)));
  for (Part& p : parts) {
    if (p.is_id) {
      steps.push_back(ResolveStep::Of(Value(Bytes(p.id))));
    } else if (p.device) {
      // An as-form without a path only swaps the device (global keys merged, no path);
      // with a path the step is subresolved with the device swapped.
      // The reference does not merge global keys into an as-form that names a stored message.
      const Bytes* key = p.msg.FindBinary("path");
      Message msg = (key != nullptr && IsIdShaped(*key)) ? p.msg : Merge(global, p.msg);
      steps.push_back(ResolveStep::As(Value(Bytes(*p.device)), Value(std::move(msg))));
    } else {
      steps.push_back(ResolveStep::Of(Value(Merge(global, p.msg))));
    }
  }
  return steps;
}

Result<ResolveResult> ResolvePath(Node& node, std::string_view path, const Message& params,
                                  const ResolveOptions& opts) {
  AO_ASSIGN_OR_RETURN(std::vector<ResolveStep> steps, ParsePathRequest(path, params, node.path_arguments()));
  ResolveStep& first = steps.front();
  if (first.kind == ResolveStep::Kind::kValue && first.value.is_binary()) {
    const std::string id = first.value.binary();
    // A request another node sent (PeerSchedules' forwarded-by) is answered from this node's
    // store only: asking this node's own peers in turn could loop between nodes.
    const size_t query = path.find('?');
    const bool forwarded = params.Contains(kForwardedByKey) ||
                           (query != std::string_view::npos &&
                            path.find(std::string(kForwardedByKey) + "=", query) != std::string_view::npos);
    Result<Value> loaded = node.Read(id, !forwarded);
    if (!loaded.ok()) {
      if (loaded.status().IsNotFound()) return Status::NotFound("no stored message or process with ID " + id);
      return loaded.status();
    }
    first.value = std::move(loaded).value();
    if (steps.size() == 1) return ResolveResult::Ok(first.value);
  }
  return node.ResolveMany(steps, opts);
}

}  // namespace ao
