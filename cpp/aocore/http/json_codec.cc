#include "aocore/http/json_codec.h"

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "aocore/ao/device.h"
#include "aocore/common/bytes.h"

namespace ao {
namespace {

using Json = nlohmann::json;

// Deeper JSON is refused before parsing: nlohmann's parser recurses once per level, so a body
// of a million '[' would otherwise exhaust the stack.
constexpr int kMaxDepth = 256;

Json Tag(const char* tag, Json value) {
  Json out = Json::object();
  out[tag] = std::move(value);
  return out;
}

Json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kAtom: {
      const std::string& name = v.atom().name;
      if (name == "true") return Json(true);
      if (name == "false") return Json(false);
      if (name == "null") return Json(nullptr);
      return Tag("@atom", Json(name));
    }
    case Value::Kind::kInteger:
      return Json(v.integer());
    case Value::Kind::kFloat: {
      double d = v.floating();
      if (std::isnan(d)) return Tag("@float", "nan");
      if (std::isinf(d)) return Tag("@float", d > 0 ? "inf" : "-inf");
      return Json(d);
    }
    case Value::Kind::kBinary:
      if (IsValidUtf8(v.binary())) return Json(v.binary());
      return Tag("@binary", Json(Base64UrlEncode(v.binary())));
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const Value& e : v.list()) out.push_back(ToJson(e));
      return out;
    }
    case Value::Kind::kMessage: {
      Json out = Json::object();
      bool needs_wrap = false;
      for (const auto& [k, e] : v.message()) {
        if (!k.empty() && k[0] == '@') needs_wrap = true;
        out[k] = ToJson(e);
      }
      if (needs_wrap) return Tag("@message", std::move(out));
      return out;
    }
    case Value::Kind::kDevice:
      return Tag("@device", Json(v.device() ? std::string(v.device()->name()) : std::string()));
  }
  return Json(nullptr);
}

Result<Value> FromJson(const Json& j, const std::string& where);

Result<Value> ObjectToMessage(const Json& j, const std::string& where) {
  Message out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    AO_ASSIGN_OR_RETURN(Value v, FromJson(it.value(), where + "/" + it.key()));
    out.Set(it.key(), std::move(v));
  }
  return Value(std::move(out));
}

Status TagError(const std::string& where, const std::string& what) {
  return Status::InvalidArgument("JSON at '" + (where.empty() ? std::string("/") : where) + "': " + what);
}

Result<Value> FromJson(const Json& j, const std::string& where) {
  switch (j.type()) {
    case Json::value_t::null:
      return Value::Null();
    case Json::value_t::boolean:
      return Value(j.get<bool>());
    case Json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case Json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return TagError(where, "integer out of the 64-bit signed range");
      }
      return Value(static_cast<int64_t>(u));
    }
    case Json::value_t::number_float:
      return Value(j.get<double>());
    case Json::value_t::string:
      return Value(Bytes(j.get<std::string>()));
    case Json::value_t::array: {
      Value::List out;
      out.reserve(j.size());
      for (size_t i = 0; i < j.size(); ++i) {
        AO_ASSIGN_OR_RETURN(Value v, FromJson(j[i], where + "/" + std::to_string(i)));
        out.push_back(std::move(v));
      }
      return Value(std::move(out));
    }
    case Json::value_t::object: {
      if (j.size() == 1 && !j.begin().key().empty() && j.begin().key()[0] == '@') {
        const std::string& tag = j.begin().key();
        const Json& body = j.begin().value();
        if (tag == "@message") {
          if (!body.is_object()) return TagError(where, "@message takes an object");
          return ObjectToMessage(body, where);
        }
        if (tag == "@binary") {
          if (!body.is_string()) return TagError(where, "@binary takes a base64url string");
          Result<Bytes> bytes = Base64UrlDecode(body.get<std::string>());
          if (!bytes.ok()) return TagError(where, "@binary: " + bytes.status().message());
          return Value(std::move(bytes).value());
        }
        if (tag == "@atom") {
          if (!body.is_string()) return TagError(where, "@atom takes a string");
          return Value::Symbol(body.get<std::string>());
        }
        if (tag == "@float") {
          if (body.is_number()) return Value(body.get<double>());
          if (!body.is_string()) return TagError(where, "@float takes \"nan\", \"inf\", \"-inf\" or a number");
          const std::string s = body.get<std::string>();
          if (s == "nan") return Value(std::numeric_limits<double>::quiet_NaN());
          if (s == "inf") return Value(std::numeric_limits<double>::infinity());
          if (s == "-inf") return Value(-std::numeric_limits<double>::infinity());
          return TagError(where, "@float takes \"nan\", \"inf\", \"-inf\" or a number");
        }
        if (tag == "@device") return TagError(where, "a device cannot be sent as a value");
        return TagError(where, "unknown tag '" + tag + "' (wrap the message as {\"@message\": ...})");
      }
      return ObjectToMessage(j, where);
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return TagError(where, "unsupported JSON value");
}

// The nesting depth of a JSON text (brackets outside strings).
int NestingDepth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

std::string EncodeJson(const Value& value) {
  // Keys are UTF-8 after normalisation; `replace` keeps a stray invalid key from throwing.
  return ToJson(value).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Value> DecodeJson(std::string_view text) {
  if (NestingDepth(text) > kMaxDepth) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("malformed JSON");
  return FromJson(j, "");
}

Result<Message> DecodeJsonMessage(std::string_view text) {
  AO_ASSIGN_OR_RETURN(Value v, DecodeJson(text));
  if (!v.is_message()) return Status::InvalidArgument("the JSON body must be an object (a message)");
  return v.message();
}

}  // namespace ao
