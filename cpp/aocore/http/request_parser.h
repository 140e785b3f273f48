// RequestParser: an incremental HTTP/1.1 request reader (RFC 9112) for the server's connection
// loop (server.cc). Bytes are fed as they arrive; the parser says when a whole request (request
// line, headers and body, Content-Length or chunked) is in, and refuses a request as soon as it
// passes a limit, without waiting for the rest: 413 once the body (declared or chunked so far)
// exceeds max_body_bytes, 431 once the header section exceeds max_header_bytes, 400 for
// malformed input (including both Content-Length and Transfer-Encoding, the request-smuggling
// shape), 501 for a transfer coding other than chunked. Bytes past the end of one request stay
// buffered for the next (pipelining).
//
// Thread-safety: none; one parser per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ao {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: "/<pid>/schedule?from=0"
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers{};  // names lower-cased, in order
  std::string body{};     // de-chunked
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
  bool expect_continue = false;  // "Expect: 100-continue"

  // The first header named `name` (lower-case), or "".
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct RequestLimits {
  size_t max_header_bytes = 64 << 10;  // request line + headers
  size_t max_headers = 100;
  size_t max_body_bytes = 16 << 20;
};

class RequestParser {
 public:
  enum class State {
    kIdle,      // nothing of a request received yet
    kPartial,   // part of a request received
    kComplete,  // a whole request is ready: TakeRequest()
    kError,     // refused: error_status() / error_message(); the connection must close
  };

  explicit RequestParser(RequestLimits limits = {}) : limits_(limits) {}

  // Appends received bytes and parses as far as they go. Returns the new state.
  State Feed(std::string_view bytes);
  // Parses what is buffered (after TakeRequest, a pipelined next request may be complete).
  State Parse();
  State state() const { return state_; }

  // REQUIRES: state() == kComplete. Hands over the request and starts on the next one.
  HttpRequest TakeRequest();

  // True once the header section of the current request is in (a 100 Continue may be sent).
  bool headers_done() const { return phase_ != Phase::kHead; }
  const HttpRequest& current() const { return request_; }

  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class Phase { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kDone };

  State Fail(int status, std::string message);
  State ParseHead();
  State StartBody();
  // One line ending in LF (CR before it dropped) from buf_ at pos_, or false when incomplete.
  bool NextLine(std::string_view* line);
  void Compact();

  RequestLimits limits_;
  std::string buf_;
  size_t pos_ = 0;  // parse position in buf_
  Phase phase_ = Phase::kHead;
  State state_ = State::kIdle;
  HttpRequest request_;
  size_t content_length_ = 0;
  size_t chunk_left_ = 0;
  size_t trailer_lines_ = 0;
  size_t head_scanned_ = 0;  // buf_ offset up to which the header terminator was searched
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace ao
