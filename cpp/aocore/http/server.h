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
// Limits (HttpServerOptions), enforced by the transport (connection_loop.h): one connection loop
// thread owns every socket and reads requests with poll() (request_parser.h); a fixed pool of `threads` workers only ever sees complete
// requests, so the node never runs more than `threads` requests at once and a slow or idle
// client holds no worker. A request (headers and body) must arrive whole within
// `read_timeout_ms` of its first byte (else 408, and the connection closes); an idle kept-alive
// connection closes after `keep_alive_timeout_ms`; a body larger than `max_body_bytes`, declared
// or chunked, is refused with 413 as soon as it passes the limit, without reading the rest; a
// response not taken by the client within `write_timeout_ms` is dropped with its connection.
// At most `max_connections` connections are open (beyond, new ones wait in the kernel's listen
// backlog) and at most `max_queued` complete requests wait for a worker (beyond: 503). The
// per-request deadline inside the node is its `request_timeout_ms`, which bounds every wait
// inside a resolution (scheduler confirmations, worker computations): 504.
//
// Plain POSIX sockets (cpp-httplib, used before, gives each connection a thread for its whole
// life; see connection_loop.h).
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
  size_t max_body_bytes = 16 << 20;       // larger bodies (declared or chunked): 413
  int64_t read_timeout_ms = 5000;         // a whole request, from its first byte: else 408
  int64_t write_timeout_ms = 5000;        // a whole response
  int64_t keep_alive_timeout_ms = 2000;   // idle time before a kept-alive connection closes
  int keep_alive_max_count = 100;         // requests per connection
  int threads = 16;                       // requests served at once
  int max_queued = 256;                   // complete requests waiting for a thread; beyond: 503
  int max_connections = 1024;             // open connections; beyond, the kernel backlog waits
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
