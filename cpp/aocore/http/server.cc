#include "aocore/http/server.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aocore/common/logging.h"
#include "aocore/http/ao_legacy_routes.h"
#include "aocore/http/ao_mainnet_routes.h"
#include "aocore/http/ao_process_api.h"
#include "aocore/http/connection_loop.h"
#include "aocore/http/json_codec.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/commitment.h"
#include "aocore/message/key.h"
#include "aocore/node/node.h"
#include "aocore/node/path_request.h"

namespace ao {
namespace {

constexpr char kJson[] = "application/json";

// A response; content_type is JSON unless the result says otherwise.
struct Reply : HttpResponse {
  Reply() { content_type = kJson; }
  Reply(int s, std::string type, std::string b, std::string loc) : HttpResponse{s, std::move(type), std::move(b), std::move(loc)} {}
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

std::string ErrorName(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 431: return "header_too_large";
    case 422: return "invalid_signature";
    case 500: return "internal";
    case 501: return "not_implemented";
    case 502: return "bad_gateway";
    case 503: return "unavailable";
    case 504: return "timeout";
    case 505: return "http_version_not_supported";
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
    // A posted message is verified once, where its scheduler accepts it (process_scheduler.h),
    // not here; a signature that does not verify comes back as this typed result.
    const Bytes* reason = r.value.is_message() ? r.value.message().FindBinary("reason") : nullptr;
    if (code == 400 && reason != nullptr && *reason == kInvalidSignatureReason) code = 422;
    Reply reply = ErrorReply(code, ErrorName(code), TextOf(r.value), &r.value);
    if (code / 100 == 3 && r.value.is_message()) {
      if (const Bytes* location = r.value.message().FindBinary("location")) reply.location = *location;
    }
    return reply;
  }
  return ErrorReply(500, "internal", "resolution ended with status '" + r.status + "'", &r.value);
}

bool IsJsonType(const std::string& type) {
  return type.rfind("application/json", 0) == 0 || type.rfind("text/json", 0) == 0;
}

// A body that is a signed ANS-104 data item, as AO clients (aoconnect) send it.
bool IsAns104Request(const HttpRequest& req) {
  return req.Header("content-type").rfind("application/ans104", 0) == 0 ||
         req.Header("codec-device") == kAns104Device;
}

// Whether a resolution ended in the scheduler's refusal of a message whose commitments do not
// verify (scheduler@1.0's typed error result).
bool IsInvalidSignatureResult(const Result<ResolveResult>& result) {
  if (!result.ok() || result->status != kStatusError || !result->value.is_message()) return false;
  const Bytes* reason = result->value.message().FindBinary("reason");
  return reason != nullptr && *reason == kInvalidSignatureReason;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Node& node, HttpServerOptions options) : node_(node), options_(std::move(options)), log_(Logger("http")) {}

  Status Bind() {
    AO_ASSIGN_OR_RETURN(
        loop_, ConnectionLoop::Start(
                   options_, [this](const HttpRequest& req) { return Handle(req); },
                   [](int status, const std::string& message) { return ErrorReply(status, ErrorName(status), message); }));
    running_ = true;
    log_->info("http server listening on {}", Url());
    return Status::OK();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (!running_) return;
    loop_->Stop();
    running_ = false;
    log_->info("http server on {} stopped", Url());
  }

  std::string Url() const {
    std::string host = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    return "http://" + host + ":" + std::to_string(port());
  }

  const HttpServerOptions& options() const { return options_; }
  int port() const { return loop_ ? loop_->port() : 0; }
  bool running() const {
    std::lock_guard<std::mutex> lock(stop_mu_);
    return running_;
  }

 private:
  HttpResponse Handle(const HttpRequest& req) {
    auto start = std::chrono::steady_clock::now();
    HttpResponse reply;
    if (req.method == "GET" || req.method == "POST") {
      reply = Serve(req);
    } else if (std::optional<HttpResponse> legacy = ServeAoLegacy(node_, req)) {
      reply = *legacy;  // aoconnect's unmonitor: DELETE /monitor/<pid>
    } else {
      reply = ErrorReply(405, "method_not_allowed", "method " + req.method + " is not served (GET or POST)");
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    log_->debug("{} {} -> {} ({} us)", req.method, req.target, reply.status, us);
    return reply;
  }

  HttpResponse Serve(const HttpRequest& req) {
    // aoconnect's routes (docs/interop.md): legacy ones read their bodies themselves.
    if (std::optional<HttpResponse> legacy = ServeAoLegacy(node_, req)) return *legacy;
    Message params;
    const bool ans104_body = !req.body.empty() && IsAns104Request(req);
    if (!req.body.empty()) {
      std::string type(req.Header("content-type"));
      if (ans104_body) {
        // A posted item is decoded, not verified (as a JSON body with commitments): the scheduler
        // that accepts it checks its signature, once; an item refused there is answered as the
        // item's refusal below. 400 here for an item that cannot be read or represented.
        Result<Message> item = DecodePostedItem(req.body);
        if (!item.ok()) return ErrorReply(400, "bad_request", item.status().message());
        params = std::move(item).value();
      } else if (IsJsonType(type) || (type.empty() && req.body.front() == '{')) {
        Result<Message> fields = DecodeJsonMessage(req.body);
        if (!fields.ok()) return ErrorReply(400, "bad_request", "request body: " + fields.status().message());
        params = std::move(fields).value();
      } else {
        params.Set("body", Value(Bytes(req.body)));
        if (!type.empty()) params.Set("content-type", Value(type));
      }
    }
    if (std::optional<HttpResponse> mainnet = ServeAoMainnet(node_, req, params, ans104_body)) return *mainnet;
    params.Set("method", Value(req.method));
    if (req.HasHeader("accept") && !params.Contains("accept")) {
      params.Set("accept", Value(std::string(req.Header("accept"))));
    }
    ResolveOptions opts = node_.DefaultResolveOptions();
    // Responses drop private keys, so the HashPath would be computed and thrown away.
    opts.hashpath = HashpathMode::kIgnore;
    Result<ResolveResult> result = ResolvePath(node_, req.target, params, opts);
    if (ans104_body && IsInvalidSignatureResult(result)) return ForgedItemReply();
    return Render(result);
  }

  Node& node_;
  const HttpServerOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<ConnectionLoop> loop_;
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
