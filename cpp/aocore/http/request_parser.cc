#include "aocore/http/request_parser.h"

#include <algorithm>
#include <charconv>

namespace ao {
namespace {

bool IsTchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated header value lists `token` (case-insensitive).
bool ListsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (Lower(TrimOws(value.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}


}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

bool HttpRequest::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == name; });
}

void RequestParser::Compact() {
  // Consumed bytes are dropped once they dominate the buffer (amortised O(n)).
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    head_scanned_ = head_scanned_ > pos_ ? head_scanned_ - pos_ : 0;
    pos_ = 0;
  }
}

RequestParser::State RequestParser::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  state_ = State::kError;
  return state_;
}

RequestParser::State RequestParser::Feed(std::string_view bytes) {
  if (state_ == State::kError) return state_;
  buf_.append(bytes);
  return Parse();
}

bool RequestParser::NextLine(std::string_view* line) {
  size_t lf = buf_.find('\n', pos_);
  if (lf == std::string::npos) return false;
  std::string_view l(buf_.data() + pos_, lf - pos_);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  *line = l;
  pos_ = lf + 1;
  return true;
}

RequestParser::State RequestParser::ParseHead() {
  // Empty lines before a request line are ignored (RFC 9112 §2.2).
  while (pos_ < buf_.size() && (buf_[pos_] == '\r' || buf_[pos_] == '\n')) ++pos_;
  // Only bytes not scanned before are searched (a client sending one byte at a time must not
  // make each read rescan the whole header section).
  const size_t from = std::max(pos_, head_scanned_ > 2 ? head_scanned_ - 2 : 0);
  size_t end = buf_.find("\n\r\n", from);
  size_t end_lf = buf_.find("\n\n", from);
  head_scanned_ = buf_.size();
  size_t head_end = std::min(end == std::string::npos ? end : end + 3, end_lf == std::string::npos ? end_lf : end_lf + 2);
  if (head_end == std::string::npos) {
    if (buf_.size() - pos_ > limits_.max_header_bytes) {
      return Fail(431, "request header section larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
    }
    return pos_ < buf_.size() ? State::kPartial : State::kIdle;
  }
  if (head_end - pos_ > limits_.max_header_bytes) {
    return Fail(431, "request header section larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  }

  std::string_view line;
  NextLine(&line);
  // request-line = method SP request-target SP HTTP-version
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), IsTchar)) return Fail(400, "malformed method");
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      })) {
    return Fail(400, "malformed request target");
  }
  if (version == "HTTP/1.1") {
    request_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request_.minor_version = 0;
  } else {
    return Fail(version.rfind("HTTP/", 0) == 0 ? 505 : 400, "unsupported HTTP version");
  }
  request_.method = std::string(method);
  request_.target = std::string(target);

  while (NextLine(&line) && !line.empty()) {
    if (request_.headers.size() >= limits_.max_headers) {
      return Fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
    }
    if (line.front() == ' ' || line.front() == '\t') return Fail(400, "obsolete header line folding");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Fail(400, "malformed header field");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTchar)) return Fail(400, "malformed header field name");
    std::string_view value = TrimOws(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) { return c == '\0' || c == '\r' || c == '\n'; })) {
      return Fail(400, "malformed header field value");
    }
    request_.headers.emplace_back(Lower(name), std::string(value));
  }
  std::string_view connection = request_.Header("connection");
  request_.keep_alive = request_.minor_version == 1 ? !ListsToken(connection, "close")
                                                    : ListsToken(connection, "keep-alive");
  request_.expect_continue = Lower(request_.Header("expect")) == "100-continue";
  return StartBody();
}

