// ConnectionLoop: the transport of the HTTP server (server.h). One loop thread owns every
// socket: it accepts, reads requests with poll() (request_parser.h) and writes responses; a
// fixed pool of `threads` workers runs the handler, and a worker only ever sees a complete
// request. So a slow or idle client costs a file descriptor and a buffer, never a worker:
//   * a request (headers and body) must arrive whole within read_timeout_ms of its first byte,
//     else 408 and the connection closes (a new connection gets the same deadline);
//   * an idle kept-alive connection closes after keep_alive_timeout_ms, or after
//     keep_alive_max_count requests;
//   * a body larger than max_body_bytes, declared or chunked, is refused with 413 as soon as it
//     passes the limit, without reading the rest; malformed requests get 400/431/501/505;
//   * a response the client does not take within write_timeout_ms is dropped with its connection;
//   * at most max_connections connections are open (beyond, new ones wait in the kernel's
//     backlog) and at most max_queued complete requests wait for a worker (beyond: 503).
// A connection closing after a response shuts its write side and discards what the client still
// sends for a short, bounded time, so the client reads the response instead of a reset.
//
// Why not cpp-httplib (Debian 12: 0.11.4), which the server used before: it gives each
// connection a pool thread for its whole life, idle keep-alive time included, and its read
// timeout is per read, so clients dribbling a header byte every 2 s held every thread; its
// payload limit was not applied to chunked bodies. That version has no option for either.
//
// Thread-safety: Start/Stop/port may be called from any thread; Stop is idempotent and returns
// once every request being served is answered. The handler runs on the worker threads, several
// at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/http/request_parser.h"
#include "aocore/http/server.h"

namespace ao {

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string location;  // a Location header when not empty
  // Further headers (e.g. the `process` header aoconnect reads after a spawn); values are
  // stripped of control characters when sent.
  std::vector<std::pair<std::string, std::string>> headers{};
};

class ConnectionLoop {
 public:
  // Answers one complete request (on a worker thread).
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // The response to a request the loop refuses itself (status >= 400, a reason).
  using Refusal = std::function<HttpResponse(int status, const std::string& message)>;

  // Binds options.host:options.port and starts the loop and the workers. Unavailable when the
  // address cannot be bound; InvalidArgument for nonsensical options.
  static Result<std::unique_ptr<ConnectionLoop>> Start(const HttpServerOptions& options, Handler handler,
                                                       Refusal refusal);

  ~ConnectionLoop();  // Stop()
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Stops accepting, drops requests not yet received, answers those being served, joins the
  // threads. Idempotent.
  void Stop();
  int port() const;  // the bound port

  class Impl;

 private:
  explicit ConnectionLoop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ao
