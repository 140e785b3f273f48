#include "aocore/http/server.h"

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "aocore/common/logging.h"
#include "aocore/http/json_codec.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/commitment.h"
#include "aocore/message/key.h"
#include "aocore/node/node.h"
#include "aocore/node/path_request.h"

namespace ao {
namespace {

// httplib's connection task queue with a bounded backlog: `threads` workers, at most
// `max_queued` accepted connections waiting. A full queue blocks the accept loop (the kernel's
// listen backlog holds further connections) instead of growing without bound; Stop() releases it.
class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(int threads, int max_queued, const std::atomic<bool>* stopping)
      : max_queued_(static_cast<size_t>(max_queued)), stopping_(stopping) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~BoundedTaskQueue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // While stopping the bound is lifted so the accept loop can never wedge: every accepted
      // socket must reach a worker, which closes it.
      // Polled, so Stop() needs no handle on a queue httplib owns and deletes.
      while (jobs_.size() >= max_queued_ && !stopping_->load() && !shutdown_) {
        space_.wait_for(lock, std::chrono::milliseconds(50));
      }
      jobs_.push_back(std::move(fn));
    }
    ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      space_.notify_one();
      fn();
    }
  }

  const size_t max_queued_;
  const std::atomic<bool>* stopping_;
  std::vector<std::thread> workers_;
  std::mutex mu_;  // leaf lock: guards jobs_ and shutdown_
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
};

constexpr char kJson[] = "application/json";

struct Reply {
  int status = 200;
  std::string content_type = kJson;
  std::string body;
  std::string location;
};

// Private keys (priv, priv/...) never leave the node.
Value StripPrivate(const Value& v) {
  if (v.is_message()) {
    Message out;
    for (const auto& [k, e] : v.message()) {
      if (IsPrivateKey(k)) continue;
      out.Set(k, StripPrivate(e));
    }
    return Value(std::move(out));
  }
  if (v.is_list()) {
    Value::List out;
    out.reserve(v.list().size());
    for (const Value& e : v.list()) out.push_back(StripPrivate(e));
    return Value(std::move(out));
  }
  return v;
}

Reply ErrorReply(int status, std::string_view error, std::string_view text, const Value* details = nullptr) {
  Message body{{"status", Value(int64_t{status})},
               {"error", Value(std::string(error))},
               {"message", Value(std::string(text))}};
  if (details != nullptr) body.Set("details", StripPrivate(*details));
  return Reply{status, kJson, EncodeJson(Value(std::move(body))), ""};
}

int HttpStatusOf(const Status& s) {
  if (s.IsInvalidArgument()) return 400;
  if (s.IsNotFound()) return 404;
  if (s.IsDeadlineExceeded()) return 504;
  if (s.IsUnavailable() || s.IsClosed() || s.IsAborted()) return 503;
  return 500;
}

std::string ErrorName(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 422: return "invalid_signature";
    case 500: return "internal";
    case 501: return "not_implemented";
    case 502: return "bad_gateway";
    case 503: return "unavailable";
    case 504: return "timeout";
    default: return status >= 500 ? "server_error" : "client_error";
  }
}

// The integer `status` a result message carries (a valid HTTP code), else 0.
int StatusField(const Value& v) {
  if (!v.is_message()) return 0;
  const Value* s = v.message().Find("status");
  if (s == nullptr || !s->is_integer()) return 0;
  int64_t code = s->integer();
  return (code >= 100 && code <= 599) ? static_cast<int>(code) : 0;
}

std::string TextOf(const Value& v) {
  if (v.is_binary()) return v.binary();
  if (v.is_atom()) return v.atom().name;
  if (v.is_message()) {
    for (const char* key : {"body", "message", "reason", "error"}) {
      if (const Bytes* b = v.message().FindBinary(key)) return *b;
    }
  }
  return EncodeJson(StripPrivate(v));
}

