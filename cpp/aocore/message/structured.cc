#include "aocore/message/structured.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "aocore/message/key.h"
#include "aocore/message/structured_fields.h"

namespace ao {
namespace {

constexpr std::string_view kAoTypes = "ao-types";

// One entry of a message after key normalisation: the normalised key and the original value.
struct Entry {
  std::string key;
  const Value* value;
};

// True when NormalizeKey(key) == key without computing it: ID-shaped, or ASCII without A-Z.
bool IsNormalKey(std::string_view key) {
  if (IsIdShaped(key)) return true;
  for (char c : key) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (u >= 'A' && u <= 'Z')) return false;
  }
  return true;
}

// hb_ao:normalize_keys as a sorted entry list: when keys collapse, the value of the original key
// that sorts last wins.
Status NormalizedEntries(const Message& message, std::vector<Entry>& out) {
  out.reserve(message.size());
  bool changed = false;
  for (const auto& [k, v] : message) {
    if (IsNormalKey(k)) {
      out.push_back({k, &v});
      continue;
    }
    AO_ASSIGN_OR_RETURN(std::string nk, NormalizeKey(k));
    changed = true;
    out.push_back({std::move(nk), &v});
  }
  if (!changed) return Status::OK();
  // Stable, so entries with equal normalised keys stay in original-key order; keep the last one.
  std::stable_sort(out.begin(), out.end(),
                   [](const Entry& a, const Entry& b) { return a.key < b.key; });
  size_t w = 0;
  for (size_t r = 0; r < out.size(); ++r) {
    if (r + 1 < out.size() && out[r + 1].key == out[r].key) continue;
    if (w != r) out[w] = std::move(out[r]);
    ++w;
  }
  out.resize(w);
  return Status::OK();
}

Status KeyError(std::string_view key, const Status& st) {
  std::string ctx = "key \"";
  ctx.append(key);
  ctx += '"';
  return st.WithContext(ctx);
}

// atom_to_binary(A, latin1): atom names are UTF-8 here; code points above U+00FF crash the
// reference.
Result<std::string> AtomBytes(const std::string& name) {
  bool ascii = std::all_of(name.begin(), name.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return name;
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < name.size() &&
               (static_cast<unsigned char>(name[i + 1]) & 0xC0) == 0x80) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(name[i + 1]) & 0x3F));
      ++i;
    } else {
      return Status::InvalidArgument("atom name is not Latin-1 text: " + name);
    }
  }
  return out;
}

// A message the reference encodes as `empty-message`: no entries, or only the literal key `priv`.
bool IsEmptyMessage(const Message& m) {
  return m.empty() || (m.size() == 1 && m.begin()->first == "priv");
}

bool StartsListAsMessage(const Value::List& list) {
  return !list.empty() && (list.front().is_message() || list.front().is_list());
}

Status AppendListText(const Value::List& list, std::string& out);

// Appends one list-text element; scalars become "(ao-type-T) E".
Status AppendListElement(const Value& v, std::string& out) {
  std::string inner;
  switch (v.kind()) {
    case Value::Kind::kBinary:
      AppendSfString(v.binary(), out);
      return Status::OK();
    case Value::Kind::kInteger:
      inner = "(ao-type-integer) " + std::to_string(v.integer());
      break;
    case Value::Kind::kFloat:
      inner = "(ao-type-float) " + FormatFloat(v.floating());
      break;
    case Value::Kind::kAtom: {
      AO_ASSIGN_OR_RETURN(std::string name, AtomBytes(v.atom().name));
      inner = "(ao-type-atom) ";
      AppendSfString(name, inner);
      break;
    }
    case Value::Kind::kList:
      inner = "(ao-type-list) ";
      AO_RETURN_IF_ERROR(AppendListText(v.list(), inner));
      break;
    case Value::Kind::kMessage:
      return Status::InvalidArgument(
          "a message inside a list that does not start with a message or a list cannot be "
          "encoded");
    case Value::Kind::kDevice:
      return Status::InvalidArgument("a device inside a list cannot be encoded");
  }
  AppendSfString(inner, out);
  return Status::OK();
}

Status AppendListText(const Value::List& list, std::string& out) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    Status st = AppendListElement(list[i], out);
    if (!st.ok()) return st.WithContext("list element " + std::to_string(i + 1));
  }
  return Status::OK();
}

Status EncodeEntries(const std::vector<Entry>& entries, Message& out);

Result<Message> EncodeMessage(const Message& m) {
  std::vector<Entry> entries;
  AO_RETURN_IF_ERROR(NormalizedEntries(m, entries));
  Message out;
  AO_RETURN_IF_ERROR(EncodeEntries(entries, out));
  return out;
}