RequestParser::State RequestParser::StartBody() {
  bool has_length = false;
  bool has_coding = false;
  for (const auto& [name, value] : request_.headers) {
    if (name == "content-length") {
      size_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
        return Fail(ec == std::errc::result_out_of_range ? 413 : 400, "malformed Content-Length");
      }
      if (has_length && n != content_length_) return Fail(400, "conflicting Content-Length fields");
      has_length = true;
      content_length_ = n;
    } else if (name == "transfer-encoding") {
      if (has_coding || Lower(value) != "chunked") return Fail(501, "unsupported Transfer-Encoding '" + value + "'");
      has_coding = true;
    }
  }
  if (has_length && has_coding) return Fail(400, "both Content-Length and Transfer-Encoding");
  if (has_coding) {
    phase_ = Phase::kChunkSize;
  } else if (has_length && content_length_ > 0) {
    if (content_length_ > limits_.max_body_bytes) {
      return Fail(413, "body of " + std::to_string(content_length_) + " bytes exceeds max_body_bytes (" +
                           std::to_string(limits_.max_body_bytes) + ")");
    }
    phase_ = Phase::kBody;
  } else {
    phase_ = Phase::kDone;
  }
  return State::kPartial;
}

RequestParser::State RequestParser::Parse() {
  if (state_ == State::kError || state_ == State::kComplete) return state_;
  for (;;) {
    switch (phase_) {
      case Phase::kHead: {
        State s = ParseHead();
        if (s == State::kError) return s;
        if (phase_ == Phase::kHead) {
          Compact();
          return state_ = s;
        }
        break;
      }
      case Phase::kBody: {
        size_t take = std::min(content_length_ - request_.body.size(), buf_.size() - pos_);
        request_.body.append(buf_, pos_, take);
        pos_ += take;
        if (request_.body.size() < content_length_) {
          Compact();
          return state_ = State::kPartial;
        }
        phase_ = Phase::kDone;
        break;
      }
      case Phase::kChunkSize: {
        std::string_view line;
        if (!NextLine(&line)) {
          if (buf_.size() - pos_ > 1024) return Fail(400, "chunk size line too long");
          Compact();
          return state_ = State::kPartial;
        }
        std::string_view digits = line.substr(0, line.find(';'));
        digits = TrimOws(digits);
        size_t n = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n, 16);
        if (digits.empty() || ptr != digits.data() + digits.size()) return Fail(400, "malformed chunk size");
        if (ec == std::errc::result_out_of_range || n > limits_.max_body_bytes - request_.body.size()) {
          return Fail(413, "chunked body exceeds max_body_bytes (" + std::to_string(limits_.max_body_bytes) + ")");
        }
        chunk_left_ = n;
        phase_ = n == 0 ? Phase::kTrailers : Phase::kChunkData;
        break;
      }
      case Phase::kChunkData: {
        size_t take = std::min(chunk_left_, buf_.size() - pos_);
        request_.body.append(buf_, pos_, take);
        pos_ += take;
        chunk_left_ -= take;
        if (chunk_left_ > 0) {
          Compact();
          return state_ = State::kPartial;
        }
        phase_ = Phase::kChunkDataEnd;
        break;
      }
      case Phase::kChunkDataEnd: {
        std::string_view line;
        if (!NextLine(&line)) {
          if (buf_.size() - pos_ > 2) return Fail(400, "chunk data not followed by CRLF");
          return state_ = State::kPartial;
        }
        if (!line.empty()) return Fail(400, "chunk data not followed by CRLF");
        phase_ = Phase::kChunkSize;
        break;
      }
      case Phase::kTrailers: {
        // Trailer fields are read and dropped, within the header limit.
        std::string_view line;
        if (!NextLine(&line)) {
          if (buf_.size() - pos_ > limits_.max_header_bytes) return Fail(431, "trailer section too large");
          Compact();
          return state_ = State::kPartial;
        }
        if (line.empty()) {
          phase_ = Phase::kDone;
        } else if (++trailer_lines_ > limits_.max_headers) {
          return Fail(431, "more than " + std::to_string(limits_.max_headers) + " trailer fields");
        }
        break;
      }
      case Phase::kDone:
        return state_ = State::kComplete;
    }
  }
}

HttpRequest RequestParser::TakeRequest() {
  HttpRequest out = std::move(request_);
  request_ = HttpRequest();
  phase_ = Phase::kHead;
  content_length_ = 0;
  chunk_left_ = 0;
  trailer_lines_ = 0;
  head_scanned_ = 0;
  Compact();
  state_ = pos_ < buf_.size() ? State::kPartial : State::kIdle;
  return out;
}

}  // namespace ao