Reply Render(const Result<ResolveResult>& result) {
  if (!result.ok()) {
    int code = HttpStatusOf(result.status());
    return ErrorReply(code, ErrorName(code), result.status().ToString());
  }
  const ResolveResult& r = result.value();
  if (r.ok()) {
    Reply reply;
    if (int code = StatusField(r.value)) reply.status = code;
    if (r.value.is_message()) {
      const Message& m = r.value.message();
      if (const Bytes* location = m.FindBinary("location"); location != nullptr && reply.status / 100 == 3) {
        reply.location = *location;
      }
      const Bytes* type = m.FindBinary("content-type");
      const Bytes* body = m.FindBinary("body");
      if (type != nullptr && body != nullptr) {
        reply.content_type = *type;
        reply.body = *body;
        return reply;
      }
    }
    reply.body = EncodeJson(StripPrivate(r.value));
    return reply;
  }
  if (r.IsNotFound()) return ErrorReply(404, "not_found", "not found");
  if (r.status == kStatusError) {
    int code = StatusField(r.value);
    if (code < 400) code = 400;
    Reply reply = ErrorReply(code, ErrorName(code), TextOf(r.value), &r.value);
    if (code / 100 == 3 && r.value.is_message()) {
      if (const Bytes* location = r.value.message().FindBinary("location")) reply.location = *location;
    }
    return reply;
  }
  return ErrorReply(500, "internal", "resolution ended with status '" + r.status + "'", &r.value);
}

// A posted message whose commitments do not verify (checked before any device sees it).
bool HasInvalidCommitments(const Message& m) {
  if (m.Contains("commitments") && !Verify(m)) return true;
  if (const Message* body = m.FindMessage("body")) {
    if (body->Contains("commitments") && !Verify(*body)) return true;
  }
  return false;
}

bool IsJsonType(const std::string& type) {
  return type.rfind("application/json", 0) == 0 || type.rfind("text/json", 0) == 0;
}

// A body that is a signed ANS-104 data item, as AO clients (aoconnect) send it.
bool IsAns104Request(const httplib::Request& req) {
  return req.get_header_value("Content-Type").rfind("application/ans104", 0) == 0 ||
         req.get_header_value("codec-device") == kAns104Device;
}