// A list as the TABM of its numbered message.
Result<Message> EncodeListAsMessage(const Value::List& list) {
  std::vector<Entry> entries;
  entries.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) entries.push_back({std::to_string(i + 1), &list[i]});
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  Message out;
  AO_RETURN_IF_ERROR(EncodeEntries(entries, out));
  return out;
}

bool IsDroppedKey(std::string_view key) {
  return key == "unsigned_id" || key == "content-digest" || IsPrivateKey(key);
}

// REQUIRES: `entries` sorted by key, keys normalised and unique.
Status EncodeEntries(const std::vector<Entry>& entries, Message& out) {
  std::string types;
  auto add_type = [&types](std::string_view key, std::string_view type) {
    if (!types.empty()) types += ", ";
    types += EscapeTypeKey(key);
    types += "=\"";
    types += type;
    types += '"';
  };
  auto& fields = out.mutable_fields();
  for (const Entry& e : entries) {
    if (IsDroppedKey(e.key)) continue;
    const Value& v = *e.value;
    switch (v.kind()) {
      case Value::Kind::kBinary:
        if (v.binary().empty()) {
          add_type(e.key, "empty-binary");
        } else {
          fields.emplace_hint(fields.end(), e.key, v);
        }
        break;
      case Value::Kind::kInteger:
        fields.emplace_hint(fields.end(), e.key, Value(std::to_string(v.integer())));
        add_type(e.key, "integer");
        break;
      case Value::Kind::kFloat:
        fields.emplace_hint(fields.end(), e.key, Value(FormatFloat(v.floating())));
        add_type(e.key, "float");
        break;
      case Value::Kind::kAtom: {
        Result<std::string> name = AtomBytes(v.atom().name);
        if (!name.ok()) return KeyError(e.key, name.status());
        std::string text;
        text.reserve(name->size() + 2);
        AppendSfString(*name, text);
        fields.emplace_hint(fields.end(), e.key, Value(std::move(text)));
        add_type(e.key, "atom");
        break;
      }
      case Value::Kind::kList: {
        const Value::List& list = v.list();
        if (list.empty()) {
          add_type(e.key, "empty-list");
        } else if (StartsListAsMessage(list)) {
          Result<Message> sub = EncodeListAsMessage(list);
          if (!sub.ok()) return KeyError(e.key, sub.status());
          fields.emplace_hint(fields.end(), e.key, Value(std::move(sub).value()));
          add_type(e.key, "list");
        } else {
          std::string text;
          Status st = AppendListText(list, text);
          if (!st.ok()) return KeyError(e.key, st);
          fields.emplace_hint(fields.end(), e.key, Value(std::move(text)));
          add_type(e.key, "list");
        }
        break;
      }
      case Value::Kind::kMessage: {
        if (IsEmptyMessage(v.message())) {
          add_type(e.key, "empty-message");
          break;
        }
        Result<Message> sub = EncodeMessage(v.message());
        if (!sub.ok()) return KeyError(e.key, sub.status());
        fields.emplace_hint(fields.end(), e.key, Value(std::move(sub).value()));
        break;
      }
      case Value::Kind::kDevice:
        fields.emplace_hint(fields.end(), e.key, Value(kDeviceText));
        break;
    }
  }
  // The generated field replaces a user-supplied `ao-types`.
  if (!types.empty()) out.Set(std::string(kAoTypes), Value(std::move(types)));
  return Status::OK();
}

}  // namespace

std::string FormatFloat(double v) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.20e", v);
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

std::string EscapeTypeKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    unsigned char u = static_cast<unsigned char>(c);
    bool keep = (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '.' || u == '-' ||
                u == '_' || u == '/' || u == '?' || u == '&' || u == '+';
    if (keep) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
    }
  }
  return out;
}

Result<std::string> EncodeListText(const Value::List& list) {
  std::string out;
  AO_RETURN_IF_ERROR(AppendListText(list, out));
  return out;
}

Result<Message> MessageToTabm(const Message& message) { return EncodeMessage(message); }

Result<Message> IdTabm(const Message& message) {
  std::vector<Entry> entries;
  AO_RETURN_IF_ERROR(NormalizedEntries(message, entries));
  // Step A: `commitments` is ignored; `signature-input` becomes `x-signature-input`, replacing
  // any existing one.
  bool rename = false;
  for (const Entry& e : entries) {
    if (e.key == "signature-input") rename = true;
  }
  std::erase_if(entries, [rename](const Entry& e) {
    return e.key == "commitments" || (rename && e.key == "x-signature-input");
  });
  if (rename) {
    for (Entry& e : entries) {
      if (e.key == "signature-input") e.key = "x-signature-input";
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.key < b.key; });
  }
  Message out;
  AO_RETURN_IF_ERROR(EncodeEntries(entries, out));
  return out;
}

}  // namespace ao
