#include "aocore/message/structured_fields.h"

namespace ao {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<std::vector<SfDictionaryMember>> Dictionary() {
    std::vector<SfDictionaryMember> out;
    SkipSp();
    if (AtEnd()) return Error("empty dictionary");
    for (;;) {
      SfDictionaryMember member;
      AO_ASSIGN_OR_RETURN(member.name, Key());
      if (Peek() == '=') {
        ++pos_;
        size_t start = pos_;
        if (Peek() == '(') {
          member.inner_list = true;
          AO_RETURN_IF_ERROR(InnerList(member.items));
        } else {
          AO_ASSIGN_OR_RETURN(BareItem item, Item());
          if (item.is_bytes) member.bytes = std::move(item.text);
        }
        AO_RETURN_IF_ERROR(Params(&member.params));
        member.raw = std::string(s_.substr(start, pos_ - start));
      } else {
        AO_RETURN_IF_ERROR(Params(&member.params));  // boolean true member
      }
      out.push_back(std::move(member));
      SkipOws();
      if (AtEnd()) return out;
      if (Peek() != ',') return Error("expected ',' between members");
      ++pos_;
      SkipOws();
      if (AtEnd()) return Error("trailing ','");
    }
  }

 private:
  struct BareItem {
    std::string text;
    bool is_bytes = false;
  };

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  void SkipSp() {
    while (!AtEnd() && s_[pos_] == ' ') ++pos_;
  }
  void SkipOws() {
    while (!AtEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("structured field: " + std::string(what) + " at offset " +
                                   std::to_string(pos_));
  }
  static bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsAlpha(char c) { return IsLcAlpha(c) || (c >= 'A' && c <= 'Z'); }
  static bool IsTchar(char c) {
    return IsAlpha(c) || IsDigit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  }

  Result<std::string> Key() {
    if (!(IsLcAlpha(Peek()) || Peek() == '*')) return Error("expected a key");
    size_t start = pos_;
    while (!AtEnd()) {
      char c = s_[pos_];
      if (!(IsLcAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '.' || c == '*')) break;
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<BareItem> Item() {
    BareItem item;
    char c = Peek();
    if (c == '"') {
      ++pos_;
      for (;;) {
        if (AtEnd()) return Error("unterminated string");
        char ch = s_[pos_++];
        if (ch == '"') break;
        if (ch == '\\') {
          if (AtEnd()) return Error("unterminated escape");
          char esc = s_[pos_++];
          if (esc != '"' && esc != '\\') return Error("bad escape in string");
          item.text += esc;
        } else {
          item.text += ch;
        }
      }
    } else if (c == ':') {
      ++pos_;
      size_t end = s_.find(':', pos_);
      if (end == std::string_view::npos) return Error("unterminated byte sequence");
      auto decoded = Base64Decode(s_.substr(pos_, end - pos_));
      if (!decoded.ok()) return Error("byte sequence is not base64");
      item.text = std::move(decoded).value();
      item.is_bytes = true;
      pos_ = end + 1;
    } else if (c == '-' || IsDigit(c)) {
      size_t start = pos_;
      if (c == '-') ++pos_;
      size_t digits = 0;
      while (IsDigit(Peek())) {
        ++pos_;
        ++digits;
      }
      if (digits == 0 || digits > 15) return Error("bad integer");
      if (Peek() == '.') return Error("decimals are not supported");
      item.text = std::string(s_.substr(start, pos_ - start));
    } else if (c == '?') {
      ++pos_;
      if (Peek() != '0' && Peek() != '1') return Error("bad boolean");
      item.text = std::string(1, s_[pos_++]);
    } else if (IsAlpha(c) || c == '*') {
      size_t start = pos_;
      while (!AtEnd() && (IsTchar(s_[pos_]) || s_[pos_] == ':' || s_[pos_] == '/')) ++pos_;
      item.text = std::string(s_.substr(start, pos_ - start));
    } else {
      return Error("expected an item");
    }
    return item;
  }

  Status InnerList(std::vector<std::string>& items) {
    ++pos_;  // '('
    for (;;) {
      SkipSp();
      if (AtEnd()) return Error("unterminated inner list");
      if (Peek() == ')') {
        ++pos_;
        return Status::OK();
      }
      AO_ASSIGN_OR_RETURN(BareItem item, Item());
      if (item.is_bytes) return Error("byte sequence in a component list");
      items.push_back(std::move(item.text));
      AO_RETURN_IF_ERROR(Params(nullptr));
      if (Peek() != ' ' && Peek() != ')') return Error("expected ' ' or ')' in inner list");
    }
  }

  Status Params(std::map<std::string, std::string>* out) {
    while (Peek() == ';') {
      ++pos_;
      SkipSp();
      AO_ASSIGN_OR_RETURN(std::string name, Key());
      std::string value = "1";  // a bare parameter is boolean true
      if (Peek() == '=') {
        ++pos_;
        AO_ASSIGN_OR_RETURN(BareItem item, Item());
        value = std::move(item.text);
      }
      if (out != nullptr) (*out)[name] = std::move(value);
    }
    return Status::OK();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<SfDictionaryMember>> ParseSfDictionary(std::string_view text) { return Parser(text).Dictionary(); }

const SfDictionaryMember* FindSfMember(const std::vector<SfDictionaryMember>& members, std::string_view name) {
  for (const SfDictionaryMember& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

void AppendSfString(std::string_view s, std::string& out) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace ao