// The message a posted item is (ans104_message.h): 400 for an item that cannot be read or
// represented, 422 for one whose signature does not verify. Nothing reaches a device otherwise.
std::optional<Reply> DecodeItemBody(const std::string& body, Message& out) {
  Result<DataItem> item = DecodeDataItem(body);
  if (!item.ok()) return ErrorReply(400, "bad_request", "request body: " + item.status().message());
  if (IsUnsignedDataItem(*item)) return ErrorReply(400, "bad_request", "request body: the ANS-104 item is not signed");
  if (Result<int> salt = VerifyDataItem(*item); !salt.ok()) {
    return ErrorReply(422, "invalid_signature", "request body: " + salt.status().message());
  }
  Result<Message> msg = DataItemToMessage(*item);
  if (!msg.ok()) return ErrorReply(400, "bad_request", "request body: " + msg.status().message());
  out = std::move(msg).value();
  return std::nullopt;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Node& node, HttpServerOptions options) : node_(node), options_(std::move(options)), log_(Logger("http")) {}

  Status Bind() {
    if (options_.threads < 1 || options_.max_queued < 1 || options_.port < 0 || options_.port > 65535) {
      return Status::InvalidArgument("http server: threads and max_queued must be >= 1, port in 0..65535");
    }
    auto ms = [](int64_t v) { return std::chrono::milliseconds(v); };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_read_timeout(ms(options_.read_timeout_ms));
    server_.set_write_timeout(ms(options_.write_timeout_ms));
    server_.set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(options_.keep_alive_timeout_ms / 1000)));
    server_.set_keep_alive_max_count(static_cast<size_t>(std::max(1, options_.keep_alive_max_count)));
    server_.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same port
    // and silently share its traffic; a port in use must be an error instead.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
    });
    server_.new_task_queue = [this] {
      return new BoundedTaskQueue(options_.threads, options_.max_queued, &stopping_);  // httplib owns it
    };
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
      Reply r = ErrorReply(405, "method_not_allowed", "method " + req.method + " is not served (GET or POST)");
      res.status = r.status;
      res.set_content(r.body, r.content_type);
    };
    server_.Put(".*", not_allowed);
    server_.Delete(".*", not_allowed);
    server_.Patch(".*", not_allowed);
    server_.Options(".*", not_allowed);
    // Errors httplib answers itself (413, malformed requests): give them a JSON body too.
    server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      int code = res.status >= 400 ? res.status : 500;
      Reply r = ErrorReply(code, ErrorName(code), "HTTP " + std::to_string(code) + " (" + ErrorName(code) + ")");
      res.set_content(r.body, r.content_type);
    });
    server_.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log_->error("http: exception while serving a request: {}", what);
      Reply r = ErrorReply(500, "internal", what);
      res.status = 500;
      res.set_content(r.body, r.content_type);
    });

    if (options_.port == 0) {
      int port = server_.bind_to_any_port(options_.host);
      if (port <= 0) return Status::Unavailable("http server: cannot bind " + options_.host + " (any port)");
      port_ = port;
    } else {
      if (!server_.bind_to_port(options_.host, options_.port)) {
        return Status::Unavailable("http server: cannot bind " + options_.host + ":" + std::to_string(options_.port) +
                                   " (in use, or not a local address)");
      }
      port_ = options_.port;
    }
    listener_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing until the listen loop has marked itself running, so a Stop()
    // right after Start() would leave the loop blocked in accept(): wait for it.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running()) {
      if (std::chrono::steady_clock::now() > deadline) {
        server_.stop();
        listener_.detach();
        return Status::Internal("http server: the listen loop did not start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    running_ = true;
    log_->info("http server listening on {}", Url());
    return Status::OK();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (!running_) return;
    stopping_ = true;
    server_.stop();
    if (listener_.joinable()) listener_.join();
    running_ = false;
    log_->info("http server on {} stopped", Url());
  }

  std::string Url() const {
    std::string host = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    return "http://" + host + ":" + std::to_string(port_);
  }

  const HttpServerOptions& options() const { return options_; }
  int port() const { return port_; }
  bool running() const {
    std::lock_guard<std::mutex> lock(stop_mu_);
    return running_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    Reply reply = Serve(req);
    res.status = reply.status;
    if (!reply.location.empty()) res.set_header("Location", reply.location);
    res.set_content(std::move(reply.body), reply.content_type);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    log_->debug("{} {} -> {} ({} us)", req.method, req.target, res.status, us);
  }

  Reply Serve(const httplib::Request& req) {
    Message params;
    if (!req.body.empty()) {
      std::string type = req.get_header_value("Content-Type");
      if (IsAns104Request(req)) {
        if (std::optional<Reply> refused = DecodeItemBody(req.body, params)) return *refused;
      } else if (IsJsonType(type) || (type.empty() && req.body.front() == '{')) {
        Result<Message> fields = DecodeJsonMessage(req.body);
        if (!fields.ok()) return ErrorReply(400, "bad_request", "request body: " + fields.status().message());
        if (HasInvalidCommitments(*fields)) {
          return ErrorReply(422, "invalid_signature", "the posted message's commitments do not verify");
        }
        params = std::move(fields).value();
      } else {
        params.Set("body", Value(Bytes(req.body)));
        if (!type.empty()) params.Set("content-type", Value(type));
      }
    }
    params.Set("method", Value(req.method));
    if (req.has_header("Accept") && !params.Contains("accept")) {
      params.Set("accept", Value(req.get_header_value("Accept")));
    }
    ResolveOptions opts = node_.DefaultResolveOptions();
    // Responses drop private keys, so the HashPath would be computed and thrown away.
    opts.hashpath = HashpathMode::kIgnore;
    return Render(ResolvePath(node_, req.target, params, opts));
  }

  Node& node_;
  const HttpServerOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  httplib::Server server_;
  std::thread listener_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  mutable std::mutex stop_mu_;  // serialises Stop(); guards running_
  bool running_ = false;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(Node& node, HttpServerOptions options) {
  auto impl = std::make_unique<Impl>(node, std::move(options));
  AO_RETURN_IF_ERROR(impl->Bind());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() {
  if (impl_) impl_->Stop();
}
bool HttpServer::running() const { return impl_->running(); }
const std::string& HttpServer::host() const { return impl_->options().host; }
int HttpServer::port() const { return impl_->port(); }
std::string HttpServer::url() const { return impl_->Url(); }

}  // namespace ao
