#include "aocore/message/key.h"

#include <clocale>
#include <cwctype>
#include <locale.h>

namespace ao {
namespace {

// Decodes one UTF-8 code point starting at s[i]; advances i. Returns -1 on invalid input
// (overlong forms, surrogates and values above U+10FFFF included).
int32_t DecodeUtf8(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  int len;
  int32_t cp;
  if (c < 0x80) { ++i; return c; }
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
  else return -1;
  if (i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    unsigned char cc = byte(i + k);
    if ((cc & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}

void EncodeUtf8(int32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

locale_t Utf8Locale() {
  // glibc >= 2.35 always provides C.UTF-8 with full Unicode case tables.
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

}  // namespace

Result<std::string> NormalizeKey(std::string_view key) {
  if (IsIdShaped(key)) return std::string(key);
  return LowercaseKey(key);
}

Result<std::string> LowercaseKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  bool ascii = true;
  for (char c : key) {
    if (static_cast<unsigned char>(c) >= 0x80) { ascii = false; break; }
  }
  if (ascii) {
    for (char c : key) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    return out;
  }
  locale_t loc = Utf8Locale();
  for (size_t i = 0; i < key.size();) {
    int32_t cp = DecodeUtf8(key, i);
    if (cp < 0) {
      return Status::InvalidArgument("key is not valid UTF-8: " + Value(Bytes(key)).DebugString());
    }
    if (cp == 0x130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE: full mapping is "i" + U+0307
      out += 'i';
      EncodeUtf8(0x307, out);
      continue;
    }
    int32_t lower = loc ? static_cast<int32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp;
    EncodeUtf8(lower, out);
  }
  return out;
}

Result<Message> NormalizeKeys(const Message& message) {
  Message out;
  // Iterating in sorted order of the original keys makes the last-sorting key win collisions.
  for (const auto& [k, v] : message) {
    AO_ASSIGN_OR_RETURN(std::string nk, NormalizeKey(k));
    out.Set(std::move(nk), v);
  }
  return out;
}

namespace {
Result<Value> NormalizeValueDeep(const Value& v) {
  if (v.is_message()) {
    AO_ASSIGN_OR_RETURN(Message m, NormalizeKeysDeep(v.message()));
    return Value(std::move(m));
  }
  if (v.is_list()) {
    Value::List out;
    out.reserve(v.list().size());
    for (const Value& e : v.list()) {
      AO_ASSIGN_OR_RETURN(Value ne, NormalizeValueDeep(e));
      out.push_back(std::move(ne));
    }
    return Value(std::move(out));
  }
  return v;
}
}  // namespace

Result<Message> NormalizeKeysDeep(const Message& message) {
  Message out;
  for (const auto& [k, v] : message) {
    AO_ASSIGN_OR_RETURN(std::string nk, NormalizeKey(k));
    Result<Value> nv = NormalizeValueDeep(v);
    if (!nv.ok()) return nv.status();
    out.Set(std::move(nk), std::move(nv).value());
  }
  return out;
}

bool IsPrivateKey(std::string_view key) {
  if (key.size() < 4) return false;
  if (IsIdShaped(key)) return key.substr(0, 4) == "priv";
  static constexpr char kPriv[] = "priv";
  for (int i = 0; i < 4; ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != kPriv[i]) return false;
  }
  return true;
}

Message ListToMessage(const Value::List& list) {
  Message out;
  for (size_t i = 0; i < list.size(); ++i) out.Set(std::to_string(i + 1), list[i]);
  return out;
}

bool KeyIsNormal(std::string_view key) {
  if (IsIdShaped(key)) return true;
  for (char c : key) {
    if ((c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

const Value* MessageFind(const Message& base, std::string_view key) {
  if (IsPrivateKey(key)) return nullptr;
  if (const Value* v = base.Find(key)) return v;
  std::string normalized;
  std::string_view nk = key;
  if (!KeyIsNormal(key)) {
    Result<std::string> n = NormalizeKey(key);
    if (!n.ok()) return nullptr;
    normalized = std::move(n).value();
    nk = normalized;
    if (const Value* v = base.Find(nk)) return v;
  }
  // Only base keys that are not already normal can still match case-insensitively.
  for (const auto& [k, v] : base) {
    if (KeyIsNormal(k)) continue;
    Result<std::string> nbk = NormalizeKey(k);
    if (nbk.ok() && *nbk == nk) return &v;
  }
  return nullptr;
}

std::optional<std::string> MessageText(const Message& base, std::string_view key) {
  const Value* v = MessageFind(base, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_binary()) return v->binary();
  if (v->is_integer()) return std::to_string(v->integer());
  return std::nullopt;
}

}  // namespace ao
