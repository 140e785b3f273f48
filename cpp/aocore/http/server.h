// HttpServer: a node over HTTP/1.1 (the role of the reference's hb_http_server.erl). Every
// request is a path request (node/path_request.h) resolved on the node: the request target
// ("/<pid>/schedule?from=0") is the path, the HTTP method is the `method` key, the fields of a
// JSON body (docs/http.md: application/json, the tagged encoding of json_codec.h) are request
// keys, any other body is the `body` key, and an `Accept` header is the `accept` key.
// Responses are JSON (json_codec.h) with private keys removed, except a result carrying
// `content-type` and a binary `body` (e.g. the aos-2 schedule), which is sent as is.
//
// Status codes: 200; a result's own integer `status` (e.g. 307 + Location for a scheduler
// redirect, 404 for an unknown location); 400 malformed request or path, device error results
// without a status; 404 unknown message/process ID or key; 413 body too large; 422 a posted
// message whose commitments do not verify (or a peer's assignment that fails verification);
// 502 a peer's process with no known peer; 503 node closed or overloaded, or a peer that
// cannot be reached; 504 a wait inside the node (or for a peer) exceeded `request_timeout_ms`;
// 500 only for internal errors. Error bodies are JSON
// {"status": code, "error": short-name, "message": text[, "details": value]}.
//
// Limits (HttpServerOptions): the request body size, socket read/write timeouts (a slow client
// holds one connection thread for at most that long per read), the keep-alive idle time and
// count, and a fixed pool of connection threads with a bounded queue of accepted connections;
// when the queue is full the accept loop waits (the kernel backlog absorbs the burst), so the
// node never runs more than `threads` requests at once. The per-request deadline is the node's
// `request_timeout_ms`, which bounds every wait inside a resolution (scheduler confirmations,
// worker computations): a request that exceeds it ends with 504.
//
// Built on cpp-httplib (Debian libcpp-httplib-dev): see docs/http.md for why.
//
// Thread-safety: Start/Stop/accessors may be called from any thread; Stop is idempotent and
// waits for requests in flight. The Node must outlive the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "aocore/common/result.h"

namespace ao {

class Node;

struct HttpServerOptions {
  std::string host = "127.0.0.1";         // loopback unless told otherwise
  int port = 10000;                       // 0: any free port (see HttpServer::port())
  size_t max_body_bytes = 16 << 20;       // larger bodies: 413
  int64_t read_timeout_ms = 5000;         // per socket read
  int64_t write_timeout_ms = 5000;        // per socket write
  int64_t keep_alive_timeout_ms = 2000;   // idle time before a kept-alive connection closes
  int keep_alive_max_count = 100;         // requests per connection
  int threads = 16;                       // connections served at once
  int max_queued = 256;                   // accepted connections waiting for a thread
};

class HttpServer {
 public:
  // Binds host:port and starts serving on background threads. Unavailable when the address
  // cannot be bound (in use, bad host); InvalidArgument for nonsensical options.
  static Result<std::unique_ptr<HttpServer>> Start(Node& node, HttpServerOptions options = {});

  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Stops accepting, finishes the requests in flight, joins the threads. Idempotent.
  void Stop();
  bool running() const;

  const std::string& host() const;
  int port() const;           // the bound port (the chosen one when options.port was 0)
  std::string url() const;    // "http://host:port"

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ao
